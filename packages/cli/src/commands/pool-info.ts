/**
 * `spool pool info POOL [--json]`: one pool's layout, bounds and usage (and, for a pool on a
 * replicated engine, the health of its copies).
 *
 * Invariants: read-only (opens without write access); `--json` prints `{"pool": PoolInfo}` in
 * the wire spelling of lib/pool-json.ts; a JetStream pool (`nats://…/POOL`, or a bare name with
 * --engine) is read through the engine, and only then is NATS loaded.
 */
import { ARCHIVE_OPTIONS, archiveUrl } from "../lib/archive-options.js";
import type { CommandModule } from "../lib/command.js";
import { printJson } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { poolInfoJson, poolInfoText } from "../lib/pool-json.js";
import { ENGINE_OPTIONS, engineAccess, POOL_OPERAND } from "../lib/shared-options.js";
import { openTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "pool info",
  { pool: POOL_OPERAND },
  { ...ENGINE_OPTIONS, ...ARCHIVE_OPTIONS, ...DOCUMENT_OUTPUT },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    const archiveAt = archiveUrl(args);
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      readOnly: true,
      engine: engineAccess(args),
      archive: archiveAt,
    });
    try {
      const info = await target.info();
      const archive =
        archiveAt === undefined ? undefined : await import("../lib/archive-target.js");
      const json = poolInfoJson(info);
      if (format === "json") printJson(ctx.io, { pool: json });
      else if (format === "jsonl") printJson(ctx.io, json);
      else
        void ctx.io.out.write(
          `${poolInfoText(info)}\n${archive ? `${archive.archiveInfoText(info.archive ?? null)}\n` : ""}`,
        );
    } finally {
      target.close();
    }
    return 0;
  },
};
