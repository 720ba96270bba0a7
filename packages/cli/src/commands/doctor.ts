/**
 * `spool doctor POOL | --all [--json]`: runs core's verify (read-only, lock-free) and reports.
 *
 * Invariants: never writes to a pool; status 0 only when every pool verified without an
 * error-severity issue, else the exit code of the first such issue's kind (Corrupt → 7,
 * NotFound → 3, …); warnings alone keep status 0; `--json` prints
 * `{"ok":bool,"pools":[{name,path,ok,messages,bounds,issues}]}`. A JetStream pool (`nats://…/POOL`,
 * or a bare name / `--all` with --engine) is checked through its engine instead of verify: it
 * opens, its info and its newest message read, and its stream's health (leader, quorum, copies
 * current) gives the issues (the engine's `healthIssues`); NATS is loaded only then.
 */
import {
  boundsJson,
  EXIT_CODES,
  listPools,
  poolNameOf,
  resolvePoolRef,
  type VerifyIssue,
  type VerifyReport,
  verifyPool,
} from "@spool/core";
import { ARCHIVE_OPTIONS, archiveUrl } from "../lib/archive-options.js";
import type { CommandModule, Context } from "../lib/command.js";
import {
  chosenEngine,
  type EngineAccess,
  isEnginePool,
  refuseEngineFlagsElsewhere,
} from "../lib/engine-ref.js";
import { toSpoolError, usage } from "../lib/errors.js";
import { printJson, printJsonLines } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { ENGINE_OPTIONS, engineAccess, POOL_OPERAND } from "../lib/shared-options.js";
import { paint } from "../lib/style.js";
import { remoteNotSupported } from "../lib/target.js";

const OPTIONS = commandOptions(
  "doctor",
  { pool: { ...POOL_OPERAND, optional: true } },
  {
    all: {
      type: "boolean",
      describe: "Verify every pool of the pool directory (with --engine: of the engine)",
    },
    ...ENGINE_OPTIONS,
    ...ARCHIVE_OPTIONS,
    ...DOCUMENT_OUTPUT,
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    if ((args.pool === undefined) === !args.all) {
      throw usage(
        "give one POOL or --all",
        "run `spool doctor NAME` for one pool, or `spool doctor --all` for the pool directory",
      );
    }
    const access = engineAccess(args);
    const onEngine =
      args.pool === undefined
        ? chosenEngine(access) !== undefined
        : isEnginePool(args.pool, access);
    let reports: VerifyReport[];
    if (onEngine) reports = await checkEngine(args.pool, access);
    else {
      refuseEngineFlagsElsewhere(args.pool ?? "the pool directory", access);
      const paths: string[] = [];
      if (args.pool !== undefined) {
        const ref = resolvePoolRef(args.pool, { dir: ctx.dir });
        if (ref.kind === "remote") throw remoteNotSupported(args.pool, "doctor");
        paths.push(ref.path);
      } else {
        for (const entry of listPools({ dir: ctx.dir })) paths.push(entry.path);
      }
      reports = paths.map((path) => verifyPool(path));
      const archiveAt = archiveUrl(args);
      if (archiveAt !== undefined) {
        const { checkArchives } = await import("../lib/archive-target.js");
        reports = await checkArchives(reports, archiveAt);
      }
    }
    // Bounds in the wire spelling of PoolInfo: {} for an empty pool (spec/cli/v0).
    const pools = () =>
      reports.map((r) => ({ name: poolNameOf(r.path), ...r, bounds: boundsJson(r.bounds) }));
    if (format === "json") printJson(ctx.io, { ok: reports.every((r) => r.ok), pools: pools() });
    else if (format === "jsonl") printJsonLines(ctx.io, pools());
    else {
      printHuman(ctx, reports);
    }
    const firstError = reports.flatMap((r) => r.issues).find((issue) => issue.severity === "error");
    return firstError ? EXIT_CODES[firstError.kind] : 0;
  },
};

/** Reports for one engine pool (`ref`), or every pool of the chosen engine (`--all`). */
async function checkEngine(ref: string | undefined, access: EngineAccess): Promise<VerifyReport[]> {
  const { EngineSessions, engineRefOf } = await import("../lib/engine-target.js");
  const { parseEngineUrl } = await import("@spool/server/nats");
  const { healthOf } = await import("../lib/engine-health.js");
  const { healthIssues } = await import("@spool/jetstream");
  const sessions = new EngineSessions(access);
  try {
    let location: string;
    let names: string[];
    if (ref !== undefined) {
      const at = engineRefOf(ref, access);
      location = at.engine;
      names = [at.name];
    } else {
      const chosen = chosenEngine(access) as { url: string; where: string };
      location = parseEngineUrl(chosen.url, chosen.where);
      names = (await (await sessions.engine(location)).list()).map((entry) => entry.name);
    }
    const engine = await sessions.engine(location);
    const reports: VerifyReport[] = [];
    for (const name of names) {
      const path = `${engine.location}/${name}`;
      try {
        const pool = await engine.open(name);
        const info = await pool.info();
        if (info.bounds) await pool.get(info.bounds.newest);
        const health = healthOf(info);
        const issues: VerifyIssue[] = health ? healthIssues(health, path) : [];
        reports.push({
          path,
          ok: !issues.some((issue) => issue.severity === "error"),
          messages: info.messageCount,
          bounds: info.bounds,
          issues,
        });
      } catch (error) {
        const e = toSpoolError(error);
        reports.push({
          path,
          ok: false,
          messages: 0,
          bounds: null,
          issues: [{ kind: e.kind, severity: "error", message: e.message, path }],
        });
      }
    }
    return reports;
  } finally {
    await sessions.close();
  }
}

function printHuman(ctx: Context, reports: readonly VerifyReport[]): void {
  const c = ctx.io.color;
  if (reports.length === 0) void ctx.io.out.write(`${paint(c, "dim", "no pools to check")}\n`);
  for (const r of reports) {
    const name = poolNameOf(r.path);
    const range = r.bounds ? `, seq ${r.bounds.oldest}..${r.bounds.newest}` : "";
    const status = r.ok ? paint(c, "green", "ok  ") : paint(c, "red", "FAIL");
    void ctx.io.out.write(
      `${status} ${name} ${paint(c, "dim", `(${r.messages} messages${range}; ${r.path})`)}\n`,
    );
    for (const issue of r.issues) {
      const sev =
        issue.severity === "error" ? paint(c, "red", "error") : paint(c, "yellow", "warning");
      const where = [
        issue.seq === undefined ? "" : `seq ${issue.seq}`,
        issue.offset === undefined ? "" : `offset ${issue.offset}`,
      ]
        .filter(Boolean)
        .join(", ");
      void ctx.io.out.write(
        `     ${sev} ${issue.kind}: ${issue.message}${where ? ` (${where})` : ""}\n`,
      );
    }
  }
}
