// The CLI suite: the built `spool` command line (packages/cli/dist/cli.js, run by this node as
// child processes, SPOOL_DIR in a fresh temp dir) side by side with what the same work costs
// without it. Start-up: `spool version` and `spool feed` of one message against `node -e ''`
// (interleaved runs after warm-ups, median). Feed: 100k JSONL lines piped into `spool feed`
// (with receipts, and -q) against a `node -e` that only reads the same stdin and counts lines.
// Follow: `spool follow --tail 100k --replay 0 --jsonl` into a pipe this process drains against
// `cat` of the same JSONL lines into the same reader, and a `--where` variant. Rates are over
// the whole process run (start-up included); every count is checked (lines stored, receipts,
// lines printed) and a mismatch throws. Every child is bounded by a timeout.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { breathe, formatCount, formatMs, median, nowMs } from "../lib/measure.mjs";
import { buildRow, rate } from "../lib/report.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

const CLI = fileURLToPath(new URL("../../../packages/cli/dist/cli.js", import.meta.url));

/** Reads stdin to the end and prints its line count: what reading the feed input alone costs. */
const COUNT_LINES =
  "let n=0;process.stdin.on('data',(d)=>{for(let i=d.indexOf(10);i>=0;i=d.indexOf(10,i+1))n++}).on('end',()=>process.stdout.write(n+'\\n'))";

const WHERE = ".data.i % 2 == 0";

export function cliConfig(quick) {
  return {
    messages: quick ? 10_000 : 100_000,
    startupRuns: quick ? 5 : 25,
    startupWarm: quick ? 1 : 3,
    feedRuns: quick ? 1 : 3,
    followRuns: quick ? 1 : 5,
    poolSize: "64M",
    startupTimeoutMs: 10_000,
    childTimeoutMs: 60_000,
  };
}

/** "100k" for 100000, "10k" for 10000. */
function countLabel(n) {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/** The feed input: one JSON object per line, ~80 B each. */
function feedInput(count) {
  let text = "";
  for (let i = 1; i <= count; i++)
    text += `{"i":${i},"step":"lint","ok":true,"msg":"message number ${i} of the benchmark"}\n`;
  return Buffer.from(text);
}

/** Runs a child to its end synchronously (stdin ignored); returns { ms, stdout }. */
function runSync(env, timeoutMs, cmd, args) {
  const t0 = nowMs();
  const r = spawnSync(cmd, args, {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 1 << 30,
  });
  const ms = nowMs() - t0;
  const what = `${cmd === process.execPath ? "node" : cmd} ${args.join(" ")}`;
  if (r.error) throw new Error(`cli bench: ${what}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`cli bench: ${what} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/**
 * Runs a child with `input` (a Buffer, or undefined) on its stdin and its stdout into a pipe
 * drained here (counting bytes and lines, keeping the text when `keep`), timed from spawn to
 * exit. Killed (and rejected) after `timeoutMs`.
 */
function runPiped(env, timeoutMs, cmd, args, input, keep = false) {
  const what = `${cmd === process.execPath ? "node" : cmd} ${args.join(" ")}`;
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(cmd, args, {
      env,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let bytes = 0;
    let lines = 0;
    let err = "";
    let timedOut = false;
    const chunks = [];
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      if (keep) chunks.push(d);
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cli bench: ${what}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      const ms = nowMs() - t0;
      clearTimeout(timer);
      if (timedOut) reject(new Error(`cli bench: ${what} timed out after ${timeoutMs} ms`));
      else if (code !== 0)
        reject(new Error(`cli bench: ${what} exited ${code ?? signal}: ${err.slice(0, 2000)}`));
      else resolve({ ms, bytes, lines, stdout: keep ? Buffer.concat(chunks) : undefined });
    });
    if (input !== undefined) {
      child.stdin.on("error", (e) => {
        err += `\nstdin: ${e.message}`;
      });
      child.stdin.end(input);
    }
  });
}

function expectCount(what, expected, got) {
  if (got !== expected)
    throw new Error(`cli bench: ${what}: expected ${expected} lines, got ${got} (FAILED check)`);
}

/** The message count and bounds of a pool, from `spool pool info --json`. */
function poolCount(env, cfg, name) {
  const { stdout } = runSync(env, cfg.startupTimeoutMs, process.execPath, [
    CLI,
    "pool",
    "info",
    name,
    "--json",
  ]);
  const { pool } = JSON.parse(stdout.toString());
  return { count: pool.message_count, bounds: pool.bounds };
}

/** Checks that a pool holds exactly seqs 1..count. */
function expectPool(env, cfg, name, count) {
  const info = poolCount(env, cfg, name);
  if (info.count !== count || info.bounds?.oldest !== 1 || info.bounds?.newest !== count)
    throw new Error(
      `cli bench: pool ${name}: expected seqs 1..${count}, got ${info.count} messages, bounds ${JSON.stringify(info.bounds)} (FAILED check)`,
    );
}

/** Start-up: node -e '', spool version, spool feed of one message, interleaved. */
function startup(env, cfg, log) {
  const cases = [
    { key: "node", args: ["-e", ""] },
    { key: "version", args: [CLI, "version"] },
    { key: "feedOne", args: [CLI, "feed", "one", '{"x":1}'] },
  ];
  for (let i = 0; i < cfg.startupWarm; i++)
    for (const c of cases) runSync(env, cfg.startupTimeoutMs, process.execPath, c.args);
  const samples = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let i = 0; i < cfg.startupRuns; i++)
    for (const c of cases)
      samples[c.key].push(runSync(env, cfg.startupTimeoutMs, process.execPath, c.args).ms);
  const out = {};
  for (const c of cases) {
    const s = samples[c.key];
    out[c.key] = { median: median(s), min: Math.min(...s) };
    log(
      `  ${c.key.padEnd(10)} median ${formatMs(out[c.key].median)}, min ${formatMs(out[c.key].min)} (${s.length} runs)`,
    );
  }
  const feeds = cfg.startupWarm + cfg.startupRuns;
  expectPool(env, cfg, "one", feeds);
  return out;
}

/** Feed: spool feed (receipts, -q) and the read-only baseline, interleaved per run. */
async function feed(env, cfg, input, log) {
  const n = cfg.messages;
  const ms = { receipts: [], quiet: [], read: [] };
  let pools = 0;
  const feedInto = async (key, extra) => {
    const name = `feed-${++pools}`;
    runSync(env, cfg.startupTimeoutMs, process.execPath, [
      CLI,
      "pool",
      "create",
      name,
      "--size",
      cfg.poolSize,
    ]);
    await breathe();
    const r = await runPiped(
      env,
      cfg.childTimeoutMs,
      process.execPath,
      [CLI, "feed", name, ...extra],
      input,
    );
    expectPool(env, cfg, name, n);
    runSync(env, cfg.startupTimeoutMs, process.execPath, [CLI, "pool", "delete", name]);
    ms[key].push(r.ms);
    return r;
  };
  for (let run = 0; run < cfg.feedRuns; run++) {
    const receipts = await feedInto("receipts", []);
    expectCount("spool feed receipts", n, receipts.lines);
    const quiet = await feedInto("quiet", ["-q"]);
    expectCount("spool feed -q output", 0, quiet.lines);
    await breathe();
    const read = await runPiped(
      env,
      cfg.childTimeoutMs,
      process.execPath,
      ["-e", COUNT_LINES],
      input,
      true,
    );
    if (read.stdout.toString().trim() !== String(n))
      throw new Error(
        `cli bench: stdin line counter saw ${read.stdout.toString().trim()} lines, expected ${n}`,
      );
    ms.read.push(read.ms);
  }
  const out = {};
  for (const [key, values] of Object.entries(ms)) {
    out[key] = median(values);
    log(
      `  ${key.padEnd(10)} ${values.map((v) => `${v.toFixed(0)} ms`).join("  ")} -> median ${formatCount((n / out[key]) * 1000)} msg/s`,
    );
  }
  return out;
}

/** Follow: spool follow --jsonl (plain and --where) and cat of the same lines, interleaved. */
async function follow(env, cfg, dir, input, log) {
  const n = cfg.messages;
  runSync(env, cfg.startupTimeoutMs, process.execPath, [
    CLI,
    "pool",
    "create",
    "big",
    "--size",
    cfg.poolSize,
  ]);
  await runPiped(env, cfg.childTimeoutMs, process.execPath, [CLI, "feed", "big", "-q"], input);
  expectPool(env, cfg, "big", n);
  const args = [CLI, "follow", "big", "--tail", String(n), "--replay", "0", "--jsonl"];
  // One untimed run: warms the page cache and gives the JSONL file that `cat` replays.
  const first = await runPiped(env, cfg.childTimeoutMs, process.execPath, args, undefined, true);
  expectCount("spool follow --jsonl", n, first.lines);
  const jsonl = join(dir, "follow.jsonl");
  writeFileSync(jsonl, first.stdout);
  const ms = { follow: [], cat: [], where: [] };
  for (let run = 0; run < cfg.followRuns; run++) {
    await breathe();
    const f = await runPiped(env, cfg.childTimeoutMs, process.execPath, args);
    expectCount("spool follow --jsonl", n, f.lines);
    if (f.bytes !== first.bytes)
      throw new Error(
        `cli bench: follow printed ${first.bytes} bytes in its first run, ${f.bytes} in a later one`,
      );
    ms.follow.push(f.ms);
    await breathe();
    const c = await runPiped(env, cfg.childTimeoutMs, "cat", [jsonl]);
    expectCount("cat of the JSONL file", n, c.lines);
    ms.cat.push(c.ms);
    await breathe();
    const w = await runPiped(env, cfg.childTimeoutMs, process.execPath, [
      ...args,
      "--where",
      WHERE,
    ]);
    expectCount(`spool follow --where '${WHERE}'`, Math.floor(n / 2), w.lines);
    ms.where.push(w.ms);
  }
  const out = { bytes: first.bytes };
  for (const [key, values] of Object.entries(ms)) {
    out[key] = median(values);
    log(
      `  ${key.padEnd(10)} ${values.map((v) => `${v.toFixed(0)} ms`).join("  ")} -> median ${formatCount((n / out[key]) * 1000)} msg/s`,
    );
  }
  return out;
}

/** Runs the CLI suite; `ctx` = { cfg, log }. Returns { rows, notes }. */
export async function runCliSuite({ cfg, log }) {
  if (!existsSync(CLI))
    throw new Error(`cli bench: ${CLI} not found; build first (pnpm --filter spool build)`);
  const dir = freshDir("cli");
  const env = { ...process.env, SPOOL_DIR: dir };
  const n = cfg.messages;
  const input = feedInput(n);
  let start;
  let fed;
  let followed;
  try {
    runSync(env, cfg.startupTimeoutMs, process.execPath, [CLI, "pool", "create", "one"]);
    log("CLI start-up (node -e '', spool version, spool feed of one message):");
    start = startup(env, cfg, log);
    log(`CLI feed of ${n} JSONL lines from stdin:`);
    fed = await feed(env, cfg, input, log);
    log(`CLI follow --jsonl --tail ${n} into a pipe:`);
    followed = await follow(env, cfg, dir, input, log);
  } finally {
    removeDir(dir);
  }

  const perS = (ms) => (n / ms) * 1000;
  const label = countLabel(n);
  const node = start.node.median;
  // Start-up rows: figures in ms, given to buildRow as starts per second so that the ratio is
  // node's time ÷ spool's time (higher is better, like every other ratio in the table); the
  // target "spool ≤ 2× node's time" is then the ratio ≥ 0.5, printed as such.
  const startupRow = (name, ms) => ({
    ...buildRow({
      name,
      spool: 1000 / ms,
      spoolText: formatMs(ms),
      baselineName: "node -e ''",
      baseline: 1000 / node,
      baselineText: formatMs(node),
      target: { kind: "ratioAtLeast", value: 0.5 },
    }),
    target: "≤ 2× node's time (ratio ≥ 0.5×)",
  });
  const feedTarget = { kind: "atLeast", value: 50_000, label: "50k msg/s" };
  const rows = [
    startupRow("CLI start-up: spool version", start.version.median),
    startupRow("CLI start-up: spool feed (one message)", start.feedOne.median),
    buildRow({
      name: `CLI feed ${label} JSONL lines from stdin, receipts to a pipe`,
      spool: perS(fed.receipts),
      baselineName: "node reading the same stdin",
      baseline: perS(fed.read),
      target: feedTarget,
    }),
    buildRow({
      name: `CLI feed ${label} JSONL lines from stdin, -q (no receipts)`,
      spool: perS(fed.quiet),
      baselineName: "node reading the same stdin",
      baseline: perS(fed.read),
      target: feedTarget,
    }),
    buildRow({
      name: `CLI follow --jsonl --tail ${label} into a pipe`,
      spool: perS(followed.follow),
      baselineName: "cat of the same JSONL lines",
      baseline: perS(followed.cat),
      target: { kind: "atLeast", value: 300_000, label: "300k msg/s" },
    }),
    buildRow({
      name: `CLI follow --jsonl --tail ${label} --where '${WHERE}'`,
      spool: perS(followed.where),
      spoolText: `${rate(perS(followed.where))} evaluated`,
      baselineName: "follow without --where",
      baseline: perS(followed.follow),
    }),
  ];

  const net = (ms, startMs) => (ms > startMs ? rate(perS(ms - startMs)) : "n/a");
  const notes = [
    `- CLI: the built CLI (packages/cli/dist/cli.js) run by this node as child processes, SPOOL_DIR in a fresh temp dir; start-up: median of ${cfg.startupRuns} interleaved runs of each command after ${cfg.startupWarm} warm-up(s) (min: node ${formatMs(start.node.min)}, version ${formatMs(start.version.min)}, feed ${formatMs(start.feedOne.min)})`,
    `- CLI feed: ${n} lines (${(input.length / 1e6).toFixed(1)} MB) per run into a fresh ${cfg.poolSize.replace(/M$/, " MiB")} pool, checked after (seqs 1..${n}; ${n} receipts); median of ${cfg.feedRuns} run(s) of ${formatMs(fed.receipts)} (receipts), ${formatMs(fed.quiet)} (-q), ${formatMs(fed.read)} (node reading stdin); rates over the whole run, start-up included; net of the feed start-up (${formatMs(start.feedOne.median)}): ${net(fed.receipts, start.feedOne.median)} with receipts, ${net(fed.quiet, start.feedOne.median)} with -q`,
    `- CLI follow: ${n} messages, ${(followed.bytes / 1e6).toFixed(1)} MB of JSONL per run, drained and counted by the bench process; median of ${cfg.followRuns} run(s) of ${formatMs(followed.follow)} (cat: ${formatMs(followed.cat)}, --where: ${formatMs(followed.where)}, printing ${Math.floor(n / 2)}); net of the version start-up (${formatMs(start.version.median)}): ${net(followed.follow, start.version.median)}`,
  ];
  return { rows, notes };
}
