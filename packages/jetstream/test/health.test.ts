// Stream health on real servers: `info().health` and `streamHealth` (src/health.ts) on a single
// node and on a 3-node cluster, where killing a replica shows it offline or not current (and
// the stream unhealthy), killing two leaves the stream without a leader (an error finding), and
// restarting them brings the stream back to healthy.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileEngine, isSpoolError } from "@spool/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  connectJetStream,
  type JetStreamEngine,
  type JetStreamPool,
  type StreamHealthReport,
  streamHealth,
} from "../src/index.js";
import {
  describeNats,
  type NatsFixture,
  type NatsNode,
  startNats,
  startNatsCluster,
} from "./nats-fixture.js";

/** Polls `report()` until `done` holds, for at most `ms`; answers the last report. */
async function until(
  report: () => Promise<StreamHealthReport>,
  done: (r: StreamHealthReport) => boolean,
  ms: number,
): Promise<StreamHealthReport> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await report();
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describeNats("stream health on a single node", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;

  beforeAll(async () => {
    nats = await startNats();
    engine = await connectJetStream(nats.url);
  }, 90_000);
  afterAll(async () => {
    await engine?.close();
    await nats?.stop();
  });

  it("reports the lone server as leader, no peers, healthy; doctor finds nothing", async () => {
    const pool = (await engine.create("lone")) as JetStreamPool;
    await pool.append({ a: 1 });
    const info = await pool.info();
    expect(info.health).toEqual({
      name: "SPOOL_lone",
      replicas: 1,
      cluster: null,
      leader: "n1",
      peers: [],
      quorum: true,
      healthy: true,
    });
    const report = await streamHealth(pool);
    expect(report).toMatchObject({
      path: pool.path,
      ok: true,
      messages: 1,
      bounds: { oldest: 1, newest: 1 },
      issues: [],
    });
    expect(report?.health).toEqual(info.health);
  });

  it("answers undefined for a file pool (core's verifyPool checks those)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-health-"));
    try {
      const files = new FileEngine({ dir });
      const pool = await files.create("f");
      expect(await streamHealth(pool)).toBeUndefined();
      expect((await pool.info()).health).toBeUndefined();
      pool.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeNats("stream health on a 3-node cluster", () => {
  let nats: NatsFixture;
  let engine: JetStreamEngine;

  beforeAll(async () => {
    nats = await startNatsCluster();
    engine = await connectJetStream((nats.nodes[0] as NatsNode).url);
  }, 90_000);
  afterAll(async () => {
    await engine?.close();
    await nats?.stop();
  });

  it("shows a killed replica offline or behind, no leader when two are down, and recovers", async () => {
    const deadline = Date.now() + 20_000;
    let pool: JetStreamPool | undefined;
    while (pool === undefined) {
      try {
        pool = (await engine.create("health", { replicas: 3 })) as JetStreamPool;
      } catch (error) {
        if (!isSpoolError(error, "Io") || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const p = pool;
    for (let i = 0; i < 5; i++) await p.append({ i });
    const report = () => p.streamHealth();
    const healthy = await until(report, (r) => r.health?.healthy === true, 20_000);
    const h = healthy.health;
    expect(h).toMatchObject({ name: "SPOOL_health", replicas: 3, quorum: true, healthy: true });
    expect(h?.cluster).toMatch(/^spool-test-/);
    expect(["c1", "c2", "c3"]).toContain(h?.leader);
    expect(h?.peers.map((x) => x.name).sort()).toEqual(
      ["c1", "c2", "c3"].filter((n) => n !== h?.leader),
    );
    for (const peer of h?.peers ?? []) {
      expect(peer).toMatchObject({ current: true, offline: false, lag: 0 });
      expect(peer.activeMs).toBeGreaterThanOrEqual(0);
    }
    expect(healthy).toMatchObject({ ok: true, issues: [], messages: 5 });
    // info() carries the same block.
    expect((await p.info()).health).toMatchObject({ name: "SPOOL_health", leader: h?.leader });

    // One replica down (not the node the engine is connected to): still a quorum, unhealthy.
    const connected = (nats.nodes[0] as NatsNode).name;
    const victimName = (h?.peers ?? []).map((x) => x.name).find((n) => n !== connected);
    const victim = nats.nodes.find((n) => n.name === victimName) as NatsNode;
    nats.kill(victim);
    const down = await until(
      report,
      (r) =>
        r.health?.peers.some((x) => x.name === victim.name && (!x.current || x.offline)) === true,
      30_000,
    );
    const lost = down.health?.peers.find((x) => x.name === victim.name);
    expect(lost?.current === false || lost?.offline === true, JSON.stringify(down)).toBe(true);
    expect(down.health).toMatchObject({ healthy: false, quorum: true });
    expect(down.ok).toBe(true);
    expect(down.issues).toEqual([
      expect.objectContaining({
        kind: "Io",
        severity: "warning",
        server: victim.name,
        message: expect.stringMatching(
          new RegExp(
            `^replica ${victim.name} of stream SPOOL_health is (offline|not answering|not current)`,
          ),
        ),
        hint: expect.any(String),
      }),
    ]);
    expect((await p.info()).health?.healthy).toBe(false);

    // Two down: the survivor cannot elect a leader; doctor reports an error, info() is Io.
    const second = nats.nodes.find((n) => n !== victim && n.name !== connected) as NatsNode;
    nats.kill(second);
    const leaderless = await until(
      report,
      (r) => !r.ok && r.issues.some((i) => i.severity === "error"),
      40_000,
    );
    expect(leaderless.ok, JSON.stringify(leaderless)).toBe(false);
    expect(leaderless.issues[0]).toMatchObject({ kind: "Io", severity: "error" });
    expect(leaderless.issues[0]?.message).toMatch(/no leader|no quorum|did not answer/);

    // Both back: the stream elects a leader and every replica catches up.
    await Promise.all([nats.restart(victim), nats.restart(second)]);
    const back = await until(report, (r) => r.health?.healthy === true, 60_000);
    expect(back, JSON.stringify(back)).toMatchObject({ ok: true, issues: [], messages: 5 });
    expect(back.health?.peers.every((x) => x.current && !x.offline)).toBe(true);
  }, 180_000);
});
