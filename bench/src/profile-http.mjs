// Profiles the HTTP server under one workload: starts the server child with `node --cpu-prof`,
// drives it from the load-generator child (or, for `follow`, the followers and writer children)
// like the benchmark does, stops it cleanly (so V8
// writes the profile), and prints where the server's time went: top functions by self time,
// self time by package, and Spool's functions by inclusive time. The .cpuprofile is kept (path
// printed; default directory: $TMPDIR/spool-cpu-profiles) for chrome://inspect or speedscope.
// Usage: node src/profile-http.mjs append|batch|tail|follow [seconds] [--out DIR] [--pin]
// (--pin: the server on CPU 0 and the load generator on CPU 1, so the profile is not
// distorted by the two processes preempting each other on one core.)
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { followersCase } from "./cases/http-followers.mjs";
import { appendBody, batchBody } from "./cases/http-requests.mjs";
import { formatSummary, summarise } from "./lib/cpuprofile.mjs";
import { forkChild, loadCpu, serverCpu } from "./lib/ipc.mjs";
import { formatCount, formatMs } from "./lib/measure.mjs";
import { makeEvents } from "./lib/payload.mjs";
import { freshDir, removeTempRoot } from "./lib/tmp.mjs";
import { httpConfig, preparePools } from "./suites/http.mjs";

const SERVER = fileURLToPath(new URL("./children/http-server.mjs", import.meta.url));
const LOAD = fileURLToPath(new URL("./children/http-load.mjs", import.meta.url));
const WORKLOADS = ["append", "batch", "tail", "follow"];
const log = (line) => process.stderr.write(`${line}\n`);

function args(argv) {
  const positional = [];
  let out = join(tmpdir(), "spool-cpu-profiles");
  let pin = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1] !== undefined) out = resolve(argv[++i]);
    else if (argv[i] === "--pin") pin = true;
    else positional.push(argv[i]);
  }
  const [workload, secondsArg = "8"] = positional;
  const seconds = Number(secondsArg);
  if (!WORKLOADS.includes(workload) || !(seconds > 0 && seconds <= 120)) {
    process.stderr.write(
      `usage: node src/profile-http.mjs ${WORKLOADS.join("|")} [seconds ≤ 120] [--out DIR] [--pin]\n`,
    );
    process.exit(2);
  }
  return { workload, seconds, out, pin };
}

async function drive(workload, seconds, { load, server, spoolUrl, texts, cfg, dir }) {
  const json = { "content-type": "application/json" };
  if (workload === "append") {
    const r = await load.call("cannon", {
      url: `${spoolUrl}/v0/pools/append/append`,
      method: "POST",
      headers: json,
      body: appendBody(texts[0]),
      connections: 16,
      duration: seconds,
    });
    return `${formatCount(r.requests / r.seconds)} appends/s over 16 connections`;
  }
  if (workload === "batch") {
    const r = await load.call("cannon", {
      url: `${spoolUrl}/v0/pools/batch/append_batch`,
      method: "POST",
      headers: json,
      body: batchBody(texts, 100),
      connections: 4,
      duration: seconds,
    });
    return `${formatCount((r.requests * 100) / r.seconds)} msg/s in batches of 100 over 4 connections`;
  }
  if (workload === "follow") {
    const total = Math.round(cfg.followRate * seconds);
    const f = await followersCase({
      cfg: { ...cfg, followTotal: total, followWarm: Math.round(total / 10) },
      server,
      spoolUrl,
      log,
      followPool: "follow",
      poolPath: (name) => join(dir, `${name}.spool`),
    });
    return `${f.followers} followers × ${formatCount(f.rate)} msg/s, ${f.complete}/${f.followers} complete, delay p50 ${formatMs(f.p50)}, p99 ${formatMs(f.p99)}`;
  }
  const count = cfg.tailSmallCount;
  const url = `${spoolUrl}/v0/pools/tail-small/tail?since_seq=1&max=${count}`;
  const perPass = await load.call("tails", { url, expect: count, timeoutMs: 60_000, passes: 1 });
  const passes = Math.max(1, Math.round(seconds / perPass.seconds));
  const r = await load.call("tails", { url, expect: count, timeoutMs: 120_000, passes });
  return `${formatCount(r.lines / r.seconds)} msg/s over one connection (${passes + 1} passes of ${count})`;
}

async function main() {
  const { workload, seconds, out, pin } = args(process.argv.slice(2));
  const cfg = { ...httpConfig(false), pin };
  const texts = makeEvents(1000).map((e) => JSON.stringify(e));
  const dir = freshDir("profile");
  log(`preparing the ${workload} pool`);
  preparePools(cfg, dir, new Set([workload]), texts);
  const profDir = join(out, `${workload}-${Date.now()}`);
  mkdirSync(profDir, { recursive: true });
  const server = await forkChild(SERVER, [dir], {
    name: "http server",
    execArgv: ["--cpu-prof", "--cpu-prof-dir", profDir],
    ...serverCpu(cfg),
  });
  let load;
  let figure;
  try {
    load = await forkChild(LOAD, [], { name: "load generator", ...loadCpu(cfg) });
    log(`driving ${workload} for ~${seconds} s`);
    const spoolUrl = `http://127.0.0.1:${server.info.spoolPort}`;
    figure = await drive(workload, seconds, { load, server, spoolUrl, texts, cfg, dir });
  } finally {
    await load?.stop();
    await server.stop(15_000);
  }
  const file = readdirSync(profDir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile was written to ${profDir}`);
  const summary = summarise(JSON.parse(readFileSync(join(profDir, file), "utf8")));
  process.stdout.write(
    `## server profile: ${workload} (${figure}${pin ? "; server on CPU 0, load on CPU 1" : ""})\n\nprofile: ${join(profDir, file)}\n\n${formatSummary(summary)}\n`,
  );
}

try {
  await main();
} finally {
  removeTempRoot();
}
