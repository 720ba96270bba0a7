/**
 * Consumer groups through the SDK against a real server on 127.0.0.1: `pool.group(name,
 * settings)` (ensure, claim, ack, nack, extend, info, delete), `pool.groups()` and
 * `group.consume()`: two clients share a pool's messages with no duplicates, nack and an expired
 * lease redeliver with the next attempt, the last attempt moves the message to the dead-letter
 * pool, a long-poll claim returns when another client appends and [] when cancelled, a stopped
 * consume loses nothing, deliveries carry the stored envelope bytes, bad input is Usage before
 * any request, and a read-only token gets Permission.
 */
import { join } from "node:path";
import { openPool, type Pool } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ConsumedDelivery,
  createClient,
  type Delivery,
  type GroupInfo,
  isSpoolError,
  RemoteMessage,
  type RemotePool,
} from "../src/index.js";
import { offlineClient } from "./helpers/offline.js";
import { rejection, startServer, type TestServer, until } from "./helpers/server.js";

let servers: TestServer[] = [];
let locals: Pool[] = [];
afterEach(async () => {
  for (const p of locals) p.close();
  locals = [];
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

async function setup(
  options: Parameters<typeof startServer>[0] = {},
): Promise<{ s: TestServer; pool: RemotePool; local: Pool }> {
  const s = await startServer(options);
  servers.push(s);
  const token = options.tokens ? "rw" : undefined;
  const pool = await createClient({ baseUrl: s.url, token }).createPool("jobs", { size: "1M" });
  const local = openPool(join(s.dir, "jobs.spool"));
  locals.push(local);
  return { s, pool, local };
}

async function kindOf(promise: Promise<unknown>): Promise<string> {
  const error = await rejection(promise);
  if (!isSpoolError(error)) throw error;
  return error.kind;
}

describe("group handles", () => {
  it("claim, ack and info; the claim's settings create the group; delete", async () => {
    const { pool, local } = await setup();
    for (let i = 1; i <= 3; i++) local.append({ i });
    expect(await pool.groups()).toEqual([]);
    const group = pool.group("mailer", { since: "oldest", maxAttempts: 3 });
    expect(group.name).toBe("mailer");
    expect(await kindOf(group.info())).toBe("NotFound");

    const claimed: Delivery<{ i: number }>[] = await group.claim<{ i: number }>({
      max: 2,
      member: "worker-1",
    });
    expect(claimed.map((d) => [d.seq, d.attempt, d.member])).toEqual([
      [1, 1, "worker-1"],
      [2, 1, "worker-1"],
    ]);
    expect(claimed[0]?.message.data).toEqual({ i: 1 });
    expect(typeof claimed[0]?.leaseUntil).toBe("string");
    const info: GroupInfo = await group.info();
    expect(info).toMatchObject({ name: "mailer", next: 3, inFlight: 2, maxAttempts: 3 });
    expect(info.members).toEqual([{ member: "worker-1", inFlight: 2 }]);

    expect(await group.ack(claimed[0] as Delivery)).toBe(1);
    expect(await kindOf(group.ack(claimed[0] as Delivery))).toBe("Conflict"); // already finished
    // ack and claim in one commit
    const [third] = await group.claim({ ack: [claimed[1] as Delivery], member: "worker-1" });
    expect(third?.seq).toBe(3);
    expect(await group.ack([third as Delivery])).toBe(1);
    expect(await group.claim()).toEqual([]);
    expect(await group.info()).toMatchObject({ acked: 3, inFlight: 0, lag: 0 });
    expect(await kindOf(group.ack({ seq: 9, attempt: 1 }))).toBe("NotFound"); // never delivered

    await pool.group("b-other").ensure();
    expect((await pool.groups()).map((g) => g.name)).toEqual(["b-other", "mailer"]);
    expect((await pool.info()).groups.map((g) => g.name)).toEqual(["b-other", "mailer"]);
    expect((await group.delete()).acked).toBe(3);
    expect(await kindOf(group.delete())).toBe("NotFound");
  });

  it("ensure stores settings; a delivery's message is the envelope get answers, byte for byte", async () => {
    const { pool } = await setup();
    const group = pool.group("exact", { since: "new", retention: "block" });
    expect(await group.ensure()).toMatchObject({ retention: "block", next: 1 });
    const stored = await pool.appendJson('{"big": 12345678901234567890, "x": 1.50}', {
      tags: ["t"],
    });
    const [d] = await group.claim();
    expect(d?.message).toBeInstanceOf(RemoteMessage);
    const got = await pool.get(stored.seq);
    expect(new TextDecoder().decode(d?.message.toJsonLine())).toBe(
      new TextDecoder().decode(got.toJsonLine()),
    );
    expect(new TextDecoder().decode(d?.message.dataBytes)).toBe(
      '{"big": 12345678901234567890, "x": 1.50}',
    );
    expect(d?.message.tags).toEqual(["t"]);
  });

  it("nack redelivers with the next attempt; an expired lease redelivers; extend renews", async () => {
    const { pool, local } = await setup();
    const group = pool.group("retry", { since: "oldest" });
    local.append("a");
    const [first] = await group.claim();
    await group.nack(first as Delivery, { error: "try again" });
    const [second] = await group.claim();
    expect([second?.seq, second?.attempt]).toEqual([1, 2]);
    expect(await kindOf(group.ack(first as Delivery))).toBe("Conflict"); // another attempt

    const until1 = await group.extend(second as Delivery, { leaseMs: 60_000 });
    expect(until1 > (second?.leaseUntil ?? "")).toBe(true);
    await group.nack(second as Delivery, { delayMs: 1 });

    const [third] = await group.claim({ leaseMs: 1, waitMs: 5000 });
    expect([third?.seq, third?.attempt]).toEqual([1, 3]);
    // its 1 ms lease ends: a waiting claim gets it again
    const [fourth] = await group.claim({ waitMs: 5000 });
    expect([fourth?.seq, fourth?.attempt]).toEqual([1, 4]);
    expect(await kindOf(group.ack(third as Delivery))).toBe("Conflict"); // lease expired
    await group.ack(fourth as Delivery);
    expect(await group.info()).toMatchObject({ redelivered: 3, acked: 1 });
  });

  it("the last attempt moves the message to the dead-letter pool", async () => {
    const { s, pool, local } = await setup();
    const client = createClient({ baseUrl: s.url });
    const dead = await client.createPool("failed-jobs");
    const group = pool.group("dl", { since: "oldest", maxAttempts: 2, deadLetter: "failed-jobs" });
    local.append({ job: 7 }, { tags: ["mail"] });
    const [a] = await group.claim();
    await group.nack(a as Delivery, { error: "boom 1" });
    const [b] = await group.claim();
    expect(b?.attempt).toBe(2);
    await group.nack(b as Delivery, { error: "boom 2" });
    expect(await group.claim()).toEqual([]);
    const letters = [];
    for await (const m of dead.tail({ since: 1, follow: false })) letters.push(m);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.data).toMatchObject({
      pool: "jobs",
      group: "dl",
      seq: 1,
      attempts: 2,
      error: "boom 2",
      data: { job: 7 },
    });
    expect(letters[0]?.tags).toEqual(["mail"]);
    expect(await group.info()).toMatchObject({ deadLettered: 1, lag: 0 });
  });

  it("a long-poll claim returns when another client appends, and [] when cancelled", async () => {
    const { s, pool } = await setup();
    const group = pool.group("wait");
    await group.ensure();
    const other = createClient({ baseUrl: s.url }).pool("jobs");
    const waiting = group.claim({ waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 50));
    const appended = await other.append({ hello: 1 });
    const [d] = await waiting;
    expect(d?.seq).toBe(appended.seq);
    await group.ack(d as Delivery);

    const controller = new AbortController();
    const aborted = group.claim({ waitMs: 20_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await aborted).toEqual([]);
    expect(await group.claim({ signal: controller.signal })).toEqual([]); // aborted before

    const closing = group.claim({ waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 50));
    pool.close();
    expect(await closing).toEqual([]);
    expect(await kindOf(group.claim())).toBe("Usage"); // the handle is closed
    // nothing was delivered meanwhile
    expect(await createClient({ baseUrl: s.url }).pool("jobs").group("wait").info()).toMatchObject({
      inFlight: 0,
      delivered: 1,
    });
  });
});

describe("consume", () => {
  it("two clients share the messages with no duplicates, all acked", async () => {
    const { s, pool, local } = await setup();
    const total = 60;
    await pool.group("share", { since: "oldest" }).ensure();
    const seen = new Map<number, string>();
    const duplicates: number[] = [];
    const controller = new AbortController();
    const worker = async (name: string) => {
      const group = createClient({ baseUrl: s.url }).pool("jobs").group("share");
      for await (const d of group.consume({
        max: 3,
        member: name,
        waitMs: 500,
        signal: controller.signal,
      })) {
        if (seen.has(d.seq)) duplicates.push(d.seq);
        seen.set(d.seq, name);
        await new Promise((r) => setTimeout(r, 1));
        await d.ack();
        if (seen.size === total) controller.abort();
      }
    };
    const workers = [worker("w-1"), worker("w-2")];
    for (let i = 1; i <= total; i++) {
      local.append({ i });
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(workers);
    expect(duplicates).toEqual([]);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(new Set(seen.values())).toEqual(new Set(["w-1", "w-2"]));
    expect(await pool.group("share").info()).toMatchObject({ acked: total, lag: 0, inFlight: 0 });
  });

  it("stopping loses nothing: what was not acked is redelivered after its lease", async () => {
    const { pool, local } = await setup();
    for (let i = 1; i <= 4; i++) local.append(i);
    const group = pool.group("stop", { since: "oldest" });
    const taken: ConsumedDelivery[] = [];
    // claims 3 at once; breaks after handing out 2: 1 acked, 2 held, 3 never handed out
    for await (const d of group.consume({ max: 3, leaseMs: 200 })) {
      taken.push(d);
      if (taken.length === 1) await d.ack();
      if (taken.length === 2) break;
    }
    expect(taken.map((d) => d.seq)).toEqual([1, 2]);
    const again: number[] = [];
    const controller = new AbortController();
    for await (const d of group.consume({ max: 3, waitMs: 5000, signal: controller.signal })) {
      again.push(d.seq);
      await d.ack();
      if (again.length === 3) controller.abort();
    }
    expect(again.sort()).toEqual([2, 3, 4]);
    expect(await group.info()).toMatchObject({ acked: 4, lag: 0 });
  });

  it("nack and extend through the delivery; extendEvery keeps a held lease", async () => {
    const { pool, local } = await setup();
    local.append("slow");
    local.append("flaky");
    const group = pool.group("own", { since: "oldest" });
    const controller = new AbortController();
    const attempts: [number, number][] = [];
    for await (const d of group.consume({
      leaseMs: 300,
      extendEvery: 50,
      waitMs: 5000,
      signal: controller.signal,
    })) {
      attempts.push([d.seq, d.attempt]);
      if (d.seq === 1) {
        const before = d.leaseUntil;
        // held for longer than its lease: renewed meanwhile, so the ack is still ours
        await until(() => d.leaseUntil > before, 5000, "a renewal");
        await new Promise((r) => setTimeout(r, 400));
        await d.ack();
      } else if (d.attempt === 1) {
        await d.nack({ error: "flaky" });
      } else {
        const until2 = await d.extend({ leaseMs: 10_000 });
        expect(d.leaseUntil).toBe(until2);
        await d.ack();
        controller.abort();
      }
    }
    expect(attempts).toEqual([
      [1, 1],
      [2, 1],
      [2, 2],
    ]);
    expect(await group.info()).toMatchObject({ acked: 2, redelivered: 1, inFlight: 0 });
  });

  it("retries a claim while the server restarts", async () => {
    const { s, pool, local } = await setup();
    const group = pool.group("restart", { since: "oldest" });
    await group.ensure();
    const retries: string[] = [];
    const seen: number[] = [];
    const controller = new AbortController();
    const done = (async () => {
      for await (const d of group.consume({
        waitMs: 200,
        signal: controller.signal,
        backoff: { initialMs: 10, maxMs: 50 },
        onRetry: (e) => retries.push(e.kind),
      })) {
        seen.push(d.seq);
        await d.ack();
        controller.abort();
      }
    })();
    await s.stop();
    await new Promise((r) => setTimeout(r, 100));
    local.append("after");
    await s.restart();
    await done;
    expect(seen).toEqual([1]);
    expect(retries.length).toBeGreaterThan(0);
  });
});

describe("bad input and access", () => {
  it("bad names, settings and options are Usage before any request", async () => {
    const { client, requests } = offlineClient();
    const pool = client.pool("p");
    const usage = (f: () => unknown) => {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(isSpoolError(error, "Usage"), String(error)).toBe(true);
    };
    usage(() => pool.group("bad name"));
    usage(() => pool.group("a/b"));
    usage(() => pool.group("g", { maxAttempts: -1 }));
    usage(() => pool.group("g", { since: 0 }));
    usage(() => pool.group("g", { since: "newest" as never }));
    usage(() => pool.group("g", { retention: "keep" as never }));
    usage(() => pool.group("g", { deadLetter: "p" })); // its own pool
    usage(() => pool.group("g", { deadLetter: "../x" }));
    usage(() => pool.group("g", { maxAttempt: 3 } as never));
    const group = pool.group("g", { deadLetter: "failed", maxAttempts: 2 });
    expect(await kindOf(group.claim({ max: 0 }))).toBe("Usage");
    expect(await kindOf(group.claim({ max: 1001 }))).toBe("Usage");
    expect(await kindOf(group.claim({ leaseMs: 0 }))).toBe("Usage");
    expect(await kindOf(group.claim({ waitMs: -1 }))).toBe("Usage");
    expect(await kindOf(group.claim({ member: "has space" }))).toBe("Usage");
    expect(await kindOf(group.claim({ ack: [{ seq: 0, attempt: 1 }] }))).toBe("Usage");
    expect(await kindOf(group.claim({ wait: 5 } as never))).toBe("Usage");
    expect(await kindOf(group.ack([]))).toBe("Usage");
    expect(await kindOf(group.ack({ seq: 1 } as never))).toBe("Usage");
    expect(await kindOf(group.nack({ seq: 1, attempt: 1 }, { delayMs: -5 }))).toBe("Usage");
    expect(await kindOf(group.nack({ seq: 1, attempt: 1 }, { error: 5 as never }))).toBe("Usage");
    expect(await kindOf(group.nack({ seq: 1, attempt: 1 }, { delay: 5 } as never))).toBe("Usage");
    expect(await kindOf(group.extend({ seq: 1, attempt: 0 }))).toBe("Usage");
    expect(await kindOf(group.extend({ seq: 1, attempt: 1 }, { leaseMs: 1.5 }))).toBe("Usage");
    expect(await kindOf(group.info({ x: 1 } as never))).toBe("Usage");
    expect(await kindOf(pool.groups({ x: 1 } as never))).toBe("Usage");
    usage(() => group.consume({ leaseMs: 100, extendEvery: 100 }));
    usage(() => group.consume({ waitMs: 0 }));
    usage(() => group.consume({ ack: [] } as never));
    usage(() => group.consume({ backoff: { factor: 0 } }));
    expect(requests()).toBe(0);
    pool.close();
    usage(() => pool.group("g"));
    expect(await kindOf(group.info())).toBe("Usage");
    expect(requests()).toBe(0);
  });

  it("a read-only token reads groups but gets Permission (403) for claims and acks", async () => {
    const { s, pool, local } = await setup({
      tokens: [{ token: "rw" }, { token: "ro", access: "read-only" }],
    });
    local.append(1);
    await pool.group("g", { since: "oldest" }).ensure();
    const ro = createClient({ baseUrl: s.url, token: "ro" }).pool("jobs");
    expect((await ro.groups()).map((g) => g.name)).toEqual(["g"]);
    expect((await ro.group("g").info()).next).toBe(1);
    const claim = await rejection(ro.group("g").claim());
    expect(claim).toMatchObject({ kind: "Permission", status: 403 });
    expect(await kindOf(ro.group("g").ensure())).toBe("Permission");
    expect(await kindOf(ro.group("g").ack({ seq: 1, attempt: 1 }))).toBe("Permission");
    expect(await kindOf(ro.group("g").delete())).toBe("Permission");
    // a consume loop does not retry Permission
    expect(
      await kindOf(
        (async () => {
          for await (const _ of ro.group("g").consume()) break;
        })(),
      ),
    ).toBe("Permission");
  });
});
