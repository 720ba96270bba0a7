// Consumer groups over HTTP: PUT settings, claim (creating the group, long-polling with wait_ms
// cut to the server's limit, acking in the same commit), ack, nack (with delay and error),
// extend, info, list and delete in core's wire spelling; deliveries carry the stored envelope
// byte for byte; dead letters; retention block as 423; conflicts as 409; bad input as 400
// naming the field; and the group metrics.
import { createPool } from "@spool/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

let f: Fixture;
beforeEach(async () => {
  f = makeApp({ limits: { maxClaimWaitMs: 2000 } });
  await send(f.app, "POST", "/v0/pools", { pool: "jobs" });
  await send(f.app, "POST", "/v0/pools/jobs/append_batch", {
    messages: [1, 2, 3, 4, 5].map((n) => ({ data: { n }, tags: ["job"] })),
  });
});
afterEach(async () => {
  await f.dispose();
});

const claim = (group: string, body: unknown = {}) =>
  send(f.app, "POST", `/v0/pools/jobs/groups/${group}/claim`, body);

interface WireDelivery {
  seq: number;
  attempt: number;
  lease_until: string;
  member: string;
  message: { seq: number; data: unknown };
}

describe("claim", () => {
  test("creates the group, delivers each message once, and carries the stored envelope", async () => {
    const first = await claim("w", { since: "oldest", max: 3, member: "w-1", lease_ms: 60_000 });
    expect(first.status).toBe(200);
    const ds = first.json.deliveries as WireDelivery[];
    expect(ds.map((d) => [d.seq, d.attempt, d.member])).toEqual([
      [1, 1, "w-1"],
      [2, 1, "w-1"],
      [3, 1, "w-1"],
    ]);
    expect(Object.keys(ds[0] as object)).toEqual([
      "seq",
      "attempt",
      "lease_until",
      "member",
      "message",
    ]);
    // The message is the envelope GET …/messages/{seq} answers, byte for byte.
    const got = await send(f.app, "GET", "/v0/pools/jobs/messages/2");
    const envelope = got.text.slice('{"message":'.length, -1);
    expect(first.text).toContain(`"message":${envelope}}`);
    const second = await claim("w", { max: 10, member: "w-2" });
    expect((second.json.deliveries as WireDelivery[]).map((d) => d.seq)).toEqual([4, 5]);
    const none = await claim("w", { max: 10 });
    expect(none.json).toEqual({ deliveries: [] });

    const info = (await send(f.app, "GET", "/v0/pools/jobs/groups/w")).json.group;
    expect(info).toMatchObject({ name: "w", next: 6, lag: 5, in_flight: 5, delivered: 5 });
    expect(info.members).toEqual([
      { member: "w-1", in_flight: 3 },
      { member: "w-2", in_flight: 2 },
    ]);
  });

  test("acks in the claim's commit, all or none", async () => {
    const one = (await claim("w", { since: "oldest" })).json.deliveries as WireDelivery[];
    const next = await claim("w", { ack: [{ seq: one[0]?.seq, attempt: 1 }] });
    expect((next.json.deliveries as WireDelivery[]).map((d) => d.seq)).toEqual([2]);
    expect((await send(f.app, "GET", "/v0/pools/jobs/groups/w")).json.group.acked).toBe(1);
    // An ack of a finished delivery refuses the whole claim: nothing is claimed.
    const refused = await claim("w", { ack: [{ seq: 1, attempt: 1 }] });
    expect(refused.status).toBe(409);
    expect(refused.json.error.kind).toBe("Conflict");
    expect((await send(f.app, "GET", "/v0/pools/jobs/groups/w")).json.group.next).toBe(3);
  });

  test("wait_ms long-polls until another client appends", async () => {
    await send(f.app, "PUT", "/v0/pools/jobs/groups/live", {});
    const started = Date.now();
    const waiting = claim("live", { wait_ms: 10_000 });
    setTimeout(() => void send(f.app, "POST", "/v0/pools/jobs/append", { data: "late" }), 100);
    const res = await waiting;
    expect((res.json.deliveries as WireDelivery[]).map((d) => d.message.data)).toEqual(["late"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("a wait above the server's limit is cut to it and answers nothing", async () => {
    await send(f.app, "PUT", "/v0/pools/jobs/groups/idle", {});
    const started = Date.now();
    const res = await claim("idle", { wait_ms: 60_000 });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ deliveries: [] });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(20_000);
  });

  test("a client that goes away ends its wait with nothing claimed", async () => {
    await send(f.app, "PUT", "/v0/pools/jobs/groups/gone", {});
    const abort = new AbortController();
    const res = Promise.resolve(
      f.app.fetch(
        new Request("http://spool.test/v0/pools/jobs/groups/gone/claim", {
          method: "POST",
          body: JSON.stringify({ wait_ms: 2000 }),
          headers: { "content-type": "application/json" },
          signal: abort.signal,
        }),
      ),
    );
    setTimeout(() => abort.abort(), 50);
    await res.then(
      (r) => r.text(),
      () => undefined,
    );
    await send(f.app, "POST", "/v0/pools/jobs/append", { data: "after" });
    const info = (await send(f.app, "GET", "/v0/pools/jobs/groups/gone")).json.group;
    expect(info.in_flight).toBe(0);
  });
});

describe("ack, nack, extend", () => {
  test("nack redelivers with attempt 2 after its delay; the error is kept", async () => {
    const [d] = (await claim("w", { since: "oldest" })).json.deliveries as WireDelivery[];
    const nacked = await send(f.app, "POST", "/v0/pools/jobs/groups/w/nack", {
      seq: d?.seq,
      attempt: 1,
      delay_ms: 300,
      error: "exit 1",
    });
    expect(nacked.json).toEqual({ ok: true });
    // Held back: a claim now gets the rest, not seq 1.
    const held = (await claim("w", { max: 10 })).json.deliveries as WireDelivery[];
    expect(held.map((x) => x.seq)).toEqual([2, 3, 4, 5]);
    const again = (await claim("w", { wait_ms: 2000 })).json.deliveries as WireDelivery[];
    expect(again.map((x) => [x.seq, x.attempt])).toEqual([[1, 2]]);
    const info = (await send(f.app, "GET", "/v0/pools/jobs/groups/w")).json.group;
    expect(info.redelivered).toBe(1);
  });

  test("ack of a list, extend answers the new lease end, conflicts are 409", async () => {
    const ds = (await claim("w", { since: "oldest", max: 2, lease_ms: 1000 })).json
      .deliveries as WireDelivery[];
    const extended = await send(f.app, "POST", "/v0/pools/jobs/groups/w/extend", {
      seq: 1,
      attempt: 1,
      lease_ms: 120_000,
    });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.json.lease_until)).toBeGreaterThan(
      Date.parse(ds[0]?.lease_until ?? ""),
    );
    const acked = await send(f.app, "POST", "/v0/pools/jobs/groups/w/ack", {
      deliveries: ds.map((d) => ({ seq: d.seq, attempt: d.attempt })),
    });
    expect(acked.status).toBe(200);
    expect(acked.json.acked).toBeDefined();
    for (const path of ["ack", "nack", "extend"]) {
      const res = await send(f.app, "POST", `/v0/pools/jobs/groups/w/${path}`, {
        seq: 1,
        attempt: 1,
      });
      expect(res.status, path).toBe(409);
      expect(res.json.error.kind).toBe("Conflict");
    }
    const never = await send(f.app, "POST", "/v0/pools/jobs/groups/w/ack", { seq: 5, attempt: 1 });
    expect(never.status).toBe(404);
    expect(never.json.error.kind).toBe("NotFound");
  });

  test("an expired lease is 409 with a hint to extend, and the message comes again", async () => {
    await claim("w", { since: "oldest", lease_ms: 50 });
    await new Promise((r) => setTimeout(r, 120));
    const late = await send(f.app, "POST", "/v0/pools/jobs/groups/w/ack", { seq: 1, attempt: 1 });
    expect(late.status).toBe(409);
    expect(late.json.error.hint).toMatch(/lease_ms|extend/);
    const again = (await claim("w")).json.deliveries as WireDelivery[];
    expect(again.map((d) => [d.seq, d.attempt])).toEqual([[1, 2]]);
  });
});

describe("settings, dead letters and retention", () => {
  test("max_attempts moves a message to the dead-letter pool with its origin and error", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "failed" });
    const put = await send(f.app, "PUT", "/v0/pools/jobs/groups/w", {
      since: "oldest",
      max_attempts: 2,
      dead_letter: "failed",
    });
    expect(put.status).toBe(200);
    expect(put.json.group).toMatchObject({ max_attempts: 2, dead_letter: "failed" });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [d] = (await claim("w")).json.deliveries as WireDelivery[];
      expect([d?.seq, d?.attempt]).toEqual([1, attempt]);
      await send(f.app, "POST", "/v0/pools/jobs/groups/w/nack", {
        seq: 1,
        attempt,
        error: `boom ${attempt}`,
      });
    }
    const [next] = (await claim("w")).json.deliveries as WireDelivery[];
    expect(next?.seq).toBe(2);
    const dead = await send(f.app, "GET", "/v0/pools/failed/tail?since_seq=1&follow=false");
    const line = JSON.parse(dead.text.trim());
    expect(line.data).toMatchObject({
      pool: "jobs",
      group: "w",
      seq: 1,
      attempts: 2,
      error: "boom 2",
      data: { n: 1 },
    });
    expect(line.meta.tags).toEqual(["job"]);
    const info = (await send(f.app, "GET", "/v0/pools/jobs/groups/w")).json.group;
    expect(info.dead_lettered).toBe(1);
  });

  test("retention block refuses appends that would overwrite unfinished messages with 423", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    await send(f.app, "PUT", "/v0/pools/small/groups/g", { since: "oldest", retention: "block" });
    let status = 200;
    let res: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 200 && status === 200; i++) {
      res = await send(f.app, "POST", "/v0/pools/small/append", { data: "x".repeat(500) });
      status = res.status;
    }
    expect(status).toBe(423);
    expect(res?.json.error.kind).toBe("Busy");
    expect(res?.json.error.hint).toMatch(/retention/);
  });

  test("list, pool info and delete; unknown groups are 404 with an HTTP hint", async () => {
    await send(f.app, "PUT", "/v0/pools/jobs/groups/b", {});
    await send(f.app, "PUT", "/v0/pools/jobs/groups/a", { since: 3 });
    const list = await send(f.app, "GET", "/v0/pools/jobs/groups");
    expect(list.json.groups.map((g: { name: string }) => g.name)).toEqual(["a", "b"]);
    expect(list.json.groups[0].next).toBe(3);
    const info = await send(f.app, "GET", "/v0/pools/jobs/info");
    expect(info.json.pool.groups).toEqual(list.json.groups);
    const gone = await send(f.app, "DELETE", "/v0/pools/jobs/groups/a");
    expect(gone.json.group.name).toBe("a");
    const missing = await send(f.app, "GET", "/v0/pools/jobs/groups/a");
    expect(missing.status).toBe(404);
    expect(missing.json.error.hint).toMatch(/\/claim/);
  });

  test("the metrics carry each group's lag and counters", async () => {
    await claim("w", { since: "oldest", max: 2 });
    await send(f.app, "POST", "/v0/pools/jobs/groups/w/nack", { seq: 1, attempt: 1 });
    await claim("w"); // seq 1 again, attempt 2
    const text = (await send(f.app, "GET", "/metrics")).text;
    expect(text).toMatch(/spool_group_lag\{pool="jobs",group="w"\} 5/);
    expect(text).toMatch(/spool_group_in_flight\{pool="jobs",group="w"\} 2/);
    // every attempt counts as a delivery; the later ones are also redeliveries
    expect(text).toMatch(/spool_group_deliveries_total\{pool="jobs",group="w"\} 3/);
    expect(text).toMatch(/spool_group_redeliveries_total\{pool="jobs",group="w"\} 1/);
  });
});

describe("bad input", () => {
  test("bodies, names and queries are 400 Usage naming the field, before any change", async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ["POST", "/v0/pools/jobs/groups/w/claim", { max: 0 }, /max must be a whole number/],
      ["POST", "/v0/pools/jobs/groups/w/claim", { max: 1001 }, /max must be a whole number/],
      ["POST", "/v0/pools/jobs/groups/w/claim", { lease_ms: 0 }, /lease_ms/],
      ["POST", "/v0/pools/jobs/groups/w/claim", { wait_ms: -1 }, /wait_ms/],
      ["POST", "/v0/pools/jobs/groups/w/claim", { member: "a b" }, /member/],
      ["POST", "/v0/pools/jobs/groups/w/claim", { ack: {} }, /ack must be a list/],
      ["POST", "/v0/pools/jobs/groups/w/claim", { ack: [{ seq: 1 }] }, /attempt/],
      ["POST", "/v0/pools/jobs/groups/w/claim", { ack: [{ seq: 1, attempt: 1, x: 1 }] }, /x/],
      ["POST", "/v0/pools/jobs/groups/w/claim", { maxx: 1 }, /unknown body field "maxx"/],
      ["POST", "/v0/pools/jobs/groups/w/claim", "[1]", /object/],
      ["PUT", "/v0/pools/jobs/groups/w", { since: "old" }, /since must be/],
      ["PUT", "/v0/pools/jobs/groups/w", { retention: "keep" }, /retention must be/],
      ["PUT", "/v0/pools/jobs/groups/w", { dead_letter: 5 }, /dead_letter must be/],
      ["PUT", "/v0/pools/jobs/groups/w", { dead_letter: "jobs" }, /its own pool/],
      ["POST", "/v0/pools/jobs/groups/w/ack", {}, /seq/],
      ["POST", "/v0/pools/jobs/groups/w/ack", { deliveries: [] }, /deliveries must be a list/],
      ["POST", "/v0/pools/jobs/groups/w/nack", { seq: 1, attempt: 1, delay_ms: "1" }, /delay_ms/],
      ["POST", "/v0/pools/jobs/groups/w/extend", { seq: 1, attempt: 0 }, /attempt/],
      ["POST", "/v0/pools/jobs/groups/-w/claim", {}, /group name must be/],
      ["GET", "/v0/pools/jobs/groups?x=1", undefined, /unknown query parameter "x"/],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await send(f.app, method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json.error.kind).toBe("Usage");
      expect(res.json.error.message, `${path} ${JSON.stringify(body)}`).toMatch(message);
    }
    expect((await send(f.app, "GET", "/v0/pools/jobs/groups")).json.groups).toEqual([]);
  });

  test("a dead-letter pool that does not exist is 404 and creates no group", async () => {
    const res = await send(f.app, "PUT", "/v0/pools/jobs/groups/w", { dead_letter: "nowhere" });
    expect(res.status).toBe(404);
    expect((await send(f.app, "GET", "/v0/pools/jobs/groups")).json.groups).toEqual([]);
  });

  test("a group made by another process is served as it is", () => {
    const pool = createPool("other", { dir: f.dir });
    pool.append(1);
    pool.group("g", { since: "oldest" }).ensure();
    pool.close();
    return send(f.app, "POST", "/v0/pools/other/groups/g/claim", {}).then((res) => {
      expect((res.json.deliveries as WireDelivery[]).map((d) => d.seq)).toEqual([1]);
    });
  });
});
