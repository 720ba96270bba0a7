/**
 * Faults on a real 3-node cluster: the stream leader of an R3 pool is killed (SIGKILL by pid)
 * while a writer appends continuously and a tail follows, through a node that stays up.
 *
 * Invariants checked: no acknowledged append is lost (every acked seq is readable afterwards,
 * with its data); the writer retries what it is unsure of as an idempotent producer (on a new
 * connection when its own was closed), so a retry after a lost acknowledgement never stores a
 * message twice; the follower resumes after an Io error from the seq after the last one it
 * got, as a user's follow does, and sees strictly ascending seqs with no duplicate and no
 * unreported gap across the leader change; the killed node, restarted, catches up.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type Gap, isSpoolError, type Message } from "@spool/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectJetStream, type JetStreamEngine, streamName } from "../src/index.js";
import { describeNats, type NatsFixture, type NatsNode, startNatsCluster } from "./nats-fixture.js";

const APPENDS = 200;
const KILL_AT = 60;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // a leader election or a node still starting: probe again
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The server name of the stream's current leader, asked through `node`. */
async function leaderOf(node: NatsNode, pool: string): Promise<string | undefined> {
  const nc = await connect({ servers: node.url, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(streamName(pool));
    return info.cluster?.leader || undefined;
  } finally {
    await nc.close();
  }
}

describeNats("faults on a 3-node cluster", () => {
  let nats: NatsFixture;
  const engines: JetStreamEngine[] = [];

  beforeAll(async () => {
    nats = await startNatsCluster();
  }, 90_000);
  afterAll(async () => {
    for (const engine of engines) await engine.close().catch(() => {});
    await nats?.stop();
  });

  it("loses no acknowledged append and no tail message when the stream leader is killed", async () => {
    const first = await connectJetStream((nats.nodes[0] as NatsNode).url);
    engines.push(first);
    await until("the R3 pool", () => first.create("faults", { replicas: 3, size: "8M" }));
    const leaderName = await until("a stream leader", () =>
      leaderOf(nats.nodes[0] as NatsNode, "faults"),
    );
    const leader = nats.nodes.find((n) => n.name === leaderName) as NatsNode;
    expect(leader).toBeDefined();
    const survivor = nats.nodes.find((n) => n !== leader) as NatsNode;
    /** A fresh connection to the surviving node and the pool on it. */
    const reopen = async () => {
      const engine = await connectJetStream(survivor.url);
      engines.push(engine);
      return engine.open("faults");
    };
    let pool = await reopen();

    // The tail follows from seq 1 through the surviving node.
    const seen: number[] = [];
    const gaps: Gap[] = [];
    const stop = new AbortController();
    let resumes = 0;
    let tailError: unknown;
    const tailing = (async () => {
      let follower = pool;
      while (!stop.signal.aborted) {
        try {
          const since = (seen.at(-1) ?? 0) + 1;
          for await (const m of follower.tail({
            since,
            signal: stop.signal,
            onGap: (g) => gaps.push(g),
          }))
            seen.push(m.seq);
        } catch (error) {
          if (!isSpoolError(error, "Io") || stop.signal.aborted) throw error;
          resumes++;
          await new Promise((r) => setTimeout(r, 200));
          follower = await until("a connection for the follower", () => reopen());
        }
      }
    })().catch((error: unknown) => {
      tailError = error;
    });

    // The writer: an idempotent producer, retrying each message until it is acknowledged.
    const acked = new Map<number, number>(); // pool seq -> i
    let retries = 0;
    for (let i = 1; i <= APPENDS; i++) {
      if (i === KILL_AT) nats.kill(leader);
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          const answer = (await pool.append(
            { i },
            { producer: { id: "writer", seq: i } },
          )) as Message;
          acked.set(answer.seq, i);
          break;
        } catch (error) {
          if (!isSpoolError(error) || error.kind === "Conflict" || Date.now() > deadline)
            throw error;
          retries++;
          await new Promise((r) => setTimeout(r, 100));
          if (/closed/i.test(error.message)) pool = await until("a connection", () => reopen());
        }
      }
    }
    // Every producer seq was stored once: APPENDS distinct pool seqs, 1..APPENDS.
    expect(acked.size).toBe(APPENDS);
    expect([...acked.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: APPENDS }, (_, k) => k + 1),
    );
    for (const [seq, i] of acked) expect((await pool.get(seq)).data).toEqual({ i });

    // The tail saw every seq once, in order, with no gap.
    await until("the tail to catch up", async () => {
      if (tailError !== undefined) return true;
      return seen.length >= APPENDS ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}: the tail saw ${seen.length} of ${APPENDS} messages`);
    });
    stop.abort();
    await tailing;
    expect(tailError).toBeUndefined();
    expect(seen.slice(0, APPENDS)).toEqual(Array.from({ length: APPENDS }, (_, k) => k + 1));
    expect(gaps).toEqual([]);
    console.log(
      `leader ${leader.name} killed at append ${KILL_AT}; ${retries} append retries, ${resumes} follow resumes`,
    );

    // The killed node comes back and catches up.
    await nats.restart(leader);
    const back = await connectJetStream(leader.url);
    engines.push(back);
    await until("the restarted node to catch up", async () => {
      const info = await (await back.open("faults")).info();
      return info.bounds?.newest === APPENDS ? true : undefined;
    });
  }, 120_000);
});
