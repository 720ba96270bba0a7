// The connection's publisher (src/publisher.ts) on a real nats-server: PubAcks in call order
// for many publishes in flight, a Nats-Msg-Id duplicate marked, and every other way a publish
// settles: the JetStream API error (read by apiCode as for js.publish), no responders, a
// timeout, and the connection's close, each exactly once.

import { jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { API, apiCode, toSpoolError } from "../src/errors.js";
import { Publisher } from "../src/publisher.js";
import { describeNats, type NatsFixture, startNats } from "./nats-fixture.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describeNats("the connection's publisher", () => {
  let nats: NatsFixture;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "PUB", subjects: ["pub.x"], max_bytes: 1 << 20 });
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("answers every PubAck in call order with many in flight, and marks a duplicate", async () => {
    const publisher = new Publisher(nc);
    const acks = await Promise.all(
      Array.from({ length: 500 }, (_, i) => publisher.publish("pub.x", bytes(`{"i":${i}}`))),
    );
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(acks.every((a) => a.stream === "PUB" && a.duplicate === false)).toBe(true);
    const h = () => {
      const made = headers();
      made.set("Nats-Msg-Id", "once");
      return made;
    };
    const first = await publisher.publish("pub.x", bytes("1"), h());
    const again = await publisher.publish("pub.x", bytes("1"), h());
    expect(again).toMatchObject({ seq: first.seq, duplicate: true });
  });

  it("rejects with the API error JetStream answered", async () => {
    const publisher = new Publisher(nc);
    const h = headers();
    h.set("Nats-Expected-Last-Sequence", "1");
    const error = await publisher.publish("pub.x", bytes("2"), h).catch((e: unknown) => e);
    expect(apiCode(error)).toBe(API.WrongLastSequence);
    expect(toSpoolError(error, "nats://x/PUB").kind).toBe("Conflict");
  });

  it("rejects with no responders when no stream takes the subject", async () => {
    const error = await new Publisher(nc).publish("nostream.x", bytes("3")).catch((e) => e);
    expect((error as Error).name).toMatch(/NoResponders/);
    expect(toSpoolError(error, "nats://x").kind).toBe("Io");
  });

  it("times out a publish nobody answers, and fails the in-flight ones when the connection closes", async () => {
    // A plain subscriber takes the subject (so it is not "no responders") and never replies.
    const silent = nc.subscribe("silent.x");
    const publisher = new Publisher(nc, 300);
    const started = Date.now();
    const timedOut = await publisher.publish("silent.x", bytes("4")).catch((e) => e);
    expect((timedOut as Error).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    silent.unsubscribe();

    const other = await connect({ servers: nats.url });
    other.subscribe("silent.y");
    const slow = new Publisher(other, 60_000);
    const settled: string[] = [];
    const inFlight = [1, 2, 3].map((i) =>
      slow.publish("silent.y", bytes(String(i))).then(
        () => settled.push("resolved"),
        (e: Error) => settled.push(e.name),
      ),
    );
    await other.flush();
    await other.close();
    await Promise.all(inFlight);
    expect(settled).toEqual([
      "ClosedConnectionError",
      "ClosedConnectionError",
      "ClosedConnectionError",
    ]);
    await expect(slow.publish("silent.y", bytes("5"))).rejects.toThrow();
  });
});
