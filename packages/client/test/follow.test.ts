/**
 * `pool.follow()` against a real server on 127.0.0.1: it survives a server restart in the middle
 * of a stream while a writer (core's local API on the same pool directory) keeps appending — no
 * message lost, none repeated, order kept — reports its status (connected, reconnecting, gap,
 * closed), pins its start, gives up on errors that retrying cannot fix, and ends on break/abort.
 */
import { join } from "node:path";
import { openPool, type Pool } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import { backoffDelay, resolveBackoff } from "../src/backoff.js";
import {
  createClient,
  type FollowStatus,
  type Gap,
  isNetworkError,
  isSpoolError,
  type RemotePool,
} from "../src/index.js";
import { rejection, startServer, type TestServer, until } from "./helpers/server.js";

let servers: TestServer[] = [];
let locals: Pool[] = [];
afterEach(async () => {
  for (const p of locals) p.close();
  locals = [];
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

const fastBackoff = { initialMs: 10, maxMs: 100, jitter: 0.5 };

async function setup(size?: string): Promise<{ s: TestServer; pool: RemotePool; local: Pool }> {
  const s = await startServer();
  servers.push(s);
  const pool = await createClient({ baseUrl: s.url }).createPool(
    "f",
    size === undefined ? {} : { size },
  );
  const local = openPool(join(s.dir, "f.spool"));
  locals.push(local);
  return { s, pool, local };
}

describe("follow", () => {
  it("survives a server restart mid-stream while a writer keeps appending: nothing lost, repeated or reordered", async () => {
    const { s, pool, local } = await setup("4M");
    const total = 400;
    let written = 0;
    const writer = (async () => {
      while (written < total) {
        local.append({ i: written + 1 });
        written++;
        if (written % 2 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const statuses: FollowStatus[] = [];
    const seqs: number[] = [];
    let restarted: Promise<void> | undefined;
    let writtenWhileDown = 0;
    const follower = pool.follow<{ i: number }>({
      since: 1,
      backoff: fastBackoff,
      onStatus: (st) => statuses.push(st),
    });
    for await (const m of follower) {
      expect(m.data.i).toBe(m.seq);
      seqs.push(m.seq);
      if (seqs.length === 100) {
        restarted = (async () => {
          await s.stop();
          const atStop = written;
          await new Promise((r) => setTimeout(r, 30));
          writtenWhileDown = written - atStop;
          await s.restart();
        })();
      }
      if (m.seq === total) break;
    }
    await writer;
    await restarted;
    expect(writtenWhileDown).toBeGreaterThan(0); // the writer kept appending during the outage
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const states = statuses.map((st) => st.state);
    expect(states[0]).toBe("connecting");
    expect(states.filter((st) => st === "connected").length).toBeGreaterThanOrEqual(2);
    expect(states).toContain("reconnecting");
    expect(states.at(-1)).toBe("closed");
    expect(statuses.at(-1)).toEqual({ state: "closed", reason: "break" });
    const reconnect = statuses.find((st) => st.state === "reconnecting");
    expect(
      reconnect && reconnect.state === "reconnecting" && reconnect.delayMs,
    ).toBeLessThanOrEqual(100);
    expect(follower.state).toBe("closed");
    await until(() => s.app.openTails === 0, 5000, "the server to free the tail");
  });

  it("reports a gap as a status when messages were overwritten while it was away", async () => {
    const { s, pool, local } = await setup("16K");
    local.append({ i: 1 });
    const statuses: FollowStatus[] = [];
    const gaps: Gap[] = [];
    const events: FollowStatus[] = [];
    const follower = pool.follow<{ i: number }>({
      since: 1,
      backoff: fastBackoff,
      onStatus: (st) => statuses.push(st),
      onGap: (g) => gaps.push(g),
    });
    follower.addEventListener("status", (e) =>
      events.push((e as CustomEvent<FollowStatus>).detail),
    );
    const seqs: number[] = [];
    for await (const m of follower) {
      seqs.push(m.seq);
      if (m.seq === 1) {
        await s.stop();
        for (let i = 2; i <= 80; i++) local.append({ i, pad: "p".repeat(400) });
        await s.restart();
      }
      if (m.seq === 80) break;
    }
    const oldest = local.info().bounds?.oldest ?? 0;
    expect(oldest).toBeGreaterThan(2);
    expect(gaps).toEqual([{ from: 2, to: oldest - 1, count: oldest - 2 }]);
    expect(statuses).toContainEqual({ state: "gap", gap: gaps[0] });
    expect(events).toEqual(statuses);
    expect(seqs).toEqual([1, ...Array.from({ length: 80 - oldest + 1 }, (_, i) => oldest + i)]);
  });

  it("without since starts at the next new message, and resumes there after a restart", async () => {
    const { s, pool, local } = await setup();
    local.append("before");
    const seen: unknown[] = [];
    const follower = pool.follow({ backoff: fastBackoff });
    const done = (async () => {
      for await (const m of follower) {
        seen.push(m.data);
        if (seen.length === 2) break;
      }
    })();
    await until(() => follower.nextSeq !== undefined, 5000, "the start to be pinned");
    expect(follower.nextSeq).toBe(2);
    await s.restart(); // before any message: the pinned start keeps "after 1" messages
    local.append("after-1");
    local.append("after-2");
    await done;
    expect(seen).toEqual(["after-1", "after-2"]);
  });

  it("last N replays the newest N first; max and timeoutMs end it", async () => {
    const { pool, local } = await setup();
    for (let i = 1; i <= 5; i++) local.append(i);
    const seen: unknown[] = [];
    for await (const m of pool.follow({ last: 2, max: 3, timeoutMs: 200 })) seen.push(m.data);
    expect(seen).toEqual([4, 5]);
    const max: unknown[] = [];
    for await (const m of pool.follow({ since: 1, max: 3 })) max.push(m.data);
    expect(max).toEqual([1, 2, 3]);
  });

  it("an AbortSignal ends it quietly, also while it waits to reconnect", async () => {
    const { s, pool } = await setup();
    const controller = new AbortController();
    const statuses: FollowStatus[] = [];
    const follower = pool.follow({
      since: 1,
      signal: controller.signal,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      onStatus: (st) => statuses.push(st),
    });
    const done = (async () => {
      for await (const _ of follower) {
        // nothing arrives
      }
    })();
    await until(() => follower.state === "connected", 5000, "connected");
    await s.stop();
    await until(() => follower.state === "reconnecting", 5000, "reconnecting");
    controller.abort();
    await done;
    expect(statuses.at(-1)).toEqual({ state: "closed", reason: "aborted" });
  });

  it("fails on errors retrying cannot fix, and after maxAttempts", async () => {
    const { s, pool } = await setup();
    const client = createClient({ baseUrl: s.url });
    const missing = await rejection(
      (async () => {
        for await (const _ of client.pool("nope").follow()) break;
      })(),
    );
    expect(isSpoolError(missing, "NotFound")).toBe(true);

    await s.stop();
    const statuses: FollowStatus[] = [];
    const offline = await rejection(
      (async () => {
        for await (const _ of pool.follow({
          since: 1,
          backoff: { initialMs: 1, maxMs: 5, maxAttempts: 3 },
          onStatus: (st) => statuses.push(st),
        })) {
          break;
        }
      })(),
    );
    expect(isNetworkError(offline)).toBe(true);
    expect(statuses.filter((st) => st.state === "reconnecting")).toHaveLength(3);
    expect(statuses.at(-1)).toEqual({ state: "closed", reason: "error" });
  });

  it("a follower iterates once; bad backoff options are Usage", async () => {
    const { pool } = await setup();
    const follower = pool.follow({ since: 1, max: 0 });
    for await (const _ of follower) break;
    expect(() => follower[Symbol.asyncIterator]()).toThrow(/only once/);
    const error = await rejection(
      (async () => {
        for await (const _ of pool.follow({ backoff: { initialMs: 10, maxMs: 1 } })) break;
      })(),
    );
    expect(isSpoolError(error, "Usage")).toBe(true);
  });
});

describe("backoff", () => {
  it("grows exponentially, is capped, and jitter only shortens within bounds", () => {
    const b = resolveBackoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 });
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, b, () => 0))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect(backoffDelay(3, b, () => 1)).toBe(200);
    for (let n = 1; n < 50; n++) {
      const d = backoffDelay(n, b);
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});
