// Entry point of the benchmark suite (`pnpm bench` from the repository root): runs the selected
// suites side by side in one run (the core suite in this process plus the child processes some
// cases fork; the CLI suite running the built `spool` as child processes; the HTTP suite with
// the server and the load generators in child processes; the consumers suite with cursors and
// consumer groups against a SQLite job queue and Redis Streams; the JetStream suite; the peers
// suite against Redis Streams and Durable Streams; the scale suite's curves of how cost
// grows), then prints the machine, the payload shape, the notes of each suite and one markdown
// table of Spool's figures, their ratios to the baselines and the targets, and writes each
// suite's table and chart to bench/results/<suite>.md and .svg (`<suite>.quick.*` for a smoke
// run; `--no-results` writes none). BENCH_QUICK=1 runs a 10x smaller smoke test; `--only` (or
// BENCH_ONLY) picks suites or HTTP groups.
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { relative } from "node:path";
import { nowMs } from "./lib/measure.mjs";
import { describeEvents, makeEvents } from "./lib/payload.mjs";
import { markdownTable } from "./lib/report.mjs";
import { cellsTable, writeSuiteResults } from "./lib/results.mjs";
import { removeTempRoot, tempRoot } from "./lib/tmp.mjs";
import { archiveConfig, runArchiveSuite } from "./suites/archive.mjs";
import { cliConfig, runCliSuite } from "./suites/cli.mjs";
import { consumersConfig, runConsumersSuite } from "./suites/consumers.mjs";
import { coreConfig, runCoreSuite } from "./suites/core.mjs";
import { HTTP_GROUPS, httpConfig, runHttpSuite } from "./suites/http.mjs";
import { jetstreamConfig, runJetStreamSuite } from "./suites/jetstream.mjs";
import { peersConfig, runPeersSuite } from "./suites/peers.mjs";
import { runScaleSuite, scaleConfig } from "./suites/scale.mjs";

const USAGE = `usage: node src/main.mjs [--only LIST] [--no-results]   (or BENCH_ONLY=LIST)
  LIST is comma-separated: core, cli, http, ${HTTP_GROUPS.map((g) => `http-${g}`).join(", ")}, consumers, jetstream, peers, scale, archive
  (default: core, cli, http, consumers; jetstream, peers, scale and archive run when named). BENCH_QUICK=1 runs a 10x smaller smoke test.
  Each suite run writes bench/results/<suite>.md and .svg (a smoke run: <suite>.quick.md/.svg); --no-results writes none.`;

const log = (line) => process.stderr.write(`${line}\n`);

/**
 * The selection from --only / BENCH_ONLY: { core, cli, consumers, jetstream, peers, scale: booleans,
 * http: Set of HTTP groups, results: whether to write bench/results/ }.
 */
function selection(argv) {
  let only = process.env.BENCH_ONLY;
  let results = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg === "--only" && argv[i + 1] !== undefined) only = argv[++i];
    else if (arg.startsWith("--only=")) only = arg.slice("--only=".length);
    else if (arg === "--no-results") results = false;
    else usage(`unknown argument ${arg}`);
  }
  only ??= "core,cli,http,consumers";
  const names = only
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const pick = {
    core: false,
    cli: false,
    consumers: false,
    jetstream: false,
    peers: false,
    scale: false,
    archive: false,
    http: new Set(),
    results,
    only,
  };
  for (const name of names) {
    if (name === "core") pick.core = true;
    else if (name === "cli") pick.cli = true;
    else if (name === "consumers") pick.consumers = true;
    else if (name === "jetstream") pick.jetstream = true;
    else if (name === "peers") pick.peers = true;
    else if (name === "scale") pick.scale = true;
    else if (name === "archive") pick.archive = true;
    else if (name === "http") for (const g of HTTP_GROUPS) pick.http.add(g);
    else if (name.startsWith("http-") && HTTP_GROUPS.includes(name.slice(5)))
      pick.http.add(name.slice(5));
    else usage(`unknown suite ${JSON.stringify(name)}`);
  }
  const any =
    pick.core ||
    pick.cli ||
    pick.consumers ||
    pick.jetstream ||
    pick.peers ||
    pick.scale ||
    pick.archive;
  if (!any && pick.http.size === 0) usage("nothing selected");
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
    pick.peers ? "peers" : "",
    pick.scale ? "scale" : "",
    pick.archive ? "archive" : "",
  ].filter(Boolean);
  log(
    `spool bench (${suites.join(", ")})${quick ? " (QUICK smoke run: 10x smaller counts, 1 round)" : ""}; temp dir ${tempRoot()}`,
  );

  const machine = `- machine: ${cpu[0]?.model ?? "unknown cpu"}, ${cpu.length} cores; node ${process.version}; linux ${release()}; files under ${tmpdir()}`;
  const payload = `- payload: ${shape.text}`;
  // Every selected suite in run order: its name (the results files' name), a title, whether the
  // ~1 KB events are its payload (the CLI suite's notes give its own), and how to run it.
  const runners = [
    pick.core && {
      suite: "core",
      title: "Spool benchmarks: core (in process)",
      run: () => runCoreSuite({ cfg: coreConfig(quick), events, texts, log }),
    },
    pick.cli && {
      suite: "cli",
      title: "Spool benchmarks: CLI",
      ownPayload: true,
      run: () => runCliSuite({ cfg: cliConfig(quick), log }),
    },
    pick.http.size > 0 && {
      suite: "http",
      title: `Spool benchmarks: HTTP (${[...pick.http].join(", ")})`,
      run: async () => {
        const http = await runHttpSuite({ cfg: httpConfig(quick), texts, groups: pick.http, log });
        return { ...http, details: http.details ? [http.details] : [] };
      },
    },
    pick.consumers && {
      suite: "consumers",
      title: "Spool benchmarks: consumers (cursors and groups)",
      run: () => runConsumersSuite({ cfg: consumersConfig(quick), texts, log }),
    },
    pick.jetstream && {
      suite: "jetstream",
      title: "Spool benchmarks: JetStream",
      run: () => runJetStreamSuite({ cfg: jetstreamConfig(quick), events, texts, log }),
    },
    pick.peers && {
      suite: "peers",
      title: "Spool benchmarks: peers (Redis Streams, Durable Streams)",
      run: () => runPeersSuite({ cfg: peersConfig(quick), events, texts, log }),
    },
    pick.scale && {
      suite: "scale",
      title: "Spool benchmarks: how cost grows (scale)",
      run: () => runScaleSuite({ cfg: scaleConfig(quick), events, texts, log }),
    },
    pick.archive && {
      suite: "archive",
      title: "Spool benchmarks: the PostgreSQL archive tier",
      run: () => runArchiveSuite({ cfg: archiveConfig(quick), texts, log }),
    },
  ].filter(Boolean);

  const rows = [];
  const notes = [];
  const details = [];
  for (const runner of runners) {
    const suiteLoad = loadavg()[0];
    const suitePressure = cpuPressure();
    const suiteBegan = nowMs();
    const result = await runner.run();
    const curveTables = (result.curves ?? [])
      .filter((curve) => curve.table)
      .map((curve) =>
        [`${curve.title}:`, "", cellsTable(curve.table.header, curve.table.rows)].join("\n"),
      );
    rows.push(...result.rows);
    notes.push(...result.notes);
    details.push(...(result.details ?? []), ...curveTables);
    if (pick.results) {
      const header = [
        `- run: \`node bench/src/main.mjs --only ${pick.only}\`${quick ? " with BENCH_QUICK=1" : ""}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; this suite took ${((nowMs() - suiteBegan) / 1000).toFixed(0)} s`,
        machine,
        `- 1-min load average: ${suiteLoad.toFixed(2)} at the suite's start, ${loadavg()[0].toFixed(2)} at its end; CPU pressure: ${suitePressure} at start, ${cpuPressure()} at end`,
        ...(runner.ownPayload ? [] : [payload]),
      ];
      const paths = writeSuiteResults({
        suite: runner.suite,
        title: runner.title,
        header,
        result,
        quick,
      });
      log(`results: ${paths.map((path) => relative(process.cwd(), path)).join(", ")}`);
    }
  }

  const out = [];
  out.push("");
  out.push(`## Spool benchmarks${quick ? " (QUICK smoke run, not representative)" : ""}`);
  out.push("");
  out.push(machine);
  out.push(
    `- 1-min load average: ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end; CPU pressure (share of the last minute some task waited for a CPU): ${pressureBefore} at start, ${cpuPressure()} at end (a load above ~1 or a pressure above a few % means other work shared the CPUs with this run)`,
  );
  out.push(`- suites: ${suites.join(", ")}`);
  // The ~1 KB events are the payload of the core, HTTP and consumers suites (the CLI suite's notes give its own).
  if (runners.some((runner) => !runner.ownPayload)) out.push(payload);
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
