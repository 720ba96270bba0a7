/**
 * `spool-conformance`: runs the manifests through the chosen drivers and prints failures and the
 * summary (steps × drivers). For humans and CI; the vitest suite runs the same code.
 *
 * Invariants: exit 0 when every step passed or was skipped with a reason and every parity check
 * held; 1 when anything failed; 2 for bad arguments or an invalid manifest.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { apiDriver } from "./drivers/api.js";
import { cliDriver } from "./drivers/cli.js";
import { httpDriver } from "./drivers/http.js";
import { loadDriverModule } from "./drivers/load.js";
import type { Driver } from "./drivers/types.js";
import { loadManifests } from "./manifest/load.js";
import { formatReport, runSuite, stepLabel } from "./runner/suite.js";

const HELP = `usage: spool-conformance [options]

Runs Spool's conformance manifests through one or more drivers (surfaces) and checks every
step's expectation and cross-driver parity.

  --driver NAME          api, cli, http or ws (repeatable; default: api, cli, http); ws is
                         the http surface with tail steps over the WebSocket tail
  --driver-module FILE   also run a driver from a module (repeatable; see README)
  --spool-command CMD    the command the cli driver runs instead of the workspace's spool
                         (split on spaces, e.g. "node ./other/spool.js")
  --http-keep-pools      the http driver keeps its server's open pools across fixture steps
                         (default: restart the server after each, see README)
  --manifests PATH       a manifest file or directory (repeatable; default: the repo's conformance/)
  --concurrency N        sessions (manifest × driver) run at once (default 2)
  --verbose              also list skipped steps with their reasons
  --json                 print the report as JSON
  --help                 this help

Exit status: 0 all passed, 1 failures, 2 bad arguments or manifests.`;

function defaultManifests(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, "..", "..", "..", "conformance"), resolve("conformance")]) {
    if (existsSync(join(candidate, "manifest-v0.md"))) return candidate;
  }
  throw new Error("cannot find the conformance/ manifests; pass --manifests PATH");
}

async function main(): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  function parse() {
    return parseArgs({
      options: {
        driver: { type: "string", multiple: true },
        "driver-module": { type: "string", multiple: true },
        "spool-command": { type: "string" },
        "http-keep-pools": { type: "boolean", default: false },
        manifests: { type: "string", multiple: true },
        concurrency: { type: "string" },
        verbose: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    values = parse().values;
  } catch (error) {
    process.stderr.write(`spool-conformance: ${(error as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const drivers: Driver[] = [];
  try {
    for (const name of values.driver ?? ["api", "cli", "http"]) {
      if (name === "api") drivers.push(apiDriver());
      else if (name === "cli") {
        const command = values["spool-command"]?.split(" ").filter(Boolean);
        drivers.push(cliDriver(command ? { command } : {}));
      } else if (name === "http")
        drivers.push(httpDriver({ reopenAfterFixtures: !values["http-keep-pools"] }));
      else if (name === "ws")
        drivers.push(
          httpDriver({
            tailTransport: "websocket",
            reopenAfterFixtures: !values["http-keep-pools"],
          }),
        );
      else
        throw new Error(
          `unknown driver ${name} (built in: api, cli, http, ws; others: --driver-module)`,
        );
    }
    for (const file of values["driver-module"] ?? []) drivers.push(await loadDriverModule(file));
    if (drivers.length === 0) throw new Error("no driver selected");
    const manifests = loadManifests(values.manifests ?? [defaultManifests()]);
    const started = Date.now();
    const concurrency = Number(values.concurrency ?? 2);
    if (!Number.isSafeInteger(concurrency) || concurrency < 1)
      throw new Error(`--concurrency takes a whole number ≥ 1, got ${values.concurrency}`);
    const report = await runSuite({
      manifests,
      drivers,
      concurrency,
      onSession: (manifest, driver, records) => {
        if (values.json) return;
        const failed = records.filter((r) => r.status === "fail");
        const skipped = records.filter((r) => r.status === "skip").length;
        process.stderr.write(
          `${failed.length ? "✗" : "✓"} ${manifest} [${driver}] ${records.length - failed.length - skipped} passed, ${failed.length} failed, ${skipped} skipped${failed.length ? `: ${failed.map(stepLabel).join("; ")}` : ""}\n`,
        );
      },
    });
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else
      process.stdout.write(
        `${formatReport(report, values.verbose)} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
      );
    return report.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`spool-conformance: ${(error as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main();
