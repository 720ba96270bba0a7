/**
 * JetStream pools through the HTTP protocol: a Spool server in front of a real nats-server
 * (`createApp({ engine })`, what `spool serve --engine nats://…` runs), reached with the SDK as it
 * is, with no engine-specific code on the client.
 *
 * Invariants checked: the SDK's create, append, get, info and tails answer over JetStream pools;
 * two stateless servers in front of one NATS server see one pool (seqs are the stream's);
 * when the NATS server is lost mid-follow, appends meanwhile are Io errors and the follow goes on
 * once NATS is back (the server's tail rides out a short outage; past it, the tail ends with an
 * Io error record and the SDK's follow reconnects at the next seq): every seq once, in order, with
 * no gap.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createClient, type RemoteMessage } from "@spool/client";
import type { PoolInfoJson } from "@spool/core";
import { createApp, type SpoolApp } from "@spool/http-server";
import { connectJetStream, type JetStreamEngine, type JetStreamPool } from "@spool/jetstream";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeNats,
  type NatsFixture,
  type NatsNode,
  startNats,
  startNatsCluster,
} from "../../jetstream/test/nats-fixture.js";

interface Served {
  url: string;
  app: SpoolApp;
  close(): Promise<void>;
}

/** A Spool server on a free loopback port over `engine`. */
async function serveEngine(engine: JetStreamEngine): Promise<Served> {
  const app = createApp({ engine });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
        resolve({ server, port: (info as AddressInfo).port }),
      );
    },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    close: async () => {
      await app.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeNats("JetStream pools served over HTTP", () => {
  let nats: NatsFixture;
  const engines: JetStreamEngine[] = [];
  const servers: Served[] = [];

  beforeAll(async () => {
    nats = await startNats();
  }, 90_000);
  afterAll(async () => {
    for (const s of servers) await s.close().catch(() => {});
    for (const e of engines) await e.close().catch(() => {});
    await nats?.stop();
  });

  const start = async (): Promise<Served> => {
    const engine = await connectJetStream(nats.url);
    engines.push(engine);
    const served = await serveEngine(engine);
    servers.push(served);
    return served;
  };

  it("answers the SDK unchanged, and two servers in front of one NATS see one pool", async () => {
    const [a, b] = [await start(), await start()];
    const viaA = createClient({ baseUrl: a.url });
    const viaB = createClient({ baseUrl: b.url });
    const pool = await viaA.createPool("served", { size: 64 * 1024 });
    expect((await pool.info()).path).toBe("served"); // the pool's name, never the NATS servers
    const first = await pool.append({ n: 1 }, { tags: ["x"] });
    const second = await viaB.pool("served").append({ n: 2 });
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect((await viaB.pool("served").get(1)).toJsonLine()).toEqual(first.toJsonLine());
    const seen: number[] = [];
    for await (const m of viaB.pool("served").tail({ since: 1, follow: false })) seen.push(m.seq);
    expect(seen).toEqual([1, 2]);
    const missing = await viaA
      .pool("nope")
      .info()
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: "NotFound", status: 404 });
    expect(JSON.stringify(missing)).not.toContain("nats://");
  }, 60_000);

  it("an SDK follow goes on at the next seq when the NATS server comes back", async () => {
    const served = await start();
    const client = createClient({ baseUrl: served.url });
    const pool = await client.createPool("resume", { size: 256 * 1024 });
    for (let n = 1; n <= 5; n++) await pool.append({ n });
    const seen: number[] = [];
    const stop = new AbortController();
    const follower = pool.follow({
      since: 1,
      signal: stop.signal,
      backoff: { initialMs: 100, maxMs: 1000, maxAttempts: 1000 },
    });
    const following = (async () => {
      for await (const m of follower as AsyncIterable<RemoteMessage>) seen.push(m.seq);
    })().catch((error: unknown) => (stop.signal.aborted ? undefined : Promise.reject(error)));
    const until = async (what: string, ok: () => boolean, ms = 30_000) => {
      const deadline = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: saw ${seen}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until("the first five", () => seen.length >= 5);
    const node = nats.nodes[0] as NatsNode;
    nats.kill(node);
    // While NATS is gone, appends are Io errors (never an acknowledged loss).
    const refused = await pool.append({ n: "lost" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: "Io" });
    await nats.restart(node);
    // The server's engine reconnects by itself; appends go on at the next seq.
    const deadline = Date.now() + 30_000;
    for (let n = 6; n <= 10; n++) {
      for (;;) {
        try {
          await pool.append({ n });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
    await until("the follow to resume", () => seen.length >= 10);
    stop.abort();
    await following;
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  }, 90_000);
});

describeNats("a server in front of a 3-node cluster", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine | undefined;

  beforeAll(async () => {
    nats = await startNatsCluster();
  }, 90_000);
  afterAll(async () => {
    await engine?.close();
    await nats?.stop();
  });

  it("creates pools with its replicas (spool serve --replicas 3)", async () => {
    engine = await connectJetStream(nats.url);
    const app = createApp({ engine, replicas: 3 });
    // Right after the cluster formed, a create can meet a leader election (5xx): retried.
    const deadline = Date.now() + 15_000;
    let answer: { pool: PoolInfoJson } | undefined;
    while (answer === undefined) {
      const res = await app.request("/v0/pools", {
        method: "POST",
        body: JSON.stringify({ pool: "served-r3", size_bytes: 65536 }),
      });
      if (res.status === 200) answer = (await res.json()) as { pool: PoolInfoJson };
      else if (res.status < 500 || Date.now() > deadline)
        throw new Error(`create answered ${res.status}: ${await res.text()}`);
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(answer.pool.health?.replicas).toBe(3);
    expect(((await engine.open("served-r3")) as JetStreamPool).replicas).toBe(3);
    await app.close();
  }, 60_000);
});
