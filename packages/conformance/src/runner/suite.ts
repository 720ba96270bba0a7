/**
 * The suite: every manifest through every driver, then parity, then one report.
 *
 * Invariants: sessions (manifest × driver) may run side by side but never share a directory or
 * a pool, and the steps of one session run in order; records are reported in manifest, driver,
 * step order whatever the scheduling; the report counts steps × drivers exactly; `ok` is true only when no step failed
 * and no parity check failed (skips are reported with their reasons, never counted as passes).
 */
import { basename } from "node:path";
import type { Driver } from "../drivers/types.js";
import type { LoadedManifest } from "../manifest/load.js";
import { checkParity, type ParityFailure } from "./parity.js";
import { runSession, type StepRecord } from "./session.js";

export interface SuiteOptions {
  manifests: readonly LoadedManifest[];
  drivers: readonly Driver[];
  /** Sessions (manifest × driver) run at once (default 2; each is still sequential inside). */
  concurrency?: number;
  /** Called after each manifest × driver session (for progress output). */
  onSession?: (manifest: string, driver: string, records: readonly StepRecord[]) => void;
}

export interface SuiteReport {
  ok: boolean;
  manifests: number;
  /** Steps over all manifests. */
  steps: number;
  drivers: string[];
  records: StepRecord[];
  passed: number;
  failed: number;
  skipped: number;
  parity: { compared: number; failures: ParityFailure[] };
}

/**
 * Runs the suite.
 *
 * @example
 * const report = await runSuite({ manifests: loadManifests(["conformance"]), drivers: [apiDriver(), cliDriver()] });
 * console.log(formatReport(report));
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteReport> {
  const names = options.drivers.map((d) => d.name);
  if (new Set(names).size !== names.length)
    throw new Error(`driver names must be unique: ${names.join(", ")}`);
  const jobs = options.manifests.flatMap((loaded) =>
    options.drivers.map((driver) => ({ loaded, driver })),
  );
  const results: StepRecord[][] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const { loaded, driver } = jobs[index] as (typeof jobs)[number];
      const session = await runSession(loaded, driver);
      options.onSession?.(loaded.manifest.name, driver.name, session);
      results[index] = session;
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? 2, jobs.length));
  await Promise.all(Array.from({ length: width }, worker));
  const records = results.flat();
  const parity = checkParity(records);
  const count = (status: StepRecord["status"]) => records.filter((r) => r.status === status).length;
  const failed = count("fail");
  return {
    ok: failed === 0 && parity.failures.length === 0,
    manifests: options.manifests.length,
    steps: options.manifests.reduce((sum, m) => sum + m.manifest.steps.length, 0),
    drivers: names,
    records,
    passed: count("pass"),
    failed,
    skipped: count("skip"),
    parity,
  };
}

const MAX_LINES_PER_SESSION = 8;

/**
 * `name (file) step N "id"`: how every failure names its step.
 *
 * @example
 * stepLabel({ manifest: "tail", file: "/repo/conformance/03-tail.json", index: 9, id: "since-1" })
 * // 'tail (03-tail.json) step 9 "since-1"'
 */
export function stepLabel(r: {
  manifest: string;
  file: string;
  index: number;
  id: string;
}): string {
  return `${r.manifest} (${basename(r.file)}) step ${r.index} "${r.id}"`;
}

/**
 * The human report: failures first (one line per problem, at most a few per session unless
 * `verbose`), then parity differences, then skipped steps with their reasons when `verbose`,
 * then the summary line.
 *
 * @example
 * const report = await runSuite({ manifests, drivers });
 * console.log(formatReport(report, true));
 */
export function formatReport(report: SuiteReport, verbose = false): string {
  const lines: string[] = [];
  // Later steps of a session often fail because an earlier one did: the first failures of each
  // session are the ones to read, so at most MAX_LINES_PER_SESSION are printed (all when verbose).
  const printed = new Map<string, number>();
  for (const r of report.records) {
    if (r.status !== "fail") continue;
    const session = `${r.file}\u0000${r.driver}`;
    for (const failure of r.failures) {
      const count = (printed.get(session) ?? 0) + 1;
      printed.set(session, count);
      if (verbose || count <= MAX_LINES_PER_SESSION)
        lines.push(`FAIL ${stepLabel(r)} [${r.driver}]: ${failure}`);
    }
  }
  for (const [session, count] of printed) {
    if (verbose || count <= MAX_LINES_PER_SESSION) continue;
    const [file, driver] = session.split("\u0000");
    lines.push(
      `... ${count - MAX_LINES_PER_SESSION} more failure lines in ${basename(file ?? "")} [${driver}] (--verbose shows all)`,
    );
  }
  for (const p of report.parity.failures) lines.push(`PARITY ${stepLabel(p)}: ${p.detail}`);
  if (verbose) {
    for (const r of report.records) {
      if (r.status === "skip") lines.push(`skip ${stepLabel(r)} [${r.driver}]: ${r.reason ?? ""}`);
    }
  }
  const runs = report.steps * report.drivers.length;
  lines.push(
    `conformance: ${report.manifests} manifests, ${report.steps} steps × ${report.drivers.length} drivers (${report.drivers.join(", ")}) = ${runs} step runs: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped; parity: ${report.parity.compared} steps compared, ${report.parity.failures.length} differ${report.ok ? "" : " — FAILED"}`,
  );
  return lines.join("\n");
}
