/**
 * Retention gaps through the SDK, against a real server on 127.0.0.1 with `gap_lines=1`: exact
 * `{from, to, count}` under a tag filter (also when nothing after the gap matches), one report
 * per gap without a filter (the gap line and the seq jump are one gap), policy `error` unchanged,
 * `follow`'s gap status under a filter across reconnects (never reporting a seq twice), the
 * fallback for servers without gap lines (the real server with the parameter removed), and
 * crafted responses for what the real server never sends: malformed or out-of-order gap lines.
 */
import { join } from "node:path";
import { openPool, type Pool } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  createClient,
  type FollowStatus,
  type Gap,
  type Message,
  type RemotePool,
  SpoolHttpError,
  type TailOptions,
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

type Fetch = typeof fetch;

/** A server with a 16 KiB pool "g", the SDK's handle on it, and core's handle for writing. */
async function setup(
  fetchFor?: (s: TestServer) => Fetch,
): Promise<{ s: TestServer; pool: RemotePool; local: Pool; urls: string[] }> {
  const s = await startServer();
  servers.push(s);
  const urls: string[] = [];
  const base = fetchFor?.(s) ?? fetch;
  const client = createClient({
    baseUrl: s.url,
    fetch: (input, init) => {
      urls.push(String(input));
      return base(input, init);
    },
  });
  const pool = await client.createPool("g", { size: "16K" });
  const local = openPool(join(s.dir, "g.spool"));
  locals.push(local);
  return { s, pool, local, urls };
}

/** Appends `count` messages (of ~`pad` bytes); every 7th seq is tagged `keep`, others `other`. */
function fill(local: Pool, count: number, pad = 500): void {
  for (let i = 0; i < count; i++) {
    const seq = (local.info().bounds?.newest ?? 0) + 1;
    local.append({ seq, pad: "p".repeat(pad) }, { tags: [seq % 7 === 0 ? "keep" : "other"] });
  }
}

function oldestOf(local: Pool): number {
  const oldest = local.info().bounds?.oldest ?? 0;
  expect(oldest).toBeGreaterThan(1); // the ring wrapped
  return oldest;
}

async function tailWithGaps(
  pool: RemotePool,
  options: TailOptions,
): Promise<{ seqs: number[]; gaps: Gap[] }> {
  const gaps: Gap[] = [];
  const seqs: number[] = [];
  for await (const m of pool.tail({ ...options, onGap: (g) => gaps.push(g) })) seqs.push(m.seq);
  return { seqs, gaps };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe("gaps with gap lines", () => {
  it("a tag-filtered tail over a wrapped pool reports the exact gap once", async () => {
    const { pool, local, urls } = await setup();
    fill(local, 60);
    const oldest = oldestOf(local);
    const newest = local.info().bounds?.newest ?? 0;
    const { seqs, gaps } = await tailWithGaps(pool, {
      since: 1,
      tags: ["keep"],
      timeoutMs: 200,
    });
    expect(seqs).toEqual(range(oldest, newest).filter((seq) => seq % 7 === 0));
    expect(gaps).toEqual([{ from: 1, to: oldest - 1, count: oldest - 1 }]);
    expect(urls.at(-1)).toMatch(/[?&]gap_lines=1(&|$)/);
  });

  it("reports a gap under a filter that nothing after it matches (the gap line ends the stream)", async () => {
    const { pool, local } = await setup();
    fill(local, 60);
    const oldest = oldestOf(local);
    const { seqs, gaps } = await tailWithGaps(pool, { since: 1, tags: ["none"], timeoutMs: 100 });
    expect(seqs).toEqual([]);
    expect(gaps).toEqual([{ from: 1, to: oldest - 1, count: oldest - 1 }]);
  });

  it("without a filter reports the gap once, though the server sends a gap line and the seqs jump", async () => {
    const { s, pool, local } = await setup();
    fill(local, 60);
    const oldest = oldestOf(local);
    // The premise: the server really sends the gap line right before the jump.
    const raw = await fetch(`${s.url}/v0/pools/g/tail?since_seq=1&max=1&gap_lines=1`);
    expect((await raw.text()).split("\n")[0]).toBe(
      `{"gap":{"from":1,"to":${oldest - 1},"count":${oldest - 1}}}`,
    );
    const { seqs, gaps } = await tailWithGaps(pool, { since: 1, max: 3 });
    expect(seqs).toEqual([oldest, oldest + 1, oldest + 2]);
    expect(gaps).toEqual([{ from: 1, to: oldest - 1, count: oldest - 1 }]);
    // starting inside the pool: no gap at all
    expect((await tailWithGaps(pool, { since: oldest, max: 2 })).gaps).toEqual([]);
    expect((await tailWithGaps(pool, { last: 3, max: 3 })).gaps).toEqual([]);
  });

  it("gapPolicy error still fails with RetentionGap (410, seq = first missing), filter or not", async () => {
    const { pool, local } = await setup();
    fill(local, 60);
    const oldest = oldestOf(local);
    for (const tags of [undefined, ["keep"]]) {
      const error = await rejection(
        tailWithGaps(pool, { since: 1, gapPolicy: "error", ...(tags ? { tags } : {}) }),
      );
      expect(error).toBeInstanceOf(SpoolHttpError);
      expect(error).toMatchObject({ kind: "RetentionGap", status: 410, seq: 1 });
    }
    const fine = await tailWithGaps(pool, { since: oldest, max: 1, gapPolicy: "error" });
    expect(fine).toEqual({ seqs: [oldest], gaps: [] });
  });

  it("follow under a filter reports each gap exactly once, across reconnects, as a status", async () => {
    const { s, pool, local } = await setup();
    local.append({ seq: 1 }, { tags: ["keep"] });
    const statuses: FollowStatus[] = [];
    const gaps: Gap[] = [];
    const controller = new AbortController();
    const follower = pool.follow({
      since: 1,
      tags: ["keep"],
      signal: controller.signal,
      backoff: { initialMs: 10, maxMs: 100 },
      onStatus: (st) => statuses.push(st),
      onGap: (g) => gaps.push(g),
    });
    const seqs: number[] = [];
    const run = (async () => {
      for await (const m of follower) {
        seqs.push(m.seq);
        if (seqs.length === 2) break;
      }
    })();
    try {
      await until(() => seqs.length === 1, 5000, "the first message");
      // Away: only non-matching messages are written, and the ring wraps.
      await s.stop();
      for (let i = 0; i < 60; i++) local.append({ pad: "q".repeat(500) }, { tags: ["other"] });
      const oldest1 = oldestOf(local);
      await s.restart();
      // The server found the gap on the new connection; nothing after it matches, so the line
      // waits in its stream until the app closes (gap line, then the final Busy line).
      await until(() => (s.app.metrics?.snapshot().gaps ?? 0) === 1, 5000, "the server's gap");
      await s.app.close();
      await until(() => gaps.length === 1, 5000, "the follower to get the gap line");
      // Away again: more non-matching messages, then one that matches.
      await s.stop();
      for (let i = 0; i < 60; i++) local.append({ pad: "r".repeat(500) }, { tags: ["other"] });
      const oldest2 = local.info().bounds?.oldest ?? 0;
      expect(oldest2).toBeGreaterThan(oldest1);
      const last = local.append({ last: true }, { tags: ["keep"] });
      await s.restart();
      await run;
      expect(seqs).toEqual([1, last.seq]);
      // No seq is reported twice: the second connection resumed after the first gap.
      expect(gaps).toEqual([
        { from: 2, to: oldest1 - 1, count: oldest1 - 2 },
        { from: oldest1, to: oldest2 - 1, count: oldest2 - oldest1 },
      ]);
      expect(statuses.filter((st) => st.state === "gap")).toEqual(
        gaps.map((gap) => ({ state: "gap", gap })),
      );
      expect(statuses.filter((st) => st.state === "reconnecting").length).toBeGreaterThanOrEqual(2);
      expect(statuses.at(-1)).toEqual({ state: "closed", reason: "break" });
    } finally {
      controller.abort();
      await run.catch(() => {});
    }
  });
});

describe("servers without gap lines", () => {
  /** The real server, asked without `gap_lines` (as a server that predates it answers). */
  const withoutGapLines = (): Fetch => (input, init) => {
    const url = new URL(String(input));
    url.searchParams.delete("gap_lines");
    return fetch(url, init);
  };

  it("without a filter, the seq jump is still reported as the exact gap, once", async () => {
    const { pool, local } = await setup(withoutGapLines);
    fill(local, 60);
    const oldest = oldestOf(local);
    const { seqs, gaps } = await tailWithGaps(pool, { since: 1, max: 2 });
    expect(seqs).toEqual([oldest, oldest + 1]);
    expect(gaps).toEqual([{ from: 1, to: oldest - 1, count: oldest - 1 }]);
  });

  it("with a filter, skipped seqs are not taken for gaps", async () => {
    const { pool, local } = await setup(withoutGapLines);
    fill(local, 20, 10);
    expect(local.info().bounds?.oldest).toBe(1); // no gap: every seq jump is the filter's
    const { seqs, gaps } = await tailWithGaps(pool, { since: 1, tags: ["keep"], timeoutMs: 100 });
    expect(seqs).toEqual([7, 14]);
    expect(gaps).toEqual([]);
  });
});

describe("gap lines on the wire", () => {
  const TIME = "2026-11-22T10:15:30.123456789Z";
  const envelope = (seq: number): string =>
    `{"seq":${seq},"time":"${TIME}","meta":{"tags":[]},"data":${seq}}`;

  /** A client whose tail answers `lines` (then ends, as after `timeout_ms`). */
  function answering(lines: string[]): RemotePool {
    const body = lines.map((line) => `${line}\n`).join("");
    return createClient({
      baseUrl: "http://spool.test",
      fetch: async () =>
        new Response(body, {
          status: 200,
          headers: { "content-type": "application/jsonl", "spool-version": "0" },
        }),
    }).pool("wire");
  }

  it("gap lines are never messages; consecutive and differently spelled lines are each reported once", async () => {
    const pool = answering([
      '{"gap":{"from":1,"to":2,"count":2}}',
      envelope(3),
      ' { "gap" : { "count": 3, "to": 7, "from": 5 } } ',
      '{"gap":{"from":9,"to":9,"count":1}}',
      '{"gap":{"from":10,"to":11,"count":2}}',
      envelope(12),
      '{"gap":{"from":13,"to":20,"count":8}}',
    ]);
    const { seqs, gaps } = await tailWithGaps(pool, { since: 1, timeoutMs: 100 });
    expect(seqs).toEqual([3, 12]);
    expect(gaps).toEqual([
      { from: 1, to: 2, count: 2 },
      { from: 5, to: 7, count: 3 },
      { from: 9, to: 9, count: 1 },
      { from: 10, to: 11, count: 2 },
      { from: 13, to: 20, count: 8 },
    ]);
  });

  it("without a filter, a jump with no gap line is reported; after a gap line the same jump is not", async () => {
    const pool = answering([envelope(1), envelope(4), '{"gap":{"from":5,"to":6,"count":2}}']);
    const { gaps } = await tailWithGaps(pool, { since: 1, timeoutMs: 100 });
    expect(gaps).toEqual([
      { from: 2, to: 3, count: 2 },
      { from: 5, to: 6, count: 2 },
    ]);
  });

  it("a malformed or out-of-order gap line is a protocol error (Internal, status 200)", async () => {
    const cases: [string[], RegExp][] = [
      [['{"gap":{"from":3,"to":2,"count":0}}'], /malformed gap line/],
      [['{"gap":{"from":1,"to":4,"count":3}}'], /malformed gap line/],
      [['{"gap":{"from":1.5,"to":4,"count":3}}'], /malformed gap line/],
      [['{"gap":{"from":0,"to":4,"count":5}}'], /malformed gap line/],
      [['{"gap":"1..4"}'], /malformed gap line/],
      [['{"gap":{"from":1,"to":4}}'], /malformed gap line/],
      [['{"gap":{"from":1,"to":4,"count":4}'], /not JSON/],
      [[envelope(5), '{"gap":{"from":3,"to":4,"count":2}}'], /already reached seq 6/],
      [['{"gap":{"from":1,"to":4,"count":4}}', envelope(3)], /already passed it/],
      [[envelope(2), envelope(2)], /seqs must increase/],
      [['{"hello":1}'], /neither a message envelope, a gap record nor an error/],
    ];
    for (const [lines, message] of cases) {
      const error = await rejection(tailWithGaps(answering(lines), { since: 1, timeoutMs: 100 }));
      expect(error, lines.join(" | ")).toBeInstanceOf(SpoolHttpError);
      expect(error).toMatchObject({ kind: "Internal", status: 200 });
      expect((error as Error).message).toMatch(message);
      expect((error as SpoolHttpError).hint).toBeTruthy();
    }
  });

  it("a final error line after a gap line is still the typed error", async () => {
    const pool = answering([
      '{"gap":{"from":1,"to":4,"count":4}}',
      '{"error":{"kind":"Busy","message":"the server is shutting down","hint":"retry"}}',
    ]);
    const gaps: Gap[] = [];
    const error = await rejection(
      (async () => {
        const seen: Message[] = [];
        for await (const m of pool.tail({ since: 1, onGap: (g) => gaps.push(g) })) seen.push(m);
        return seen;
      })(),
    );
    expect(gaps).toEqual([{ from: 1, to: 4, count: 4 }]);
    expect(error).toMatchObject({ kind: "Busy", status: 423 });
  });
});
