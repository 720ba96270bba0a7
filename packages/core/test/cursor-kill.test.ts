/**
 * Durable cursors survive kill -9 (issue 14: "a member killed at any instant loses nothing"):
 * - Over 200 rounds a follower process (fixtures/cursor-follower.mjs) tails the pool with
 *   cursor "c", writes each seq to its output file and THEN acks it (ack or ackAsync), while
 *   this process keeps appending; each round the follower is SIGKILLed at a random moment
 *   (0–10 ms after it was told to start: opening the tail, 0–30 ms after its tail opened, or 0–30 ms after it handled its first
 *   message) and a new one is started. Afterwards every
 *   appended seq is in the output, each round's seqs are consecutive and in order, each round
 *   starts exactly after the cursor's committed seq at the previous kill, a round's last written
 *   seq is its committed seq or one past it (the seq written but not yet acked), so at most one
 *   seq per round is seen twice, no seq is ever skipped, and verify is clean.
 *   SPOOL_CRASH_SEED=N replays a run's random choices.
 * - Two processes acking the same cursor at once, each in a shuffled order, end at the higher
 *   seq: a lower ack never lowers the cursor, whichever process commits last.
 * The test fails if the follower acked before writing: a kill between the two would skip a seq.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Pool, verifyPool } from "../src/index.js";
import {
  assertBuilt,
  type Child,
  fixture,
  killAllChildren,
  sleep,
  startChild,
  waitExit,
} from "./helpers/children.js";
import { Prng } from "./helpers/prng.js";
import { makeTempDir, type TempDir } from "./helpers/temp.js";

const ROUNDS = 200;
const SEED = Number(process.env.SPOOL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

let tmp: TempDir | undefined;

beforeAll(() => assertBuilt());
afterEach(async () => {
  await killAllChildren();
  tmp?.cleanup();
  tmp = undefined;
});

/** The output file's lines, grouped by round (in file order); every line must be whole. */
function roundsOf(outPath: string): Map<number, number[]> {
  const rounds = new Map<number, number[]>();
  const text = readFileSync(outPath, "utf8");
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("output ends in a cut line");
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const match = /^(\d+) (\d+)$/.exec(line);
    if (!match) throw new Error(`bad output line ${JSON.stringify(line)}`);
    const round = Number(match[1]);
    const seqs = rounds.get(round) ?? [];
    seqs.push(Number(match[2]));
    rounds.set(round, seqs);
  }
  return rounds;
}

/**
 * Appends until stopped: 1–3 messages, then a turn of the event loop (about a millisecond), so
 * messages keep arriving while followers start, replay, follow and die.
 */
function startAppending(pool: Pool, prng: Prng): { stop(): Promise<number> } {
  let running = true;
  const done = (async () => {
    let n = 0;
    while (running) {
      const count = prng.int(1, 2);
      for (let i = 0; i < count; i++) pool.append({ n: ++n, pad: "x".repeat(prng.int(0, 40)) });
      await sleep(1);
    }
    return pool.readState().newest;
  })();
  return {
    stop() {
      running = false;
      return done;
    },
  };
}

describe("durable cursor under kill -9", () => {
  it(`loses nothing over ${ROUNDS} rounds of SIGKILL against a follower that writes, then acks`, async () => {
    tmp = makeTempDir();
    const path = tmp.path("cursor.spool");
    const outPath = tmp.path("seen.txt");
    const pool = Pool.create(path, { size: "8M" });
    pool.cursor("c").reset({ seq: 1 }); // the cursor exists before the first message
    const prng = new Prng(SEED);
    const began = Date.now();
    const startFollower = (options: { round: number; stopAt?: number; ackAsync?: boolean }) =>
      startChild(fixture("cursor-follower.mjs"), [path, outPath, JSON.stringify(options)]);
    // Odd rounds ack with ackAsync, even ones with ack.
    const roundOptions = (round: number) => ({ round, ackAsync: round % 2 === 1 });
    const appender = startAppending(pool, prng);
    /** The cursor's committed seq after each round's kill (the follower is dead: it is final). */
    const committed: number[] = [];
    const stats = { openingKills: 0, openKills: 0, followingKills: 0, exitedEarly: 0, verified: 0 };
    try {
      // Followers are started two rounds ahead and wait for "go": a round is the follower's
      // life, not Node's start-up.
      const queue: Child[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        while (queue.length < 3 && round + queue.length < ROUNDS)
          queue.push(startFollower(roundOptions(round + queue.length)));
        const child = queue.shift() as Child;
        await child.waitForLine((l) => l === "ready", 30_000);
        child.send("go\n");
        const when = prng.next();
        if (when < 0.15) {
          // Killed while it opens the tail (and the cursor) or starts to read.
          stats.openingKills++;
          await sleep(prng.int(0, 10));
        } else if (when < 0.5) {
          // Killed while it replays what came while no follower ran, or waits for more.
          stats.openKills++;
          await child.waitForLine((l) => l === "open", 20_000);
          await sleep(prng.int(0, 30));
        } else {
          // Killed while following: it has handled a message and more keep coming.
          stats.followingKills++;
          await child.waitForLine((l) => l.startsWith("first "), 20_000);
          await sleep(prng.int(0, 30));
        }
        child.kill("SIGKILL");
        const exit = await waitExit(child, 10_000);
        if (exit.signal !== "SIGKILL") {
          stats.exitedEarly++;
          throw new Error(`follower exited by itself (${exit.code}): ${child.stderr()}`);
        }
        committed.push(pool.cursor("c").info().committed);
        if (round % 20 === 19) {
          const report = verifyPool(path);
          expect(report.issues, `after round ${round}`).toEqual([]);
          stats.verified++;
        }
      }
    } finally {
      await appender.stop();
    }
    const newest = pool.readState().newest;

    // A last follower, not killed, catches up with everything appended.
    const last = startFollower({ round: ROUNDS, stopAt: newest });
    await last.waitForLine((l) => l === "ready", 30_000);
    last.send("go\n");
    const exit = await waitExit(last, 60_000);
    expect(exit, last.stderr()).toEqual({ code: 0, signal: null });
    expect(last.lines.at(-1)).toBe("done");
    committed.push(pool.cursor("c").info().committed);
    expect(committed[ROUNDS]).toBe(newest);

    const rounds = roundsOf(outPath);
    let before = 0; // committed when the round began
    let lastWritten = 0; // highest seq written so far
    let duplicates = 0;
    let unacked = 0; // rounds killed between a seq's write and its ack
    let quiet = 0; // rounds that wrote nothing
    for (let round = 0; round <= ROUNDS; round++) {
      const seqs = rounds.get(round) ?? [];
      const after = committed[round] as number;
      const where = `round ${round} (seed ${SEED})`;
      expect(after, where).toBeGreaterThanOrEqual(before);
      if (seqs.length === 0) {
        quiet++;
        expect(after, where).toBe(before);
        continue;
      }
      // The round starts right after what was committed when the previous follower died...
      expect(seqs[0], where).toBe(before + 1);
      // ...and goes on in order, one seq after another.
      const outOfStep = seqs.findIndex((seq, i) => seq !== before + 1 + i);
      expect(outOfStep, `${where}: ${seqs.slice(outOfStep - 2, outOfStep + 2)}`).toBe(-1);
      const top = seqs[seqs.length - 1] as number;
      // What it wrote is committed, but for at most the one seq it was handling.
      expect(top - after, where).toBeGreaterThanOrEqual(0);
      expect(top - after, where).toBeLessThanOrEqual(1);
      if (top > after) unacked++;
      // Seen again: only what the previous follower wrote without acking (at most one seq).
      const again = seqs.filter((seq) => seq <= lastWritten).length;
      expect(again, where).toBeLessThanOrEqual(1);
      duplicates += again;
      lastWritten = Math.max(lastWritten, top);
      before = after;
    }
    // Every appended seq was handled at least once: the union is 1..newest.
    const seen = new Set([...rounds.values()].flat());
    expect(seen.size).toBe(newest);
    expect(Math.min(...seen)).toBe(1);
    expect(Math.max(...seen)).toBe(newest);
    expect(duplicates).toBe(unacked);

    pool.append({ after: "kills" });
    expect(pool.cursor("c").ack(newest + 1).committed).toBe(newest + 1);
    pool.close();
    expect(verifyPool(path).issues).toEqual([]);
    console.log(
      `cursor kill -9 (seed ${SEED}): ${JSON.stringify({
        ...stats,
        rounds: ROUNDS,
        messages: newest,
        duplicates,
        unacked,
        quiet,
        ms: Date.now() - began,
      })}`,
    );
  });

  it("two processes acking one cursor at once end at the higher seq", async () => {
    tmp = makeTempDir();
    const path = tmp.path("acks.spool");
    const pool = Pool.create(path, { size: "1M" });
    pool.appendBatch(Array.from({ length: 3_000 }, (_, i) => ({ data: { i } })));
    pool.cursor("shared").reset({ seq: 1 });
    const races: [number, number][] = [
      [3_000, 2_000],
      [1_500, 3_000],
    ];
    for (const [round, [highA, highB]] of races.entries()) {
      pool.cursor("shared").reset({ seq: 1 });
      const ackers = [highA, highB].map((to, i) =>
        startChild(fixture("cursor-acker.mjs"), [
          path,
          JSON.stringify({ cursor: "shared", from: 1, to, seed: SEED + 2 * round + i }),
        ]),
      );
      await Promise.all(ackers.map((a) => a.waitForLine((l) => l === "ready", 20_000)));
      for (const a of ackers) a.send("go\n");
      for (const [i, a] of ackers.entries()) {
        const exit = await waitExit(a, 60_000);
        expect(exit, a.stderr()).toEqual({ code: 0, signal: null });
        expect(a.lines.at(-1)).toMatch(new RegExp(`^done ${[highA, highB][i]} \\d+$`));
      }
      expect(pool.cursor("shared").info().committed).toBe(Math.max(highA, highB));
    }
    pool.close();
    expect(verifyPool(path).issues).toEqual([]);
  });
});
