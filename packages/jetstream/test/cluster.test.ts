// R3 pools on a real 3-node nats-server cluster on loopback: replicas, reads and tails through
// any node, and acknowledged appends surviving the loss of one node.
import { isSpoolError, type Message } from "@spool/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectJetStream, type JetStreamEngine, type JetStreamPool } from "../src/index.js";
import { describeNats, type NatsFixture, type NatsNode, startNatsCluster } from "./nats-fixture.js";

/** Retries `op` while the cluster answers Io (a leader election), for at most `ms`. */
async function eventually<T>(
  op: () => Promise<T>,
  ms = 15_000,
  retry: (error: unknown) => boolean = (error) => isSpoolError(error, "Io"),
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (error) {
      if (!retry(error) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describeNats("JetStream pools on a 3-node cluster", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;
  let other: JetStreamEngine;

  beforeAll(async () => {
    nats = await startNatsCluster();
    engine = await connectJetStream((nats.nodes[0] as NatsNode).url);
    other = await connectJetStream((nats.nodes[1] as NatsNode).url);
  }, 90_000);
  afterAll(async () => {
    await engine?.close();
    await other?.close();
    await nats?.stop();
  });

  it("creates an R3 pool, refuses more replicas than servers, and reads it through another node", async () => {
    const pool = (await eventually(() =>
      engine.create("replicated", { replicas: 3 }),
    )) as JetStreamPool;
    expect(pool.replicas).toBe(3);
    const err = await engine.create("too-many", { replicas: 5 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "Usage" });
    const batch = (await pool.appendBatch([
      { data: "a" },
      { data: "b", tags: ["t"] },
    ])) as Message[];
    expect(batch.map((m) => m.seq)).toEqual([1, 2]);
    const remote = await other.open("replicated");
    expect((await remote.get(2)).toJSON()).toMatchObject({
      seq: 2,
      data: "b",
      meta: { tags: ["t"] },
    });
    const seqs: number[] = [];
    for await (const m of remote.tail({ since: 1, follow: false })) seqs.push(m.seq);
    expect(seqs).toEqual([1, 2]);
    expect((await remote.info()).bounds).toEqual({ oldest: 1, newest: 2 });
  });

  it("keeps every acknowledged append when one node is killed, and the node rejoins", async () => {
    const pool = await eventually(() => engine.create("survivor", { replicas: 3 }));
    const acked: number[] = [];
    for (let i = 0; i < 5; i++) acked.push((await pool.append({ i })).seq);
    const victim = nats.nodes[2] as NatsNode;
    nats.kill(victim);
    for (let i = 5; i < 10; i++) acked.push((await eventually(() => pool.append({ i }))).seq);
    expect(acked).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const seq of acked)
      expect((await eventually(() => pool.get(seq))).data).toEqual({ i: seq - 1 });
    await nats.restart(victim);
    const back = await connectJetStream(victim.url);
    try {
      // Right after its restart the node may answer from its own, older state: it catches up.
      const info = await eventually(
        async () => {
          const i = await (await back.open("survivor")).info();
          if (i.bounds?.newest !== 10) throw new Error(`caught up to ${i.bounds?.newest} only`);
          return i;
        },
        20_000,
        () => true,
      );
      expect(info.bounds).toEqual({ oldest: 1, newest: 10 });
    } finally {
      await back.close();
    }
  }, 90_000);
});
