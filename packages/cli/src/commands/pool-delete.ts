/**
 * `spool pool delete NAME... [--force] [--json]`: deletes pool files, best effort.
 *
 * Invariants: every name is tried even after a failure; core refuses files that are not pools
 * (Usage) and pools open in any process (Busy) unless `--force` (never mid-append); the status is the exit code of the first failure;
 * `--json` prints `{"deleted":[{"name","path"}]}` for the pools that were deleted.
 */
import { deletePool, resolvePoolRef, type SpoolError } from "@spool/core";
import type { CommandModule } from "../lib/command.js";
import { toSpoolError } from "../lib/errors.js";
import { printJson, printJsonLines, reportFailures } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { paint } from "../lib/style.js";

const OPTIONS = commandOptions(
  "pool delete",
  { pools: { type: "string", repeatable: true, describe: "Pool names or paths" } },
  {
    force: {
      type: "boolean",
      describe:
        "Delete even while other processes have the pool open (their later messages are lost)",
    },
    ...DOCUMENT_OUTPUT,
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    const deleted: { name: string; path: string }[] = [];
    const failures: SpoolError[] = [];
    for (const ref of args.pools) {
      try {
        const resolved = resolvePoolRef(ref, { dir: ctx.dir });
        deletePool(ref, { dir: ctx.dir, force: args.force });
        deleted.push({
          name: resolved.name,
          path: resolved.kind === "local" ? resolved.path : resolved.url,
        });
      } catch (error) {
        failures.push(toSpoolError(error));
      }
    }
    if (format === "json") printJson(ctx.io, { deleted });
    else if (format === "jsonl") printJsonLines(ctx.io, deleted);
    else
      for (const d of deleted)
        void ctx.io.out.write(
          `${paint(ctx.io.color, "green", "deleted")} ${d.name} ${paint(ctx.io.color, "dim", `(${d.path})`)}\n`,
        );
    return reportFailures(ctx.io, failures);
  },
};
