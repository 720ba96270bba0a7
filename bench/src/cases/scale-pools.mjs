// Scale curve: pools open in one HTTP server (1 … 1,000). One directory holds the largest
// count of pools, each a copy of one pool of `cfg.poolsPoolSize` filled until it wrapped
// (closed and synced first; a pool file has no identity beyond its path, so a copy is a pool of
// its own, and every timed append evicts, whatever the count). One server child per count
// (children/scale-server.mjs, room for exactly that many open pools), all running at once so
// the rounds interleave the counts; before timing, every pool of a count gets one checked
// append through its server, which must then hold exactly that many pools open. The load
// (children/scale-load.mjs) spreads single appends of the ~1 KB event over the count's pools
// in a shuffled order, each connection from its own starting point. Every child is stopped and
// the directory removed in `close`, also after a failure.
import { closeSync, copyFileSync, fsyncSync, openSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { forkChild, loadCpu, serverCpu } from "../lib/ipc.mjs";
import { rng } from "../lib/payload.mjs";
import { createFullPool } from "../lib/spool.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";
import { appendBody } from "./http-requests.mjs";

const SERVER = fileURLToPath(new URL("../children/scale-server.mjs", import.meta.url));
const LOAD = fileURLToPath(new URL("../children/scale-load.mjs", import.meta.url));

function cpuSeconds(before, after) {
  return (after.user - before.user + after.system - before.system) / 1e6;
}

/** The append paths of pools p0 … p(count-1), in an order shuffled from a fixed seed. */
function shuffledPaths(count) {
  const rand = rng(11);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.map((i) => `/v0/pools/p${i}/append`);
}

/**
 * The fixture: pools, servers and the load generator. `await fx.setup()` before the cases,
 * `await fx.close()` after (always).
 */
export function poolsFixture(cfg, texts, log) {
  const fx = {
    servers: new Map(),
    children: [],
    async setup() {
      const max = Math.max(...cfg.poolCounts);
      this.dir = freshDir("scale-pools");
      const template = join(this.dir, "p0.spool");
      const pool = createFullPool(template, cfg.poolsPoolSize, texts);
      this.held = pool.info().messageCount;
      pool.close();
      for (let i = 1; i < max; i++) {
        const path = join(this.dir, `p${i}.spool`);
        copyFileSync(template, path);
        const fd = openSync(path, "r");
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      log(`  ${max} pools of ${cfg.poolsPoolSize} (${this.held} messages each, wrapped)`);
      this.load = await forkChild(LOAD, [], { name: "scale load generator", ...loadCpu(cfg) });
      this.children.push(this.load);
      this.body = appendBody(texts[0]);
      for (const count of cfg.poolCounts) {
        const server = await forkChild(SERVER, [this.dir, String(count)], {
          name: `http server (${count} pools)`,
          ...serverCpu(cfg),
        });
        this.children.push(server);
        const url = `http://127.0.0.1:${server.info.port}`;
        const paths = shuffledPaths(count);
        await this.load.call("check", { url, paths, body: this.body });
        const open = await server.call("openPools");
        if (open !== count)
          throw new Error(`the server of ${count} pools holds ${open} open after one append each`);
        this.servers.set(count, { server, url, paths });
      }
    },
    async close() {
      await Promise.all(this.children.map((child) => child.stop()));
      if (this.dir) removeDir(this.dir);
    },
  };
  return fx;
}

/** One case per pool count: `cfg.connections` connections for `cfg.seconds`, after a warm-up. */
export function poolsCases(cfg, fx) {
  return cfg.poolCounts.map((count) => {
    const spread = (duration) => {
      const { url, paths } = fx.servers.get(count);
      return fx.load.call("spread", {
        url,
        paths,
        body: fx.body,
        connections: cfg.connections,
        duration,
      });
    };
    return {
      key: `${count} pools`,
      setup: async () => {
        if (cfg.warmSeconds > 0) await spread(cfg.warmSeconds);
      },
      run: async () => {
        const { server } = fx.servers.get(count);
        const before = await server.call("cpu");
        const r = await spread(cfg.seconds);
        const cpu = cpuSeconds(before, await server.call("cpu"));
        const open = await server.call("openPools");
        if (open !== count) throw new Error(`the server of ${count} pools holds ${open} open`);
        return {
          ops: r.requests,
          seconds: r.seconds,
          p50: r.p50,
          p99: r.p99,
          max: r.max,
          clientCpu: r.cpu,
          serverCpu: (cpu / r.seconds) * 100,
          serverUsPerRequest: (cpu * 1e6) / r.requests,
        };
      },
    };
  });
}
