// The tails' read strategy (src/pull-reader.ts) on a real nats-server: deliveries in order,
// each once, with at most 1.5 × BATCH buffered however slowly they are taken; close() deletes
// the consumer; and a tail whose consumer is deleted under it (as when its node dies) goes on
// from its expected seq with no duplicate and no hole.

import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { poolContext } from "../src/engine.js";
import { connectJetStream, type JetStreamEngine, streamName } from "../src/index.js";
import { BATCH, PullReader, TAIL_CONSUMER_PREFIX } from "../src/pull-reader.js";
import { describeNats, type NatsFixture, startNats } from "./nats-fixture.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeNats("the tails' pull reader", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    engine = await connectJetStream(nats.url);
    nc = await connect({ servers: nats.url });
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await engine?.close();
    await nats?.stop();
  });

  async function tailConsumers(pool: string): Promise<string[]> {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const c of jsm.consumers.list(streamName(pool))) {
      if (c.name.startsWith(TAIL_CONSUMER_PREFIX)) names.push(c.name);
    }
    return names;
  }

  it("hands out every delivery once, in order, with a bounded buffer; close deletes it", async () => {
    const pool = await engine.create("reader");
    await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.append({ i })));
    const jsm = await jetstreamManager(nc);
    const ctx = poolContext(
      { nc, js: jetstream(nc), jsm, location: nats.url },
      "reader",
      await jsm.streams.info(streamName("reader")),
    );
    const reader = await PullReader.open(ctx, 1);
    await sleep(300);
    // Nothing taken yet: one pull's worth, never the whole stream.
    expect(reader.buffered).toBeGreaterThan(0);
    expect(reader.buffered).toBeLessThanOrEqual(BATCH * 1.5);
    const seqs: number[] = [];
    while (seqs.length < 1000) {
      const d = reader.take();
      if (d === undefined) {
        expect(await reader.wait(2000, undefined)).toBe("message");
        continue;
      }
      seqs.push(d.seq);
      expect(reader.buffered).toBeLessThanOrEqual(BATCH * 1.5);
    }
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(reader.lost).toBeUndefined();
    expect(await reader.wait(100, undefined)).toBe("timer");
    expect(await tailConsumers("reader")).toHaveLength(1);
    await reader.close();
    expect(reader.lost).toBe("closed");
    expect(await tailConsumers("reader")).toEqual([]);
  });

  it("a tail whose consumer is deleted under it goes on from its expected seq", async () => {
    const pool = await engine.create("lost");
    await Promise.all(Array.from({ length: 100 }, (_, i) => pool.append({ i })));
    const jsm = await jetstreamManager(nc);
    const seqs: number[] = [];
    let deleted = 0;
    for await (const m of pool.tail({ since: 1, follow: true, timeoutMs: 10_000 })) {
      seqs.push(m.seq);
      if (seqs.length === 50 || seqs.length === 150) {
        for (const name of await tailConsumers("lost")) {
          await jsm.consumers.delete(streamName("lost"), name);
          deleted++;
        }
        await Promise.all(Array.from({ length: 100 }, (_, i) => pool.append({ more: i })));
      }
      if (seqs.length === 300) break;
    }
    expect(deleted).toBe(2);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(await tailConsumers("lost")).toEqual([]);
  });
});
