/**
 * Crash safety with real processes and kill -9:
 * - Over 220 rounds, 1–2 writer processes append in a tight loop (single appends and batches,
 *   `fast` and `flush`, acknowledging every append on stdout) and are SIGKILLed a random 2–60 ms
 *   after they were told to start. Rounds alternate between two pools: a 64K pool that wraps on
 *   nearly every append (kills land in evictions) and a 4M pool that wraps once or twice over the
 *   run (SPOOL_CRASH_SEED=N replays a run's random choices). After every round the
 *   pool opens, verify reports no error, seqs are contiguous from oldest to newest, every
 *   payload is intact (recomputed from its ids and checksummed), commit times never go back,
 *   each writer's messages are consecutive and each batch is all-or-nothing, and every
 *   acknowledged append (`flush` and `fast`: both survive a process crash) is there with its
 *   payload unless the ring has since overwritten it.
 *   Half of the kills first SIGSTOP the writer and read /proc/locks, which tells whether the
 *   kill landed inside an append (holding the writer lock); the test requires that many did.
 *   SIGSTOP + SIGKILL kills at the same instruction as a bare SIGKILL.
 * - A writer killed while holding the lock (caught stopped with the lock, a second process
 *   refused with Busy meanwhile) does not block the next writer: the kernel releases flock.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { FRAME_HEADER_SIZE, readFrameHead } from "../src/format/frame.js";
import { decodeLayout, decodeState, HEADER_READ_SIZE } from "../src/format/header.js";
import { type Message, Pool, verifyPool } from "../src/index.js";
import { crashOps, mulberry32, payloadProblem, tagsFor } from "./fixtures/payload.mjs";
import {
  assertBuilt,
  type Child,
  fixture,
  killAllChildren,
  sleep,
  startChild,
  waitExit,
} from "./helpers/children.js";
import { makeTempDir, type TempDir } from "./helpers/temp.js";

const ROUNDS_PER_LANE = 110;
const SEED = Number(process.env.SPOOL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const onLinux = process.platform === "linux";

interface Ack {
  durability: "fast" | "flush";
  first: number;
  size: number;
  c: number;
}

interface LaneStats {
  rounds: number;
  kills: number;
  inspected: number;
  inLock: number;
  leftovers: number;
  acks: { fast: number; flush: number };
  verifiedAcks: { fast: number; flush: number };
  messagesAppended: number;
  warnings: string[];
  /** Actual go→kill delays (ms). */
  delays: number[];
  /** Milliseconds spent starting writers, letting them run until killed, and verifying. */
  ms: { start: number; run: number; verify: number };
}

/** The process state letter from /proc/PID/stat ("T" when stopped). */
function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

/** True when `pid` holds a flock on the file with inode `ino` (per /proc/locks). */
function holdsFlock(pid: number, ino: number): boolean {
  for (const line of readFileSync("/proc/locks", "utf8").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[1] === "->") continue; // a waiter, not a holder
    if (f[1] === "FLOCK" && Number(f[4]) === pid && Number(f[5]?.split(":")[2]) === ino)
      return true;
  }
  return false;
}

async function waitStopped(pid: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (procState(pid) !== "T" && procState(pid) !== "t") {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Whether a frame for seq newest+1, stamped after `sinceMs`, sits where the next append goes:
 * a killed writer wrote it but died before publishing it (so readers must not see it).
 */
function unpublishedFrameAtHead(path: string, sinceMs: number): boolean {
  const fd = openSync(path, "r");
  try {
    const header = Buffer.alloc(HEADER_READ_SIZE);
    readSync(fd, header, 0, HEADER_READ_SIZE, 0);
    const layout = decodeLayout(header, path, statSync(path).size);
    const state = decodeState(header, layout.ringSize);
    if (!state) return false;
    const head = Buffer.alloc(FRAME_HEADER_SIZE);
    const at = (pos: number) => {
      if (pos + FRAME_HEADER_SIZE > layout.ringSize) return "wrap" as const;
      readSync(fd, head, 0, FRAME_HEADER_SIZE, layout.ringOffset + pos);
      return readFrameHead(head, 0);
    };
    let frame = at(state.head);
    if (frame === "wrap") frame = at(0);
    return (
      typeof frame === "object" &&
      frame.seq === state.newest + 1 &&
      frame.timeSec * 1000 + frame.timeNanos / 1e6 >= sinceMs
    );
  } finally {
    closeSync(fd);
  }
}

function parseAcks(child: Child): Ack[] {
  const acks: Ack[] = [];
  for (const line of child.lines) {
    if (!line.startsWith("a ")) continue;
    const [, durability, first, size, c] = line.split(" ");
    acks.push({
      durability: durability as Ack["durability"],
      first: Number(first),
      size: Number(size),
      c: Number(c),
    });
  }
  return acks;
}

/** Batch boundaries of a crash writer with `seed`, covering counters 0..upTo: start → size. */
function batchStarts(seed: number, upTo: number): Map<number, number> {
  const starts = new Map<number, number>();
  let c = 0;
  for (const op of crashOps(seed)) {
    if (c > upTo) break;
    starts.set(c, op.size);
    c += op.size;
  }
  return starts;
}

async function readAll(pool: Pool, since: number): Promise<Message[]> {
  const all: Message[] = [];
  for await (const m of pool.tail({ since, follow: false })) all.push(m);
  return all;
}

interface Lane {
  name: string;
  path: string;
  ino: number;
  rand: () => number;
  /** Seed of each (round, writer) ever run on this lane, keyed "r/w". */
  seeds: Map<string, number>;
  lastBounds: { oldest: number; newest: number } | null;
  /** Messages already checked in full in an earlier round: their ids and exact data bytes. */
  known: Map<number, { w: number; r: number; c: number; bytes: Buffer }>;
  stats: LaneStats;
}

/** Checks the pool after a round; `acks` are what the round's writers acknowledged. */
async function verifyAfterRound(
  lane: Lane,
  round: number,
  acks: Map<number, Ack[]>,
): Promise<void> {
  const where = `${lane.name} round ${round} (SPOOL_CRASH_SEED=${SEED})`;
  const report = verifyPool(lane.path);
  expect(
    report.issues.filter((i) => i.severity === "error"),
    where,
  ).toEqual([]);
  for (const issue of report.issues) lane.stats.warnings.push(`${where}: ${issue.message}`);

  const pool = Pool.open(lane.path);
  try {
    const info = pool.info();
    const bounds = info.bounds;
    if (!bounds) {
      // Still empty: killed before the first append committed (the first loads the lock addon).
      // Nothing may have been acknowledged then, and a pool never empties again here (no
      // append in these tests is big enough to evict everything).
      expect(lane.lastBounds, where).toBeNull();
      expect([...acks.values()].flat(), where).toEqual([]);
      expect(report.messages, where).toBe(0);
      return;
    }
    if (lane.lastBounds) {
      expect(bounds.newest, where).toBeGreaterThanOrEqual(lane.lastBounds.newest);
      expect(bounds.oldest, where).toBeGreaterThanOrEqual(lane.lastBounds.oldest);
    }
    lane.stats.messagesAppended += bounds.newest - (lane.lastBounds?.newest ?? 0);
    lane.lastBounds = bounds;
    expect(report.bounds, where).toEqual(bounds);

    const messages = await readAll(pool, bounds.oldest);
    const seqs = messages.map((m) => m.seq);
    expect(seqs.length, where).toBe(bounds.newest - bounds.oldest + 1);
    expect(
      seqs.findIndex((seq, i) => seq !== bounds.oldest + i),
      `${where}: first seq out of place`,
    ).toBe(-1);
    expect(report.messages, where).toBe(messages.length);
    expect(pool.get(bounds.newest).seq, where).toBe(bounds.newest);

    // Payloads intact, tags right, commit times never going back.
    const problems: string[] = [];
    let lastTime = -1n;
    const byWriter = new Map<string, Array<{ seq: number; c: number }>>();
    const bySeq = new Map<number, { w: number; r: number; c: number }>();
    for (const seq of lane.known.keys()) if (seq < bounds.oldest) lane.known.delete(seq);
    for (const m of messages) {
      // A message checked in an earlier round must still hold exactly the same bytes.
      let d = lane.known.get(m.seq);
      if (d) {
        if (!d.bytes.equals(m.dataBytes))
          problems.push(`seq ${m.seq}: data changed since it was first read`);
      } else {
        const data = m.data as { w: number; r: number; c: number };
        const problem = payloadProblem(data);
        if (problem) {
          problems.push(`seq ${m.seq}: ${problem}`);
          continue;
        }
        if (JSON.stringify(m.tags) !== JSON.stringify(tagsFor(data.w, data.c)))
          problems.push(`seq ${m.seq}: tags ${JSON.stringify(m.tags)}`);
        d = { w: data.w, r: data.r, c: data.c, bytes: Buffer.from(m.dataBytes) };
        lane.known.set(m.seq, d);
      }
      const t = BigInt(m.timeSec) * 1_000_000_000n + BigInt(m.timeNanos);
      if (t < lastTime) problems.push(`seq ${m.seq}: commit time goes back`);
      lastTime = t;
      const key = `${d.r}/${d.w}`;
      if (!byWriter.has(key)) byWriter.set(key, []);
      byWriter.get(key)?.push({ seq: m.seq, c: d.c });
      bySeq.set(m.seq, d);
    }
    expect(problems.slice(0, 10), where).toEqual([]);

    // Each writer's surviving messages are consecutive counters; batches are all-or-nothing
    // (only the oldest batch may be cut, and only by eviction).
    for (const [key, list] of byWriter) {
      const seed = lane.seeds.get(key);
      expect(seed, `${where}: messages from unknown writer ${key}`).toBeDefined();
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1] as { seq: number; c: number };
        const cur = list[i] as { seq: number; c: number };
        if (cur.c !== prev.c + 1)
          problems.push(`${key}: counter ${cur.c} (seq ${cur.seq}) follows ${prev.c}`);
      }
      const first = list[0] as { seq: number; c: number };
      const last = list[list.length - 1] as { seq: number; c: number };
      const starts = batchStarts(seed as number, last.c + 1);
      if (!starts.has(last.c + 1))
        problems.push(`${key}: batch cut after counter ${last.c} (seq ${last.seq})`);
      if (!starts.has(first.c) && first.seq !== bounds.oldest)
        problems.push(`${key}: batch cut before counter ${first.c} (seq ${first.seq})`);
    }
    expect(problems.slice(0, 10), where).toEqual([]);

    // Every acknowledged append is committed, and still there unless overwritten since.
    for (const [w, list] of acks) {
      for (const ack of list) {
        lane.stats.acks[ack.durability]++;
        for (let k = 0; k < ack.size; k++) {
          const seq = ack.first + k;
          if (seq > bounds.newest)
            problems.push(`acked seq ${seq} is beyond newest ${bounds.newest}`);
          if (seq < bounds.oldest) continue;
          const d = bySeq.get(seq);
          if (d?.w !== w || d.r !== round || d.c !== ack.c + k)
            problems.push(`acked seq ${seq} (w${w} c${ack.c + k}) holds ${JSON.stringify(d)}`);
        }
        if (ack.first >= bounds.oldest) lane.stats.verifiedAcks[ack.durability]++;
      }
    }
    expect(problems.slice(0, 10), where).toEqual([]);
  } finally {
    pool.close();
  }
}

interface Prepared {
  round: number;
  children: Child[];
}

/** Starts a round's writers; they open the pool, say "ready" and wait for "go". */
function prepareRound(lane: Lane, round: number): Prepared {
  const writers = lane.rand() < 0.5 ? 1 : 2;
  const children: Child[] = [];
  for (let w = 0; w < writers; w++) {
    const seed = Math.floor(lane.rand() * 2 ** 31);
    lane.seeds.set(`${round}/${w}`, seed);
    children.push(
      startChild(fixture("crash-writer.mjs"), [lane.path, JSON.stringify({ id: w, round, seed })]),
    );
  }
  return { round, children };
}

/** Lets the writers go, SIGKILLs each after a random 2–60 ms, then verifies the pool. */
async function runRound(lane: Lane, { round, children }: Prepared): Promise<void> {
  const entered = Date.now();
  await Promise.all(children.map((child) => child.waitForLine((l) => l === "ready", 30_000)));
  const readyAt = Date.now();
  await Promise.all(
    children.map(async (child) => {
      const delay = 2 + Math.floor(lane.rand() * 59);
      const inspect = onLinux && lane.rand() < 0.5;
      const go = Date.now();
      child.send("go\n");
      await sleep(delay);
      lane.stats.delays.push(Date.now() - go);
      expect(child.done(), `writer exited before the kill: ${child.stderr()}`).toBe(false);
      if (inspect) {
        child.kill("SIGSTOP");
        await waitStopped(child.pid);
        lane.stats.inspected++;
        if (holdsFlock(child.pid, lane.ino)) lane.stats.inLock++;
      }
      child.kill("SIGKILL");
      lane.stats.kills++;
      const exit = await waitExit(child, 10_000);
      expect(exit.signal, `writer stderr: ${child.stderr()}`).toBe("SIGKILL");
    }),
  );
  const killedAt = Date.now();
  if (onLinux && unpublishedFrameAtHead(lane.path, readyAt)) lane.stats.leftovers++;
  const acks = new Map<number, Ack[]>(children.map((child, w) => [w, parseAcks(child)]));
  await verifyAfterRound(lane, round, acks);
  lane.stats.rounds++;
  lane.stats.ms.start += readyAt - entered;
  lane.stats.ms.run += killedAt - readyAt;
  lane.stats.ms.verify += Date.now() - killedAt;
}

function newLane(tmp: TempDir, name: string, size: string, seed: number): Lane {
  const path = tmp.path(`${name}.spool`);
  Pool.create(path, { size }).close();
  return {
    name,
    path,
    ino: statSync(path).ino,
    rand: mulberry32(seed),
    seeds: new Map(),
    lastBounds: null,
    known: new Map(),
    stats: {
      rounds: 0,
      kills: 0,
      inspected: 0,
      inLock: 0,
      leftovers: 0,
      acks: { fast: 0, flush: 0 },
      verifiedAcks: { fast: 0, flush: 0 },
      messagesAppended: 0,
      warnings: [],
      delays: [],
      ms: { start: 0, run: 0, verify: 0 },
    },
  };
}

describe("crash safety (kill -9)", () => {
  let tmp: TempDir | undefined;
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    await killAllChildren();
    tmp?.cleanup();
    tmp = undefined;
  });

  it(`survives ${2 * ROUNDS_PER_LANE} rounds of SIGKILL against writers mid-append`, async () => {
    tmp = makeTempDir();
    const lanes = [
      newLane(tmp, "wrapping-64K", "64K", SEED),
      newLane(tmp, "large-4M", "4M", SEED + 1),
    ];
    const began = Date.now();
    // Rounds alternate between the lanes, one at a time: a round has the machine to itself, so
    // the kill delays are what they say and the writers are not starved by other spawns.
    for (let round = 0; round < ROUNDS_PER_LANE; round++) {
      for (const lane of lanes) await runRound(lane, prepareRound(lane, round));
    }

    for (const lane of lanes) {
      // After all the crashes the pool still takes appends from this process.
      const pool = Pool.open(lane.path, { lockTimeoutMs: 2_000 });
      const newest = lane.lastBounds?.newest ?? 0;
      expect(pool.append({ after: "crashes" }).seq).toBe(newest + 1);
      pool.close();
      expect(verifyPool(lane.path).ok).toBe(true);
      const delays = [...lane.stats.delays].sort((a, b) => a - b);
      const pct = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))];
      const shown = {
        ...lane.stats,
        warnings: lane.stats.warnings.length,
        delays: { min: delays[0], p50: pct(0.5), p90: pct(0.9), max: delays.at(-1) },
      };
      console.log(`${lane.name} (seed ${SEED}): ${JSON.stringify(shown)}`);
    }
    console.log(`crash rounds took ${Date.now() - began} ms`);

    const total = (pick: (s: LaneStats) => number) =>
      lanes.reduce((sum, lane) => sum + pick(lane.stats), 0);
    expect(total((s) => s.rounds)).toBeGreaterThanOrEqual(200);
    expect(total((s) => s.kills)).toBeGreaterThanOrEqual(200);
    // The kills really land inside appends, and some leave a written-but-unpublished frame.
    if (onLinux) {
      expect(total((s) => s.inLock)).toBeGreaterThanOrEqual(total((s) => s.inspected) * 0.25);
      expect(total((s) => s.leftovers)).toBeGreaterThan(0);
    }
    // Acknowledgements were actually checked against the pool, in both lanes, both modes.
    for (const lane of lanes) {
      expect(lane.stats.verifiedAcks.flush, lane.name).toBeGreaterThan(50);
      expect(lane.stats.verifiedAcks.fast, lane.name).toBeGreaterThan(50);
    }
    expect(lanes[1]?.stats.warnings).toEqual([]);
    expect(lanes[0]?.stats.warnings).toEqual([]);
  });

  it.skipIf(!onLinux)(
    "a writer killed while holding the lock does not block the next writer",
    async () => {
      tmp = makeTempDir();
      const path = tmp.path("lock.spool");
      Pool.create(path, { size: "1M" }).close();
      const ino = statSync(path).ino;
      const appendOnce = async (lockTimeoutMs: number, data: unknown) => {
        const child = startChild(fixture("append-once.mjs"), [
          path,
          JSON.stringify({ lockTimeoutMs, data }),
        ]);
        const exit = await waitExit(child, 20_000);
        return {
          exit,
          result: JSON.parse(child.lines[0] ?? "null") as {
            seq?: number;
            error?: string;
            ms: number;
          } | null,
          stderr: child.stderr(),
        };
      };

      for (let cycle = 0; cycle < 3; cycle++) {
        // Every call of this writer is a single `flush` append, so it mostly holds the lock.
        const writer = startChild(fixture("crash-writer.mjs"), [
          path,
          JSON.stringify({ id: 0, round: cycle, seed: cycle, mode: "flush" }),
        ]);
        await writer.waitForLine((l) => l === "ready", 20_000);
        writer.send("go\n");
        await writer.waitForLine((l) => l.startsWith("a "), 20_000);
        let caught = false;
        for (let attempt = 0; attempt < 200 && !caught; attempt++) {
          writer.kill("SIGSTOP");
          await waitStopped(writer.pid);
          caught = holdsFlock(writer.pid, ino);
          if (!caught) {
            writer.kill("SIGCONT");
            await sleep(1 + (attempt % 5));
          }
        }
        expect(caught, "never caught the writer holding the lock").toBe(true);

        // While it is stopped holding the lock, another process waits in vain: Busy.
        const blocked = await appendOnce(300, { cycle, blocked: true });
        expect(blocked.result, blocked.stderr).toMatchObject({ error: "Busy" });
        expect(blocked.exit.code).toBe(1);

        writer.kill("SIGKILL");
        expect((await waitExit(writer, 10_000)).signal).toBe("SIGKILL");
        const before = Pool.open(path, { readOnly: true });
        const newest = before.info().bounds?.newest ?? 0;
        before.close();

        // Once it is dead the kernel has released the lock: the next writer gets in at once.
        const next = await appendOnce(5_000, { cycle, after: true });
        expect(next.exit.code, next.stderr).toBe(0);
        expect(next.result?.seq).toBe(newest + 1);
        expect(next.result?.ms).toBeLessThan(1_000);

        const report = verifyPool(path);
        expect(report.issues).toEqual([]);
        const pool = Pool.open(path, { readOnly: true });
        const bounds = pool.info().bounds;
        const seqs = (await readAll(pool, bounds?.oldest ?? 1)).map((m) => m.seq);
        expect(seqs).toEqual(
          Array.from({ length: seqs.length }, (_, i) => (bounds?.oldest ?? 1) + i),
        );
        expect((pool.get(newest + 1).data as { after?: boolean }).after).toBe(true);
        pool.close();
      }
    },
  );
});
