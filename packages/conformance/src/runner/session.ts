/**
 * Running one manifest through one driver: a fresh temporary pool directory, the steps in
 * order (fixtures by the runner, the rest by the driver), normalisation, expectations and
 * captures.
 *
 * Invariants: steps run strictly in order and one at a time; a step is skipped (with the
 * reason) when its surface list excludes the driver or a step it requires did not pass; every
 * error outcome must carry a hint (spec/api/v0 §7.2) and every result the documented shape
 * (shapes.ts); driver violations fail the step; the
 * temporary directory and every fixture are cleaned up even when a step throws; a step that
 * hangs is cut off after its time limit; after a fixture changed the files, the session's
 * `filesChanged` hook (if any) runs before the next step.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { Driver, Outcome } from "../drivers/types.js";
import type { LoadedManifest } from "../manifest/load.js";
import type { Step } from "../manifest/schema.js";
import { Fixtures } from "./fixtures.js";
import { checkExpect } from "./match.js";
import { type Normalised, normalise, servedPaths } from "./normalise.js";
import { shapeProblems } from "./shapes.js";
import { resolveValue, type Vars, valueAt } from "./values.js";

/** What one step did on one driver. */
export interface StepRecord {
  manifest: string;
  file: string;
  index: number;
  id: string;
  op: string;
  driver: string;
  status: "pass" | "fail" | "skip";
  /** Why it was skipped. */
  reason?: string;
  /** Why it failed (each line one problem). */
  failures: string[];
  /** The normalised outcome (absent for skipped steps). */
  normalised?: Normalised;
  /** Whether the step takes part in parity (surface ops do; fixtures do not). */
  parity: boolean;
}

const STEP_LIMIT_MS = 120_000;

function withLimit<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function pathVars(vars: Vars): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of vars) {
    if (typeof value === "string" && isAbsolute(value) && value.length > 1) out.push([name, value]);
  }
  return out;
}

/**
 * Runs `loaded` through `driver`; returns one record per step.
 *
 * @example
 * const records = await runSession(loaded, apiDriver());
 */
export async function runSession(loaded: LoadedManifest, driver: Driver): Promise<StepRecord[]> {
  const { manifest, file } = loaded;
  const root = realpathSync(mkdtempSync(join(tmpdir(), "spool-conformance-")));
  const poolDir = join(root, "pools");
  const vars: Vars = new Map([["pool_dir", poolDir]]);
  const fixtures = new Fixtures(root, poolDir);
  const records: StepRecord[] = [];
  const passed = new Set<string>();
  const base = (step: Step, index: number) => ({
    manifest: manifest.name,
    file,
    index,
    id: step.id,
    op: step.op,
    driver: driver.name,
    failures: [] as string[],
    parity: !step.op.startsWith("fs."),
  });
  const session = await driver.open({
    poolDir,
    manifest: manifest.name,
    options: manifest.surface_options?.[surfaceOf(driver)] ?? {},
  });
  try {
    for (const [index, step] of manifest.steps.entries()) {
      const record: StepRecord = { ...base(step, index), status: "skip" };
      records.push(record);
      if (step.surfaces && !step.surfaces.includes(surfaceOf(driver))) {
        record.reason = `only on ${step.surfaces.join(", ")}`;
        continue;
      }
      const missing = (step.requires ?? []).find((id) => !passed.has(id));
      if (missing !== undefined) {
        record.reason = `requires step ${missing}, which did not pass on ${driver.name}`;
        continue;
      }
      let outcome: Outcome;
      try {
        const pool = resolveValue(step.pool, vars);
        const input = (resolveValue(step.input ?? {}, vars) ?? {}) as Record<string, unknown>;
        const surfaceInput = step.surface_input?.[surfaceOf(driver)];
        const surface =
          surfaceInput === undefined
            ? {}
            : { surface: resolveValue(surfaceInput, vars) as Record<string, unknown> };
        let ref: string | undefined;
        if (typeof pool === "string")
          ref = pool.includes("/") && !isAbsolute(pool) ? join(poolDir, pool) : pool;
        else if (pool !== undefined) ref = String(pool);
        if (step.op.startsWith("fs.")) {
          outcome = await fixtures.run(step.op, ref, input);
          if (outcome.status !== "skipped" && session.filesChanged)
            await withLimit(
              session.filesChanged({ op: step.op, pool: ref, input }),
              STEP_LIMIT_MS,
              `${driver.name} filesChanged after ${step.op}`,
            );
        } else
          outcome = await withLimit(
            session.run({ op: step.op, pool: ref, input, ...surface }),
            STEP_LIMIT_MS,
            `${driver.name} ${step.op}`,
          );
      } catch (error) {
        record.status = "fail";
        record.failures.push(`the step could not run: ${(error as Error).message}`);
        continue;
      }
      if (outcome.status === "skipped") {
        record.reason = outcome.reason;
        continue;
      }
      if (driver.paths === "served" && !step.op.startsWith("fs.")) {
        // The intended difference `served-paths` (normalise.ts): checked, then made absolute.
        const served = servedPaths(outcome, poolDir);
        outcome = served.outcome;
        record.failures.push(...served.violations);
      }
      const normalised = normalise(outcome, pathVars(vars), step.unordered === true);
      record.normalised = normalised;
      record.failures.push(...(outcome.violations ?? []));
      if (outcome.status === "ok")
        record.failures.push(...shapeProblems(step.op, outcome.result).map((p) => `shape: ${p}`));
      if (outcome.status === "error") {
        const { kind, hint } = outcome.error;
        if (kind !== "Internal" && !(typeof hint === "string" && hint.length > 0))
          record.failures.push(
            `the ${kind} error has no hint (spec/api/v0 §7.2: every error a user can trigger has one)`,
          );
      }
      record.failures.push(
        ...checkExpect(
          step.expect,
          normalised,
          outcome.status === "error" ? outcome.error.message : undefined,
          outcome.code,
          surfaceOf(driver),
        ),
      );
      if (outcome.status === "ok") {
        for (const [name, path] of Object.entries(step.capture ?? {})) {
          const value = valueAt(outcome.result, path);
          if (value === undefined) record.failures.push(`capture ${name}: result has no ${path}`);
          else vars.set(name, value);
        }
      }
      record.status = record.failures.length === 0 ? "pass" : "fail";
      if (record.status === "pass") passed.add(step.id);
    }
  } finally {
    await session.close().catch(() => {});
    await fixtures.close();
    rmSync(root, { recursive: true, force: true });
  }
  return records;
}

/** The surface a driver stands for in manifests (`surfaces`, `surface_input`, `codes`). */
function surfaceOf(driver: Driver): string {
  return driver.surface ?? driver.name;
}
