#!/usr/bin/env node
// CLI benchmarks, side by side in one run (build first: `pnpm --filter spool build`):
//   1. start-up: `node -e ''` vs `spool version` vs feeding one message (target: version ≤ 2× node)
//   2. feeding 100,000 JSONL lines from stdin (target ≥ 50k msg/s), with and without receipts
//   3. `follow --jsonl --tail 100000` into a pipe (target ≥ 300k msg/s, stored bytes spliced)
// Rates are reported twice: over the whole process run, and net of the CLI's start-up time.
// Usage: node bench/main.mjs [--runs N] [--messages N]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, "..", "dist", "cli.js");
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = opt("--runs", 30);
const MESSAGES = opt("--messages", 100_000);

const dir = mkdtempSync(join(tmpdir(), "spool-cli-bench-"));
const env = { ...process.env, SPOOL_DIR: dir };

function timeSync(cmd, args, input) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    env,
    input,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { median, mean, min: sorted[0] };
}

function startup(label, cmd, args) {
  for (let i = 0; i < 3; i++) timeSync(cmd, args); // warm the file cache
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push(timeSync(cmd, args).ms);
  return { label, ...stats(samples) };
}

/** Runs a command with stdout into a pipe we drain, timing until exit. */
function timedPipe(args, input) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], {
      env,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let bytes = 0;
    let lines = 0;
    let err = "";
    child.stdout.on("data", (d) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`spool ${args.join(" ")} exited ${code}: ${err}`));
      else resolvePromise({ ms, bytes, lines });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

function rate(n, ms) {
  return Math.round((n / ms) * 1000);
}

const fmt = (n) => n.toLocaleString("en-US");

try {
  timeSync(process.execPath, [CLI, "pool", "create", "one"]);
  timeSync(process.execPath, [CLI, "pool", "create", "big", "--size", "256M"]);

  console.log(
    `spool CLI benchmarks — node ${process.version}, ${RUNS} runs per start-up case, ${fmt(MESSAGES)} messages\n`,
  );
  const node = startup("node -e ''", process.execPath, ["-e", ""]);
  const version = startup("spool version", process.execPath, [CLI, "version"]);
  const feedOne = startup("spool feed one '{\"x\":1}'", process.execPath, [
    CLI,
    "feed",
    "one",
    '{"x":1}',
  ]);
  console.log("start-up (ms)                     median     mean      min   × node (median)");
  for (const s of [node, version, feedOne]) {
    console.log(
      `  ${s.label.padEnd(30)} ${s.median.toFixed(1).padStart(8)} ${s.mean.toFixed(1).padStart(8)} ${s.min.toFixed(1).padStart(8)}   ${(s.median / node.median).toFixed(2)}×`,
    );
  }

  let input = "";
  for (let i = 1; i <= MESSAGES; i++)
    input += `{"i":${i},"step":"lint","ok":true,"msg":"message number ${i} of the benchmark"}\n`;
  const inputBuf = Buffer.from(input);
  console.log(
    `\nfeed ${fmt(MESSAGES)} JSONL lines from stdin (${(inputBuf.length / 1e6).toFixed(1)} MB)`,
  );
  const quiet = await timedPipe(["feed", "big", "-q"], inputBuf);
  const receipts = await timedPipe(["feed", "big"], inputBuf);
  if (receipts.lines !== MESSAGES)
    throw new Error(`expected ${MESSAGES} receipts, got ${receipts.lines}`);
  for (const [label, r] of [
    ["no receipts (-q)", quiet],
    ["JSON receipts to a pipe", receipts],
  ]) {
    console.log(
      `  ${label.padEnd(28)} ${r.ms.toFixed(0).padStart(6)} ms  ${fmt(rate(MESSAGES, r.ms)).padStart(9)} msg/s  (net of start-up: ${fmt(rate(MESSAGES, r.ms - feedOne.median))} msg/s)`,
    );
  }

  console.log(`\nfollow --jsonl --tail ${fmt(MESSAGES)} into a pipe`);
  const followRuns = [];
  for (let i = 0; i < 5; i++)
    followRuns.push(
      await timedPipe(["follow", "big", "--tail", String(MESSAGES), "--replay", "0", "--jsonl"]),
    );
  for (const r of followRuns)
    if (r.lines !== MESSAGES) throw new Error(`expected ${MESSAGES} lines, got ${r.lines}`);
  const best = followRuns.reduce((a, b) => (a.ms < b.ms ? a : b));
  const med = stats(followRuns.map((r) => r.ms)).median;
  console.log(
    `  median ${med.toFixed(0)} ms, best ${best.ms.toFixed(0)} ms for ${(best.bytes / 1e6).toFixed(1)} MB`,
  );
  console.log(
    `  ${fmt(rate(MESSAGES, med))} msg/s over the whole run (net of start-up: ${fmt(rate(MESSAGES, med - version.median))} msg/s)`,
  );
  const where = await timedPipe([
    "follow",
    "big",
    "--tail",
    String(MESSAGES),
    "--replay",
    "0",
    "--jsonl",
    "--where",
    ".data.i % 2 == 0",
  ]);
  console.log(
    `  with --where '.data.i % 2 == 0': ${where.ms.toFixed(0)} ms, ${fmt(rate(MESSAGES, where.ms))} msg/s evaluated`,
  );

  console.log("\ntargets: version ≤ 2× node; feed ≥ 50,000 msg/s; follow ≥ 300,000 msg/s");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
