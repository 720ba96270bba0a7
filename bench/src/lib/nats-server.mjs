// nats-server processes started and stopped by the benchmark: the JetStream peer of the
// jetstream suite, as one node (`-js -sd DIR -a 127.0.0.1 -p PORT`) or a 3-node cluster with
// routes on loopback. Each node has a fresh store dir under the run's temp root and free
// loopback ports (client, monitor, cluster). Invariants: nothing listens beyond 127.0.0.1;
// every process started here is stopped by its own pid in `stop()` (SIGTERM, then SIGKILL after
// 5 s) and its store dir removed; a node still running when the bench process exits is killed by
// pid; `startNats` resolves only once every node answers /jsz (and, in a cluster, a JetStream
// meta leader is elected), and answers { skipped: why } instead of throwing when nats-server is
// missing or does not start, so the run goes on without the JetStream rows.
import { spawn, spawnSync } from "node:child_process";
import { freePort } from "./free-port.mjs";
import { freshDir, removeDir } from "./tmp.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes still running, killed by pid if the bench exits without stop(). */
const running = new Set();
process.once("exit", () => {
  for (const proc of running) if (proc.exitCode === null) proc.kill("SIGKILL");
});

/** `$NATS_SERVER` when set, else `nats-server` on PATH, /usr/sbin or /usr/bin: the first that runs. */
export function natsServerBinary() {
  const candidates = [
    process.env.NATS_SERVER,
    "nats-server",
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
  ];
  for (const path of candidates) {
    if (!path) continue;
    const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 5000 });
    if (!r.error && r.status === 0) {
      return { path, version: /v?([\d.]+)/.exec(r.stdout)?.[1] ?? r.stdout.trim() };
    }
  }
  return undefined;
}

async function jsz(monitorPort) {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz`, {
      signal: AbortSignal.timeout(1000),
    });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Stops one node by its pid and removes its store dir. */
async function stopNode(node) {
  const proc = node.proc;
  node.proc = undefined;
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    process.kill(proc.pid, "SIGTERM");
    await Promise.race([exited, sleep(5000)]);
    if (proc.exitCode === null && proc.signalCode === null) {
      process.kill(proc.pid, "SIGKILL");
      await exited;
    }
  }
  removeDir(node.dir);
}

/**
 * Starts `nodes` (1 or 3) nats-server processes with JetStream. Resolves { url, urls, version,
 * nodes, stop() } or { skipped: reason }.
 */
export async function startNats(nodes = 1, { readyMs = 20_000 } = {}) {
  const binary = natsServerBinary();
  if (binary === undefined) {
    return { skipped: "nats-server is not installed (Debian: apt-get install -y nats-server)" };
  }
  const clustered = nodes > 1;
  const list = [];
  for (let i = 1; i <= nodes; i++) {
    list.push({
      name: `${clustered ? "c" : "n"}${i}`,
      port: await freePort(),
      monitorPort: await freePort(),
      clusterPort: clustered ? await freePort() : undefined,
      dir: freshDir(`nats-${clustered ? "cluster" : "single"}-${i}`),
      proc: undefined,
      log: "",
    });
  }
  for (const node of list) {
    const args = ["-js", "-sd", node.dir, "-a", "127.0.0.1", "-p", String(node.port)];
    args.push("-m", String(node.monitorPort), "-n", node.name);
    if (clustered) {
      const routes = list
        .filter((n) => n !== node)
        .map((n) => `nats://127.0.0.1:${n.clusterPort}`)
        .join(",");
      args.push("--cluster_name", `spool-bench-${process.pid}`);
      args.push("--cluster", `nats://127.0.0.1:${node.clusterPort}`, "--routes", routes);
    }
    const proc = spawn(binary.path, args, { stdio: ["ignore", "ignore", "pipe"] });
    running.add(proc);
    proc.once("exit", () => running.delete(proc));
    proc.stderr.on("data", (chunk) => {
      node.log = (node.log + chunk.toString()).slice(-2000);
    });
    node.proc = proc;
  }
  const stop = async () => {
    await Promise.all(list.map(stopNode));
  };
  const deadline = Date.now() + readyMs;
  while (Date.now() < deadline && list.every((n) => n.proc?.exitCode === null)) {
    const states = await Promise.all(list.map((n) => jsz(n.monitorPort)));
    const ok = states.every(
      (s) => s !== undefined && (!clustered || Boolean(s.meta_cluster?.leader)),
    );
    if (ok) {
      return {
        url: `nats://127.0.0.1:${list[0].port}`,
        urls: list.map((n) => `nats://127.0.0.1:${n.port}`).join(","),
        version: binary.version,
        nodes: list.length,
        stop,
      };
    }
    await sleep(100);
  }
  const tail = list
    .map((n) => n.log.trim().split("\n").slice(-2).join(" | "))
    .filter(Boolean)
    .join("; ");
  await stop();
  return {
    skipped: `nats-server ${binary.version} (${nodes} node${nodes > 1 ? "s" : ""}) did not become ready on 127.0.0.1 within ${readyMs / 1000} s${tail ? `; log: ${tail}` : ""}`,
  };
}
