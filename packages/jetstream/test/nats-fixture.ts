/**
 * Test fixture: real `nats-server -js` processes on free loopback ports (127.0.0.1 only), each
 * with its own temp store dir, as a single node or a 3-node cluster with routes on loopback;
 * started and waited for (the JetStream meta leader elected), and stopped by pid.
 *
 * Invariants: nothing listens beyond 127.0.0.1; every process started is stopped by its own pid
 * in `stop()` (and its store dir removed); `kill(node)` is SIGKILL by pid and `restart(node)`
 * starts the same node again on the same ports and store. Without nats-server: outside CI the
 * suites skip (test/nats-presence.ts, the global setup, prints one loud line naming the Debian package); in CI (`CI=true`) that is a failure.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";

function runs(path: string): boolean {
  try {
    execFileSync(path, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `$NATS_SERVER` when set (it must run), else `nats-server` on PATH or in /usr/sbin, /usr/bin. */
function findNatsServer(): string | undefined {
  const given = process.env.NATS_SERVER;
  if (given !== undefined && given !== "") return runs(given) ? given : undefined;
  let found = "";
  try {
    found = execFileSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" }).trim();
  } catch {}
  const candidates = [found, "/usr/sbin/nats-server", "/usr/bin/nats-server"];
  return candidates.find((path) => path !== "" && runs(path));
}

/** The nats-server binary, or undefined. */
export const NATS_SERVER = findNatsServer();

/** The one line a run without nats-server prints (test/nats-presence.ts prints it, once). */
export const MISSING_LINE =
  "!!! nats-server not found: the JetStream tests are SKIPPED; install it with `apt-get install nats-server` (Debian package nats-server) !!!";

function checkPresence(): boolean {
  if (NATS_SERVER !== undefined) return true;
  if (process.env.CI === "true") throw new Error(`${MISSING_LINE} (CI=true: this is a failure)`);
  return false;
}

const present = checkPresence();

export function describeNats(name: string, body: () => void): void {
  describe.skipIf(!present)(name, body);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface NatsNode {
  name: string;
  port: number;
  monitorPort: number;
  clusterPort: number | undefined;
  dir: string;
  args: string[];
  proc: ChildProcess | undefined;
  /** `nats://127.0.0.1:PORT`. */
  url: string;
}

export interface NatsFixture {
  nodes: NatsNode[];
  /** The first node's URL. */
  url: string;
  /** Every node's URL, comma separated. */
  urls: string;
  kill(node: NatsNode): void;
  restart(node: NatsNode): Promise<void>;
  stop(): Promise<void>;
}

/** Servers still running: killed by pid if the test process exits without `stop()`. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const proc of running)
    if (proc.pid !== undefined && proc.exitCode === null) proc.kill("SIGKILL");
});

function launch(node: NatsNode): void {
  const proc = spawn(NATS_SERVER as string, node.args, { stdio: ["ignore", "ignore", "pipe"] });
  running.add(proc);
  proc.once("exit", () => running.delete(proc));
  let log = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  proc.on("exit", (code) => {
    if (code !== null && code !== 0 && node.proc === proc) {
      console.error(`nats-server ${node.name} exited with ${code}:\n${log}`);
    }
  });
  node.proc = proc;
}

async function jsz(node: NatsNode): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz`);
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until every node answers and (in a cluster) agrees on a meta leader. */
async function ready(nodes: NatsNode[], clustered: boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const states = await Promise.all(nodes.map(jsz));
    const ok = states.every((s) => {
      if (s === undefined) return false;
      if (!clustered) return true;
      const meta = s.meta_cluster as { leader?: string } | undefined;
      return typeof meta?.leader === "string" && meta.leader !== "";
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error("nats-server did not become ready in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function makeNode(name: string, clustered: boolean): Promise<NatsNode> {
  const port = await freePort();
  const monitorPort = await freePort();
  const clusterPort = clustered ? await freePort() : undefined;
  const dir = mkdtempSync(join(tmpdir(), `spool-nats-${name}-`));
  return {
    name,
    port,
    monitorPort,
    clusterPort,
    dir,
    args: [],
    proc: undefined,
    url: `nats://127.0.0.1:${port}`,
  };
}

async function start(nodes: NatsNode[], clusterName: string | undefined): Promise<NatsFixture> {
  for (const node of nodes) {
    node.args = [
      "-js",
      "-sd",
      node.dir,
      "-a",
      "127.0.0.1",
      "-p",
      String(node.port),
      "-m",
      String(node.monitorPort),
      "-n",
      node.name,
    ];
    if (clusterName !== undefined) {
      const routes = nodes
        .filter((n) => n !== node)
        .map((n) => `nats://127.0.0.1:${n.clusterPort}`)
        .join(",");
      node.args.push(
        "--cluster_name",
        clusterName,
        "--cluster",
        `nats://127.0.0.1:${node.clusterPort}`,
        "--routes",
        routes,
      );
    }
    launch(node);
  }
  const clustered = clusterName !== undefined;
  const fixture: NatsFixture = {
    nodes,
    url: (nodes[0] as NatsNode).url,
    urls: nodes.map((n) => n.url).join(","),
    kill(node) {
      const pid = node.proc?.pid;
      node.proc = undefined;
      if (pid !== undefined) process.kill(pid, "SIGKILL");
    },
    async restart(node) {
      if (node.proc) fixture.kill(node);
      launch(node);
      await ready([node], clustered);
    },
    async stop() {
      await Promise.all(
        nodes.map(async (node) => {
          const proc = node.proc;
          node.proc = undefined;
          if (proc?.pid !== undefined && proc.exitCode === null) {
            const exited = new Promise((r) => proc.once("exit", r));
            process.kill(proc.pid, "SIGKILL");
            await exited;
          }
          rmSync(node.dir, { recursive: true, force: true });
        }),
      );
    },
  };
  try {
    await ready(nodes, clustered);
  } catch (error) {
    await fixture.stop();
    throw error;
  }
  return fixture;
}

/** One JetStream server on a free loopback port. */
export async function startNats(): Promise<NatsFixture> {
  return start([await makeNode("n1", false)], undefined);
}

/** A 3-node JetStream cluster on loopback (routes between all three). */
export async function startNatsCluster(): Promise<NatsFixture> {
  const nodes = [
    await makeNode("c1", true),
    await makeNode("c2", true),
    await makeNode("c3", true),
  ];
  return start(nodes, `spool-test-${process.pid}`);
}
