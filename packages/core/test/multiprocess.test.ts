/**
 * Multi-process behaviour of a pool, with real processes:
 * - 4 writer processes × 5,000 messages (single appends and batches, fast and flush) into a
 *   large pool: every seq 1..20,000 exists exactly once with its payload intact, each writer's
 *   messages are all there in its own order, each batch is one contiguous run of seqs, the seqs
 *   the writers were given are the ones stored, and a follower process started before the
 *   writers saw exactly the pool's contents, in order;
 * - the same load into a pool that wraps many times: seqs stay contiguous from oldest to newest,
 *   newest is 20,000, verify is clean, and a follower under gap policy `continue` reports gaps
 *   and never sees a seq twice or out of order (what it skipped is exactly what it was told);
 * - a follower with SPOOL_NO_WATCH=1 (no fs.watch: polling only) still gets every message of a
 *   writer process, in order, while the same follower without it does use a watcher.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Message, Pool, verifyPool } from "../src/index.js";
import { batchPlan, payloadProblem, tagsFor } from "./fixtures/payload.mjs";
import {
  assertBuilt,
  type Child,
  fixture,
  killAllChildren,
  startChild,
  waitExit,
} from "./helpers/children.js";
import { makeTempDir, type TempDir } from "./helpers/temp.js";

const WRITERS = 4;
const PER_WRITER = 5_000;
const TOTAL = WRITERS * PER_WRITER;

interface Seen {
  seq: number;
  w: number;
  c: number;
  tags: string[];
  bad: string | null;
}
interface GapLine {
  gap: { from: number; to: number; count: number };
}
interface EndLine {
  end: string;
  count: number;
  inotify: number;
  error: { kind: string | null; message: string } | null;
}

/** Splits a follower's output into messages, gaps and its end line. */
function parseFollower(child: Child): {
  seen: Seen[];
  gaps: GapLine["gap"][];
  events: Array<Seen | GapLine>;
  end: EndLine;
} {
  const seen: Seen[] = [];
  const gaps: GapLine["gap"][] = [];
  const events: Array<Seen | GapLine> = [];
  let end: EndLine | undefined;
  for (const line of child.lines) {
    if (line === "ready") continue;
    const parsed = JSON.parse(line) as Seen | GapLine | EndLine;
    if ("end" in parsed) end = parsed;
    else if ("gap" in parsed) {
      gaps.push(parsed.gap);
      events.push(parsed);
    } else {
      seen.push(parsed);
      events.push(parsed);
    }
  }
  if (!end) throw new Error(`follower printed no end line; stderr: ${child.stderr()}`);
  return { seen, gaps, events, end };
}

/** Starts the writers, releases them together, waits for them; returns each one's seqs. */
async function runWriters(
  path: string,
  options: { pauseEvery?: number; pauseMs?: number; count?: number; writers?: number } = {},
): Promise<number[][]> {
  const writers: Child[] = [];
  for (let id = 0; id < (options.writers ?? WRITERS); id++) {
    const args = {
      id,
      count: options.count ?? PER_WRITER,
      waitGo: true,
      pauseEvery: options.pauseEvery ?? 0,
      pauseMs: options.pauseMs ?? 0,
    };
    writers.push(startChild(fixture("mp-writer.mjs"), [path, JSON.stringify(args)]));
  }
  await Promise.all(writers.map((w) => w.waitForLine((l) => l === "ready", 20_000)));
  for (const w of writers) w.send("go\n");
  const exits = await Promise.all(writers.map((w) => waitExit(w, 90_000)));
  exits.forEach((exit, i) => {
    expect(exit, `writer ${i} exit; stderr: ${writers[i]?.stderr()}`).toEqual({
      code: 0,
      signal: null,
    });
  });
  return writers.map(
    (w) => (JSON.parse(w.lines[w.lines.length - 1] as string) as { seqs: number[] }).seqs,
  );
}

/** Every message from `since` on, without following. */
async function readAll(pool: Pool, since: number): Promise<Message[]> {
  const all: Message[] = [];
  for await (const m of pool.tail({ since, follow: false })) all.push(m);
  return all;
}

interface Shaped {
  seq: number;
  w: number;
  c: number;
}

/** Checks payloads and tags of stored messages; returns their (seq, writer, counter). */
function checkMessages(messages: readonly Message[]): Shaped[] {
  const problems: string[] = [];
  const out = messages.map((m) => {
    const data = m.data as { w: number; c: number };
    const problem = payloadProblem(data);
    if (problem) problems.push(`seq ${m.seq}: ${problem}`);
    else if (JSON.stringify(m.tags) !== JSON.stringify(tagsFor(data.w, data.c)))
      problems.push(`seq ${m.seq}: tags ${JSON.stringify(m.tags)}`);
    return { seq: m.seq, w: data.w, c: data.c };
  });
  expect(problems.slice(0, 10)).toEqual([]);
  return out;
}

/** Each writer's counters appear in increasing seq order (a writer appends one after another). */
function expectWriterOrder(shaped: readonly Shaped[]): void {
  const last = new Map<number, number>();
  const disorder: string[] = [];
  for (const s of shaped) {
    const prev = last.get(s.w);
    if (prev !== undefined && s.c <= prev)
      disorder.push(`seq ${s.seq}: w${s.w} c${s.c} after c${prev}`);
    last.set(s.w, s.c);
  }
  expect(disorder.slice(0, 10)).toEqual([]);
}

function expectContiguous(seqs: readonly number[], from: number, to: number): void {
  expect(seqs.length).toBe(to - from + 1);
  const wrong = seqs.findIndex((seq, i) => seq !== from + i);
  expect(wrong, `first out-of-place seq at index ${wrong}`).toBe(-1);
}

describe("multi-process writers and followers", () => {
  let tmp: TempDir;
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    await killAllChildren();
    tmp?.cleanup();
  });

  it("large pool: 4 writers × 5,000 messages, every seq once and intact, follower saw all in order", async () => {
    tmp = makeTempDir();
    const path = tmp.path("large.spool");
    Pool.create(path, { size: "16M" }).close();

    const follower = startChild(fixture("follower.mjs"), [
      path,
      JSON.stringify({ since: 1, max: TOTAL, timeoutMs: 60_000, gapPolicy: "error" }),
    ]);
    await follower.waitForLine((l) => l === "ready", 20_000);
    const writerSeqs = await runWriters(path);
    expect(await waitExit(follower, 90_000)).toEqual({ code: 0, signal: null });

    const pool = Pool.open(path);
    try {
      expect(pool.info().bounds).toEqual({ oldest: 1, newest: TOTAL });
      expect(pool.info().messageCount).toBe(TOTAL);
      const messages = await readAll(pool, 1);
      expectContiguous(
        messages.map((m) => m.seq),
        1,
        TOTAL,
      );
      const shaped = checkMessages(messages);

      // Each writer's counters 0..4999 exactly once, in increasing seq order.
      for (let w = 0; w < WRITERS; w++) {
        const counters = shaped.filter((s) => s.w === w).map((s) => s.c);
        expect(counters, `writer ${w}`).toEqual(Array.from({ length: PER_WRITER }, (_, i) => i));
      }
      expectWriterOrder(shaped);

      // The seqs append/appendBatch returned are where the messages are; batches are contiguous.
      const bySeq = new Map(shaped.map((s) => [s.seq, s]));
      for (let w = 0; w < WRITERS; w++) {
        const seqs = writerSeqs[w] as number[];
        expect(seqs.length).toBe(PER_WRITER);
        const misplaced = seqs.findIndex(
          (seq, c) => bySeq.get(seq)?.w !== w || bySeq.get(seq)?.c !== c,
        );
        expect(
          misplaced,
          `writer ${w}: counter ${misplaced} is not stored at the seq it was given`,
        ).toBe(-1);
        for (const [first, size] of batchPlan(PER_WRITER)) {
          if (size === 1) continue;
          const run = seqs.slice(first, first + size);
          expect(run, `writer ${w} batch at c${first}`).toEqual(
            Array.from({ length: size }, (_, i) => (run[0] as number) + i),
          );
        }
      }

      // The writers really interleaved (run sequentially, there would be only 3 switches).
      let switches = 0;
      for (let i = 1; i < shaped.length; i++) if (shaped[i]?.w !== shaped[i - 1]?.w) switches++;
      expect(switches).toBeGreaterThan(WRITERS * 4);
      console.log(`large pool: ${TOTAL} messages, ${switches} writer switches in seq order`);

      const report = verifyPool(path);
      expect(report.issues).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.messages).toBe(TOTAL);

      // The follower saw exactly the pool's messages, in order, payloads intact.
      const { seen, gaps, end } = parseFollower(follower);
      expect(end).toMatchObject({ end: "max", count: TOTAL, error: null });
      expect(gaps).toEqual([]);
      expect(seen.filter((s) => s.bad !== null).slice(0, 5)).toEqual([]);
      expect(seen.map((s) => [s.seq, s.w, s.c])).toEqual(shaped.map((s) => [s.seq, s.w, s.c]));
      expect(seen.every((s) => JSON.stringify(s.tags) === JSON.stringify(tagsFor(s.w, s.c)))).toBe(
        true,
      );
    } finally {
      pool.close();
    }
  });

  // 64K: the ring is smaller than a writer's 64 KiB probe read; 192K: larger than it.
  it.each(["64K", "192K"])(
    "wrapping %s pool: contiguous oldest..newest, newest 20,000, verify ok; a lagging follower gets gaps, never duplicates",
    async (size) => {
      tmp = makeTempDir();
      const path = tmp.path("small.spool");
      Pool.create(path, { size }).close();

      // The follower stops after seq 100 until everything it may have read ahead was overwritten
      // (a certain gap), and naps now and then (more lag, so gaps also arrive mid-read).
      const followerOptions = {
        since: 1,
        timeoutMs: 60_000,
        gapPolicy: "continue",
        stopAtSeq: TOTAL,
        pauseAt: 100,
        slowEvery: 400,
        slowMs: 15,
      };
      const follower = startChild(fixture("follower.mjs"), [path, JSON.stringify(followerOptions)]);
      await follower.waitForLine((l) => l === "ready", 20_000);
      const writerSeqs = await runWriters(path);
      expect(await waitExit(follower, 90_000)).toEqual({ code: 0, signal: null });

      const pool = Pool.open(path);
      try {
        const info = pool.info();
        expect(info.bounds?.newest).toBe(TOTAL);
        const oldest = info.bounds?.oldest as number;
        expect(oldest).toBeGreaterThan(1); // it wrapped
        const messages = await readAll(pool, oldest);
        expectContiguous(
          messages.map((m) => m.seq),
          oldest,
          TOTAL,
        );
        expect(info.messageCount).toBe(messages.length);
        const shaped = checkMessages(messages);
        expectWriterOrder(shaped);
        // The writers were given 20,000 distinct seqs, and the stored ones sit where they were told.
        expect(new Set(writerSeqs.flat()).size).toBe(TOTAL);
        expect(shaped.filter((s) => writerSeqs[s.w]?.[s.c] !== s.seq)).toEqual([]);
        expect(Math.max(...writerSeqs.flat())).toBe(TOTAL);

        const report = verifyPool(path);
        expect(report.issues).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.bounds).toEqual({ oldest, newest: TOTAL });
        expect(report.messages).toBe(TOTAL - oldest + 1);

        // The follower: strictly increasing seqs, each gap exactly covers what it skipped, and
        // together messages and gaps account for every seq 1..20,000.
        const { seen, gaps, events, end } = parseFollower(follower);
        expect(end.error).toBeNull();
        expect(seen.at(-1)?.seq).toBe(TOTAL);
        expect(gaps.length).toBeGreaterThan(0);
        let expected = 1;
        const faults: string[] = [];
        for (const event of events) {
          if ("gap" in event) {
            const { from, to, count } = event.gap;
            if (from !== expected || to < from || count !== to - from + 1)
              faults.push(`gap ${JSON.stringify(event.gap)} while expecting ${expected}`);
            expected = to + 1;
          } else {
            if (event.seq !== expected) faults.push(`seq ${event.seq} while expecting ${expected}`);
            expected = event.seq + 1;
          }
        }
        expect(faults.slice(0, 10)).toEqual([]);
        expect(expected).toBe(TOTAL + 1);
        expect(seen.filter((s) => s.bad !== null).slice(0, 5)).toEqual([]);
        expectWriterOrder(seen);
        // What the follower saw of the messages still in the pool matches the pool.
        const stored = new Map(shaped.map((s) => [s.seq, `${s.w}/${s.c}`]));
        const overlap = seen.filter((s) => s.seq >= oldest);
        expect(overlap.length).toBeGreaterThan(0);
        expect(overlap.filter((s) => stored.get(s.seq) !== `${s.w}/${s.c}`)).toEqual([]);
        const skipped = gaps.reduce((sum, gap) => sum + gap.count, 0);
        console.log(
          `wrapping ${size} pool: oldest ${oldest}; follower saw ${seen.length}, ${gaps.length} gaps covering ${skipped}`,
        );
      } finally {
        pool.close();
      }
    },
  );

  it("polling fallback: a follower with SPOOL_NO_WATCH=1 gets every message of a writer process, in order", async () => {
    tmp = makeTempDir();
    const path = tmp.path("poll.spool");
    Pool.create(path, { size: "4M" }).close();
    const count = 1_500;

    const run = async (env: Record<string, string>): Promise<ReturnType<typeof parseFollower>> => {
      const probe = Pool.open(path, { readOnly: true });
      const start = (probe.info().bounds?.newest ?? 0) + 1;
      probe.close();
      const follower = startChild(
        fixture("follower.mjs"),
        [path, JSON.stringify({ since: start, max: count, timeoutMs: 30_000, gapPolicy: "error" })],
        { env },
      );
      await follower.waitForLine((l) => l === "ready", 20_000);
      // Bursts of 100 with 120 ms pauses: the follower goes idle and backs off between bursts.
      await runWriters(path, { writers: 1, count, pauseEvery: 100, pauseMs: 120 });
      expect(await waitExit(follower, 60_000)).toEqual({ code: 0, signal: null });
      const parsed = parseFollower(follower);
      expect(parsed.end).toMatchObject({ end: "max", count, error: null });
      expect(parsed.gaps).toEqual([]);
      expectContiguous(
        parsed.seen.map((s) => s.seq),
        start,
        start + count - 1,
      );
      expect(parsed.seen.map((s) => s.c)).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(parsed.seen.filter((s) => s.bad !== null)).toEqual([]);
      return parsed;
    };

    const polled = await run({ SPOOL_NO_WATCH: "1" });
    const watched = await run({ SPOOL_NO_WATCH: "0" });
    if (process.platform === "linux") {
      // The knob really switched fs.watch off (and the count would show a watcher otherwise).
      expect(polled.end.inotify).toBe(0);
      expect(watched.end.inotify).toBeGreaterThan(0);
    }
  });
});
