/**
 * Consumer groups survive kill -9 (issue 14: "a member killed at any instant loses nothing"):
 * - 4 member processes (fixtures/group-member.mjs) claim from one group with claimAsync and a
 *   300 ms lease, record every delivery (seq, attempt) in their own output file and only then
 *   ack it (on their next claim: `claim({ ack })`). This process appends 20,000 messages over
 *   100 rounds and each round SIGKILLs a random member at a random moment 0–30 ms in, then
 *   starts a new one in its place. After the survivors drained the group (lag 0, nothing in
 *   flight): every seq 1..20,000 was handled; a seq handled twice was handled each time under
 *   a new attempt, and every attempt but its last was by a member killed while holding it (or
 *   one whose ack came too late, which it recorded); the counters agree with the outputs
 *   (acked = delivered = 20,000, redelivered = the attempts beyond the first, at most a claim's
 *   worth per kill); verify is clean and the ledger takes more claims.
 * - With retention "block" on a small ring, appends get Busy instead of overwriting what the
 *   group has not finished, also while members die holding deliveries; nothing is lost to
 *   retention, every message is handled, and once the members finished, appends go round the
 *   ring again until exactly the first unfinished message blocks them.
 * SPOOL_CRASH_SEED=N replays a run's random choices. The test fails if members acked before
 * writing: a kill between the two would lose a seq.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type GroupInfo, Pool, verifyPool } from "../src/index.js";
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

const SEED = Number(process.env.SPOOL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const LEASE_MS = 300;

let tmp: TempDir | undefined;

beforeAll(() => assertBuilt());
afterEach(async () => {
  await killAllChildren();
  tmp?.cleanup();
  tmp = undefined;
});

interface MemberOptions {
  path: string;
  group: string;
  outDir: string;
  workMs: number;
  /** Deliveries per claim. */
  max: number;
}

/** One place in the group: the member process now in it, replaced after each kill. */
interface Slot {
  index: number;
  child: Child;
  inc: number;
  ready: boolean;
}

/** Starts members, kills one of them and starts its successor, and stops the survivors. */
class Members {
  readonly slots: Slot[] = [];
  /** Incarnations killed with SIGKILL. */
  readonly killed = new Set<number>();
  #nextInc = 0;

  constructor(
    readonly options: MemberOptions,
    count: number,
  ) {
    for (let i = 0; i < count; i++) this.slots.push(this.#start(i));
  }

  outPath(index: number): string {
    return `${this.options.outDir}/member-${index}.txt`;
  }

  #start(index: number): Slot {
    const inc = this.#nextInc++;
    const { path, group, workMs, max } = this.options;
    const child = startChild(fixture("group-member.mjs"), [
      path,
      this.outPath(index),
      JSON.stringify({
        group,
        member: `m${index}.${inc}`,
        inc,
        leaseMs: LEASE_MS,
        max,
        workMs,
      }),
    ]);
    const slot: Slot = { index, child, inc, ready: false };
    child
      .waitForLine((l) => l === "ready", 60_000)
      .then(
        () => {
          slot.ready = true;
        },
        () => {}, // killed before it was ready
      );
    return slot;
  }

  async waitReady(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.child.waitForLine((l) => l === "ready", 60_000)));
  }

  /** SIGKILLs a member (one that is past its start-up when there is one) and replaces it. */
  async killOne(prng: Prng): Promise<void> {
    const ready = this.slots.filter((s) => s.ready);
    const slot = prng.pick(ready.length > 0 ? ready : this.slots);
    slot.child.kill("SIGKILL");
    const exit = await waitExit(slot.child, 10_000);
    if (exit.signal !== "SIGKILL")
      throw new Error(`member ${slot.inc} ended by itself (${exit.code}): ${slot.child.stderr()}`);
    this.killed.add(slot.inc);
    this.slots[slot.index] = this.#start(slot.index);
  }

  /** Tells every member to ack what it holds and end; each must end cleanly. */
  async stop(): Promise<void> {
    for (const slot of this.slots) slot.child.send("stop\n");
    for (const slot of this.slots) {
      const exit = await waitExit(slot.child, 30_000);
      expect(exit, slot.child.stderr()).toEqual({ code: 0, signal: null });
      expect(slot.child.lines.at(-1)).toMatch(/^done \d+$/);
    }
  }
}

interface Handling {
  seq: number;
  attempt: number;
  inc: number;
}

/** Every delivery the members recorded, and the acks they were refused ("seq/attempt"). */
function recordsOf(members: Members): { handled: Handling[]; refused: Set<string> } {
  const handled: Handling[] = [];
  const refused = new Set<string>();
  for (let i = 0; i < members.slots.length; i++) {
    const path = members.outPath(i);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, "utf8");
    if (text.length > 0 && !text.endsWith("\n")) throw new Error(`${path} ends in a cut line`);
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const match = /^([PC]) (\d+) (\d+) (\d+)$/.exec(line);
      if (!match) throw new Error(`bad line ${JSON.stringify(line)} in ${path}`);
      const [seq, attempt, inc] = [Number(match[2]), Number(match[3]), Number(match[4])];
      if (match[1] === "P") handled.push({ seq, attempt, inc });
      else refused.add(`${seq}/${attempt}`);
    }
  }
  return { handled, refused };
}

/**
 * Checks the members' records against the group: every seq 1..total handled, each attempt of
 * a seq handed out once, every attempt but the last by a member killed while holding it or one
 * refused its ack, and the counters. Answers figures for the log.
 */
function checkHandled(members: Members, info: GroupInfo, total: number) {
  const { handled, refused } = recordsOf(members);
  const bySeq = new Map<number, Handling[]>();
  for (const h of handled) {
    const list = bySeq.get(h.seq) ?? [];
    list.push(h);
    bySeq.set(h.seq, list);
  }
  const missing: number[] = [];
  for (let seq = 1; seq <= total; seq++) if (!bySeq.has(seq)) missing.push(seq);
  expect(missing.slice(0, 20), `${missing.length} seqs never handled (seed ${SEED})`).toEqual([]);
  expect(Math.max(...bySeq.keys())).toBe(total);
  let attemptsBeyondFirst = 0;
  let twice = 0;
  let byKilled = 0;
  let byRefused = 0;
  for (const [seq, list] of bySeq) {
    list.sort((a, b) => a.attempt - b.attempt);
    const attempts = list.map((h) => h.attempt);
    // No attempt was handed out twice (a duplicate is always a new attempt, so attempt > 1).
    expect(new Set(attempts).size, `seq ${seq}: ${JSON.stringify(list)}`).toBe(list.length);
    const last = list[list.length - 1] as Handling;
    // The last attempt is the one acked: members ack only what they recorded.
    expect(refused.has(`${seq}/${last.attempt}`), `seq ${seq}`).toBe(false);
    attemptsBeyondFirst += last.attempt - 1;
    if (list.length > 1) twice++;
    for (const h of list.slice(0, -1)) {
      const killed = members.killed.has(h.inc);
      const late = refused.has(`${seq}/${h.attempt}`);
      expect(killed || late, `seq ${seq} attempt ${h.attempt} by ${h.inc} (seed ${SEED})`).toBe(
        true,
      );
      if (late) byRefused++;
      else byKilled++;
    }
  }
  expect(info).toMatchObject({
    lag: 0,
    inFlight: 0,
    waiting: 0,
    members: [],
    oldestUnfinished: null,
    next: total + 1,
    delivered: total,
    acked: total,
    redelivered: attemptsBeyondFirst,
    deadLettered: 0,
    exhausted: 0,
    lostToRetention: 0,
  });
  // What a kill loses is at most the one claim the member held; a late ack loses its one.
  expect(info.redelivered).toBeLessThanOrEqual(
    members.killed.size * members.options.max + refused.size,
  );
  return {
    handlings: handled.length,
    twice,
    byKilled,
    byRefused,
    refused: refused.size,
    redelivered: info.redelivered,
  };
}

/** Polls until the group has nothing left (lag 0, nothing in flight or waiting). */
async function drained(pool: Pool, group: string, timeoutMs: number): Promise<GroupInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = pool.group(group).info();
    if (info.lag === 0 && info.inFlight === 0 && info.waiting === 0) return info;
    if (Date.now() > deadline)
      throw new Error(`group ${group} not drained: ${JSON.stringify(info)}`);
    await sleep(20);
  }
}

describe("consumer group under kill -9", () => {
  it("4 members, 20,000 messages, 100 kills: every message handled, duplicates only after a kill", async () => {
    const TOTAL = 20_000;
    const ROUNDS = 100;
    tmp = makeTempDir();
    const path = tmp.path("jobs.spool");
    const pool = Pool.create(path, { size: "8M" });
    pool.group("g", { since: 1 }).ensure();
    const prng = new Prng(SEED);
    const began = Date.now();
    const members = new Members({ path, group: "g", outDir: tmp.dir, workMs: 2, max: 16 }, 4);
    await members.waitReady();
    let appended = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const target = Math.round((TOTAL * (round + 1)) / ROUNDS);
      const kill = sleep(prng.int(0, 30)).then(() => members.killOne(prng));
      kill.catch(() => {}); // awaited below; a failure fails the test there
      while (appended < target) {
        const n = Math.min(target - appended, prng.int(1, 20));
        pool.appendBatch(
          Array.from({ length: n }, (_, i) => ({ data: { n: appended + i + 1, round } })),
        );
        appended += n;
        await sleep(prng.int(0, 1));
      }
      await kill;
      if (round % 25 === 24) expect(verifyPool(path).issues, `round ${round}`).toEqual([]);
    }
    expect(pool.readState().newest).toBe(TOTAL);
    const killedAt = Date.now();
    const info = await drained(pool, "g", 60_000);
    await members.stop();
    const figures = checkHandled(members, pool.group("g").info(), TOTAL);
    expect(members.killed.size).toBe(ROUNDS);
    expect(info.acked).toBe(TOTAL);
    // Some kills did land while a member held deliveries.
    expect(figures.redelivered).toBeGreaterThan(0);

    // No ledger damage: verify is clean and the group takes more work.
    expect(verifyPool(path).issues).toEqual([]);
    pool.append({ after: "kills" });
    const [more] = pool.group("g").claim();
    expect(more?.seq).toBe(TOTAL + 1);
    expect(pool.group("g").ack(more as { seq: number; attempt: number })).toBe(1);
    pool.close();
    expect(verifyPool(path).issues).toEqual([]);
    console.log(
      `group kill -9 (seed ${SEED}): ${JSON.stringify({
        ...figures,
        kills: members.killed.size,
        ms: { rounds: killedAt - began, drain: Date.now() - killedAt },
      })}`,
    );
  });

  it("retention block: appends get Busy, never overwrite what is unfinished, also under kill -9", async () => {
    const TOTAL = 3_000;
    const ROUNDS = 30;
    tmp = makeTempDir();
    const path = tmp.path("small.spool");
    const pool = Pool.create(path, { size: "128K", ledgerSize: "32K" });
    pool.group("b", { since: 1, retention: "block" }).ensure();
    const prng = new Prng(SEED + 1);
    // Every message has the same size, so the ring holds as many each time round.
    const message = (n: number) => ({ n, pad: "x".repeat(100 - String(n).length) });
    const isBlock = (error: unknown): boolean =>
      (error as { kind?: string }).kind === "Busy" &&
      /retention block/.test((error as Error).message);

    // No member yet: the ring fills up and then refuses, naming the first unfinished message.
    let appended = 0;
    let blockedAt: { seq?: number } | undefined;
    while (!blockedAt) {
      try {
        pool.append(message(appended + 1));
        appended++;
      } catch (error) {
        if (!isBlock(error)) throw error;
        blockedAt = error as { seq?: number };
      }
    }
    expect(blockedAt.seq).toBe(1);
    expect(pool.readState()).toMatchObject({ oldest: 1, newest: appended });
    const ringHolds = appended;

    const members = new Members({ path, group: "b", outDir: tmp.dir, workMs: 1, max: 4 }, 3);
    let busy = 1;
    for (let round = 0; round < ROUNDS; round++) {
      const target = Math.round(ringHolds + ((TOTAL - ringHolds) * (round + 1)) / ROUNDS);
      const kill = sleep(prng.int(0, 30)).then(() => members.killOne(prng));
      kill.catch(() => {}); // awaited below; a failure fails the test there
      while (appended < target) {
        try {
          pool.append(message(appended + 1));
          appended++;
        } catch (error) {
          if (!isBlock(error)) throw error;
          busy++;
          await sleep(1);
        }
        if (appended % 10 === 0) await sleep(0);
      }
      await kill;
      // Never anything overwritten before the group finished it.
      const info = pool.group("b").info();
      expect(info.lostToRetention, `round ${round}`).toBe(0);
      expect(pool.readState().oldest).toBeLessThanOrEqual(info.oldestUnfinished ?? Infinity);
    }
    const info = await drained(pool, "b", 60_000);
    await members.stop();
    expect(info.acked).toBe(TOTAL);
    const figures = checkHandled(members, pool.group("b").info(), TOTAL);
    expect(busy).toBeGreaterThan(1); // also refused while members ran and died

    // Finished, the messages can go: appends go round the ring until the first unfinished one.
    let after = 0;
    let blockedAgain: { seq?: number } | undefined;
    while (!blockedAgain) {
      try {
        pool.append(message(TOTAL + after + 1));
        after++;
      } catch (error) {
        if (!isBlock(error)) throw error;
        blockedAgain = error as { seq?: number };
      }
    }
    expect(blockedAgain.seq).toBe(TOTAL + 1);
    // The whole ring was free again (less the partial frames before its end and before where
    // the appends began: at most two).
    expect(after).toBeGreaterThanOrEqual(ringHolds - 2);
    expect(after).toBeLessThanOrEqual(ringHolds + 1);
    expect(pool.group("b").info().lostToRetention).toBe(0);
    pool.close();
    expect(verifyPool(path).issues).toEqual([]);
    console.log(
      `block kill -9 (seed ${SEED}): ${JSON.stringify({ ...figures, busy, ringHolds, kills: members.killed.size })}`,
    );
  });
});
