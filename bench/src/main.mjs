// Entry point of the benchmark suite (`pnpm bench` from the repository root): runs the selected
// suites side by side in one run (the core suite in this process plus the child processes some
// cases fork; the CLI suite running the built `spool` as child processes; the HTTP suite with
// the server and the load generators in child processes; the consumers suite with cursors and
// consumer groups against a SQLite job queue and Redis Streams), then prints the machine, the payload shape, the notes of each suite and one markdown table of
// Spool's figures, their ratios to the baselines and the targets. BENCH_QUICK=1 runs a 10x
// smaller smoke test; `--only` (or BENCH_ONLY) picks suites or HTTP groups.
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { nowMs } from "./lib/measure.mjs";
import { describeEvents, makeEvents } from "./lib/payload.mjs";
import { markdownTable } from "./lib/report.mjs";
import { removeTempRoot, tempRoot } from "./lib/tmp.mjs";
import { cliConfig, runCliSuite } from "./suites/cli.mjs";
import { consumersConfig, runConsumersSuite } from "./suites/consumers.mjs";
import { coreConfig, runCoreSuite } from "./suites/core.mjs";
import { HTTP_GROUPS, httpConfig, runHttpSuite } from "./suites/http.mjs";
import { jetstreamConfig, runJetStreamSuite } from "./suites/jetstream.mjs";

const USAGE = `usage: node src/main.mjs [--only LIST]   (or BENCH_ONLY=LIST)
  LIST is comma-separated: core, cli, http, ${HTTP_GROUPS.map((g) => `http-${g}`).join(", ")}, consumers, jetstream
  (default: core, cli, http, consumers; jetstream runs when named). BENCH_QUICK=1 runs a 10x smaller smoke test.`;

const log = (line) => process.stderr.write(`${line}\n`);

/** The selection from --only / BENCH_ONLY: { core, cli, consumers: booleans, http: Set of HTTP groups }. */
function selection(argv) {
  let only = process.env.BENCH_ONLY;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg === "--only" && argv[i + 1] !== undefined) only = argv[++i];
    else if (arg.startsWith("--only=")) only = arg.slice("--only=".length);
    else usage(`unknown argument ${arg}`);
  }
  const names = (only ?? "core,cli,http,consumers")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const pick = { core: false, cli: false, consumers: false, jetstream: false, http: new Set() };
  for (const name of names) {
    if (name === "core") pick.core = true;
    else if (name === "cli") pick.cli = true;
    else if (name === "consumers") pick.consumers = true;
    else if (name === "jetstream") pick.jetstream = true;
    else if (name === "http") for (const g of HTTP_GROUPS) pick.http.add(g);
    else if (name.startsWith("http-") && HTTP_GROUPS.includes(name.slice(5)))
      pick.http.add(name.slice(5));
    else usage(`unknown suite ${JSON.stringify(name)}`);
  }
  if (!pick.core && !pick.cli && !pick.consumers && !pick.jetstream && pick.http.size === 0)
    usage("nothing selected");
  return pick;
}

/** Linux CPU pressure (PSI): % of the last 60 s in which some runnable task waited for a CPU. */
function cpuPressure() {
  try {
    const line = readFileSync("/proc/pressure/cpu", "utf8").split("\n")[0] ?? "";
    const match = /avg60=([\d.]+)/.exec(line);
    return match ? `${Number(match[1]).toFixed(0)}%` : "n/a";
  } catch {
    return "n/a";
  }
}

function usage(problem) {
  process.stderr.write(`bench: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

async function main() {
  const quick = process.env.BENCH_QUICK === "1";
  const pick = selection(process.argv.slice(2));
  const began = nowMs();
  const events = makeEvents(1000);
  const texts = events.map((e) => JSON.stringify(e));
  const shape = describeEvents(events);
  const cpu = cpus();
  const loadBefore = loadavg()[0];
  const pressureBefore = cpuPressure();
  const suites = [
    pick.core ? "core" : "",
    pick.cli ? "cli" : "",
    ...[...pick.http].map((g) => `http-${g}`),
    pick.consumers ? "consumers" : "",
    pick.jetstream ? "jetstream" : "",
  ].filter(Boolean);
  log(
    `spool bench (${suites.join(", ")})${quick ? " (QUICK smoke run: 10x smaller counts, 1 round)" : ""}; temp dir ${tempRoot()}`,
  );

  const rows = [];
  const notes = [];
  const details = [];
  if (pick.core) {
    const core = await runCoreSuite({ cfg: coreConfig(quick), events, texts, log });
    rows.push(...core.rows);
    notes.push(...core.notes);
  }
  if (pick.cli) {
    const cli = await runCliSuite({ cfg: cliConfig(quick), log });
    rows.push(...cli.rows);
    notes.push(...cli.notes);
  }
  if (pick.http.size > 0) {
    const http = await runHttpSuite({ cfg: httpConfig(quick), texts, groups: pick.http, log });
    rows.push(...http.rows);
    notes.push(...http.notes);
    if (http.details) details.push(http.details);
  }
  if (pick.consumers) {
    const consumers = await runConsumersSuite({ cfg: consumersConfig(quick), texts, log });
    rows.push(...consumers.rows);
    notes.push(...consumers.notes);
  }
  if (pick.jetstream) {
    const js = await runJetStreamSuite({ cfg: jetstreamConfig(quick), events, texts, log });
    rows.push(...js.rows);
    notes.push(...js.notes);
  }

  const out = [];
  out.push("");
  out.push(`## Spool benchmarks${quick ? " (QUICK smoke run, not representative)" : ""}`);
  out.push("");
  out.push(
    `- machine: ${cpu[0]?.model ?? "unknown cpu"}, ${cpu.length} cores; node ${process.version}; linux ${release()}; files under ${tmpdir()}`,
  );
  out.push(
    `- 1-min load average: ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end; CPU pressure (share of the last minute some task waited for a CPU): ${pressureBefore} at start, ${cpuPressure()} at end (a load above ~1 or a pressure above a few % means other work shared the CPUs with this run)`,
  );
  out.push(`- suites: ${suites.join(", ")}`);
  // The ~1 KB events are the payload of the core, HTTP and consumers suites (the CLI suite's notes give its own).
  if (pick.core || pick.consumers || pick.jetstream || pick.http.size > 0)
    out.push(`- payload: ${shape.text}`);
  out.push(...notes);
  out.push("");
  out.push(markdownTable(rows));
  for (const table of details) out.push("", table);
  out.push("");
  const missed = rows.filter((row) => row.pass === false).length;
  const judged = rows.filter((row) => row.pass !== undefined).length;
  out.push(
    `${judged - missed} of ${judged} targets met; total run ${((nowMs() - began) / 1000).toFixed(0)} s`,
  );
  process.stdout.write(`${out.join("\n")}\n`);
  // A failed check (e.g. a follower missing a message) is a correctness failure, not a slow
  // figure: make it visible to scripts.
  if (rows.some((row) => row.verdict === "FAIL")) process.exitCode = 1;
}

try {
  await main();
} finally {
  removeTempRoot();
}
