// Reads across the tiers against a real PostgreSQL: gets and tails below the ring are served from
// the archive and hand over to the ring with no gap and no duplicate; filters and max hold across
// the seam; an archive gap (the archiver stopped while the ring wrapped, best-effort) is reported
// exactly, in info and in tails; a pool deleted and created again is a new incarnation.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPool,
  deletePool,
  FileEngine,
  type Gap,
  isSpoolError,
  type Message,
  type Pool,
} from "@spool/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ArchivedEngine, archivePool, type ArchivedEngine as Engine } from "../src/index.js";
import { describePg, type PgFixture, startPostgres } from "./pg-fixture.js";

let fixture: PgFixture;
let dir: string;
let engine: Engine;

beforeAll(async () => {
  fixture = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), "spool-archive-reads-"));
  engine = new ArchivedEngine(new FileEngine({ dir }), { connection: fixture.url });
});

afterAll(async () => {
  await engine?.close();
  fixture?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs an archiver of `name` until `stop()`; answers once the watermark reached `upTo`. */
function archiver(name: string) {
  const control = new AbortController();
  const files = new FileEngine({ dir });
  let watermark = 0;
  const done = archivePool(() => files.open(name), {
    connection: fixture.url,
    signal: control.signal,
    onEvent: (e) => {
      if (e.type === "batch") watermark = e.watermark;
    },
  });
  return {
    reached: (upTo: number) => waitFor(async () => watermark >= upTo),
    async stop() {
      control.abort();
      await done;
      await files.close();
    },
  };
}

function append(pool: Pool, from: number, count: number): Message[] {
  const out: Message[] = [];
  for (let i = 0; i < count; i += 50) {
    const n = Math.min(50, count - i);
    out.push(
      ...pool.appendBatch(
        Array.from({ length: n }, (_, k) => ({
          data: { n: from + i + k, pad: "p".repeat(60), nested: { odd: (from + i + k) % 2 === 1 } },
          tags: (from + i + k) % 3 === 0 ? ["three"] : [],
        })),
      ),
    );
  }
  return out;
}

async function collect(iterable: AsyncIterable<Message>): Promise<Message[]> {
  const out: Message[] = [];
  for await (const m of iterable) out.push(m);
  return out;
}

describePg("reads across the archive and the ring", () => {
  let lines: Map<number, string>;
  let newest: number;
  let pool: Pool;

  beforeAll(async () => {
    pool = createPool("seam", { dir, size: "64K" });
    const run = archiver("seam");
    lines = new Map();
    for (let from = 0; from < 3000; from += 100) {
      // the archiver keeps up (it runs between the batches): nothing is overwritten unarchived
      for (const m of append(pool, from, 100))
        lines.set(m.seq, Buffer.from(m.toJsonLine()).toString());
      await run.reached(from + 100);
    }
    newest = pool.info().bounds?.newest ?? 0;
    await run.stop();
    expect(pool.info().bounds?.oldest).toBeGreaterThan(1000); // wrapped many times
  }, 60_000);

  afterAll(() => pool?.close());

  it("get below the ring is the archive's message, byte for byte", async () => {
    const handle = await engine.open("seam");
    for (const seq of [1, 2, 500, 1500]) {
      const m = await handle.get(seq);
      expect(m.seq).toBe(seq);
      expect(Buffer.from(m.toJsonLine()).toString()).toBe(lines.get(seq));
      expect(m.data).toMatchObject({ n: seq - 1 });
    }
    const ringSeq = newest - 1;
    expect(Buffer.from((await handle.get(ringSeq)).toJsonLine()).toString()).toBe(
      lines.get(ringSeq),
    );
    await expect(handle.get(newest + 1)).rejects.toSatisfy((e) => isSpoolError(e, "NotFound"));
    await handle.close();
  });

  it("a tail since the archive's oldest returns every seq once, in order, then follows live", async () => {
    const handle = await engine.open("seam");
    const gaps: Gap[] = [];
    const all = await collect(handle.tail({ since: 1, follow: false, onGap: (g) => gaps.push(g) }));
    expect(all.map((m) => m.seq)).toEqual(range(1, newest));
    expect(gaps).toEqual([]);
    expect(Buffer.from(all[0]?.toJsonLine() ?? []).toString()).toBe(lines.get(1));
    // max across the seam, and live messages after the replay
    const live: Message[] = [];
    const tail = (async () => {
      for await (const m of handle.tail({ since: newest - 5, max: 10 })) live.push(m);
    })();
    await new Promise((r) => setTimeout(r, 100));
    append(pool, 3000, 4);
    await tail;
    expect(live.map((m) => m.seq)).toEqual(range(newest - 5, newest + 4));
    // filters hold across the seam
    const threes = await collect(handle.tail({ since: 1, follow: false, tags: ["three"] }));
    expect(threes.every((m) => m.tags.includes("three"))).toBe(true);
    expect(threes.map((m) => m.seq)).toEqual(range(1, newest + 4).filter((q) => (q - 1) % 3 === 0));
    const odd = await collect(
      handle.tail({ since: 1, max: 5, where: ".data.nested.odd", follow: false }),
    );
    expect(odd.map((m) => m.seq)).toEqual([2, 4, 6, 8, 10]);
    // sinceTime below the ring starts at the first archived message of that time (751 begins a
    // batch, whose messages share one commit time)
    const at = await handle.get(751);
    const fromTime = await collect(handle.tail({ sinceTime: at.time, max: 3, follow: false }));
    expect(fromTime.map((m) => m.seq)).toEqual([751, 752, 753]);
    await handle.close();
  });

  it("an archive gap is exact: info while the archiver is stopped, then recorded, then in tails", async () => {
    const gapPool = createPool("gappy", { dir, size: "64K" });
    const run = archiver("gappy");
    append(gapPool, 0, 200);
    await run.reached(200);
    await run.stop();
    append(gapPool, 200, 4000); // the ring wraps many times with nobody archiving
    const ring = gapPool.info().bounds;
    if (!ring) throw new Error("empty");
    const expectedGap = ring.oldest - 1 - 200;
    expect(expectedGap).toBeGreaterThan(2000);
    const handle = await engine.open("gappy");
    const before = (await handle.info()).archive;
    expect(before).toMatchObject({ watermark: 200, gapMessages: expectedGap, gapCount: 0 });
    expect(before?.lag).toBe(ring.newest - 200);
    const again = archiver("gappy");
    await again.reached(ring.newest);
    await again.stop();
    const after = (await handle.info()).archive;
    expect(after).toMatchObject({ watermark: ring.newest, gapMessages: expectedGap, gapCount: 1 });
    expect(after?.messageCount).toBe(ring.newest - expectedGap);
    // a tail over the gap reports it once, exactly, and delivers the rest once
    const gaps: Gap[] = [];
    const seen = await collect(
      handle.tail({ since: 1, follow: false, onGap: (g) => gaps.push(g) }),
    );
    expect(gaps).toEqual([{ from: 201, to: 200 + expectedGap, count: expectedGap }]);
    expect(seen.map((m) => m.seq)).toEqual([
      ...range(1, 200),
      ...range(201 + expectedGap, ring.newest),
    ]);
    await expect(
      collect(handle.tail({ since: 150, follow: false, gapPolicy: "error" })),
    ).rejects.toSatisfy((e) => isSpoolError(e, "RetentionGap") && e.seq === 201);
    await expect(handle.get(201)).rejects.toSatisfy((e) => isSpoolError(e, "NotFound"));
    await handle.close();
    gapPool.close();
  }, 60_000);

  it("a pool deleted and created again is archived as a new incarnation", async () => {
    const first = createPool("again", { dir, size: "64K" });
    append(first, 0, 10);
    let run = archiver("again");
    await run.reached(10);
    await run.stop();
    first.close();
    deletePool("again", { dir });
    const second = createPool("again", { dir, size: "64K" });
    second.append({ second: true });
    run = archiver("again");
    await run.reached(1);
    await run.stop();
    const handle = await engine.open("again");
    expect((await handle.get(1)).data).toEqual({ second: true });
    await expect(handle.get(5)).rejects.toSatisfy((e) => isSpoolError(e, "NotFound"));
    expect((await handle.info()).archive).toMatchObject({ watermark: 1, messageCount: 1 });
    await handle.close();
    second.close();
  });

  it("odd text survives the archive byte for byte (tabs, newlines, backslashes, \\u0000, unicode)", async () => {
    const odd = createPool("odd", { dir, size: "64K" });
    const texts = [
      '{"tab":"a\\tb","nl":"x\\ny","back":"c:\\\\dir","nul":"\\u0000","q":"\\"q\\""}',
      "  [1, 2,\t3]  ",
      '"héllo ✓ \\ud83d\\ude00"',
    ];
    const lines: string[] = [];
    for (const json of texts)
      lines.push(
        Buffer.from(odd.appendJson(json, { tags: ["back\\slash", "ünï"] }).toJsonLine()).toString(),
      );
    const run = archiver("odd");
    await run.reached(3);
    for (let i = 0; i < 20; i++) append(odd, i * 50, 50); // wrap: 1..3 leave the ring
    await run.reached(odd.info().bounds?.newest ?? 0);
    await run.stop();
    expect(odd.info().bounds?.oldest).toBeGreaterThan(3);
    const handle = await engine.open("odd");
    for (let seq = 1; seq <= 3; seq++)
      expect(Buffer.from((await handle.get(seq)).toJsonLine()).toString()).toBe(lines[seq - 1]);
    await handle.close();
    odd.close();
  });
});
