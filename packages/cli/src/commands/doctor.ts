/**
 * `spool doctor POOL | --all [--json]`: runs core's verify (read-only, lock-free) and reports.
 *
 * Invariants: never writes to a pool; status 0 only when every pool verified without an
 * error-severity issue, else the exit code of the first such issue's kind (Corrupt → 7,
 * NotFound → 3, …); warnings alone keep status 0; `--json` prints
 * `{"ok":bool,"pools":[{name,path,ok,messages,bounds,issues}]}`.
 */
import {
  boundsJson,
  EXIT_CODES,
  listPools,
  poolNameOf,
  resolvePoolRef,
  type VerifyReport,
  verifyPool,
} from "@spool/core";
import type { CommandModule, Context } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { printJson, printJsonLines } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { POOL_OPERAND } from "../lib/shared-options.js";
import { paint } from "../lib/style.js";
import { remoteNotSupported } from "../lib/target.js";

const OPTIONS = commandOptions(
  "doctor",
  { pool: { ...POOL_OPERAND, optional: true } },
  {
    all: { type: "boolean", describe: "Verify every pool of the pool directory" },
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
    const paths: string[] = [];
    if (args.pool !== undefined) {
      const ref = resolvePoolRef(args.pool, { dir: ctx.dir });
      if (ref.kind === "remote") throw remoteNotSupported(args.pool, "doctor");
      paths.push(ref.path);
    } else {
      for (const entry of listPools({ dir: ctx.dir })) paths.push(entry.path);
    }
    const reports = paths.map((path) => verifyPool(path));
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
