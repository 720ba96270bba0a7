/**
 * `spool pool delete NAME... [--force] [--json]`: deletes pool files, best effort.
 *
 * Invariants: every name is tried even after a failure; core refuses files that are not pools
 * (Usage) and pools open in any process (Busy) unless `--force` (never mid-append); the status is the exit code of the first failure;
 * `--json` prints `{"deleted":[{"name","path"}]}` for the pools that were deleted.
 */
import { deletePool, resolvePoolRef, type SpoolError } from "@spool/core";
import * as z from "zod/mini";
import { parseArgs } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { toSpoolError } from "../lib/errors.js";
import { printJson, reportFailures } from "../lib/json-output.js";
import { paint } from "../lib/style.js";

const Args = z.object({ pools: z.array(z.string()), json: z.boolean(), force: z.boolean() });

export const command: CommandModule = {
  builder: (y) =>
    y
      .positional("pools", { type: "string", array: true, describe: "Pool names or paths" })
      .option("force", {
        type: "boolean",
        default: false,
        describe:
          "Delete even while other processes have the pool open (their later messages are lost)",
      })
      .option("json", { type: "boolean", default: false, describe: "Print JSON" }),

  async run(raw, ctx) {
    const args = parseArgs(Args, raw, "pool delete", ["pools"]);
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
    if (args.json) printJson(ctx.io, { deleted });
    else
      for (const d of deleted)
        void ctx.io.out.write(
          `${paint(ctx.io.color, "green", "deleted")} ${d.name} ${paint(ctx.io.color, "dim", `(${d.path})`)}\n`,
        );
    return reportFailures(ctx.io, failures);
  },
};
