/**
 * `spool pool delete NAME... [--force] [--json]`: deletes pool files, best effort.
 *
 * Invariants: every name is tried even after a failure; core refuses files that are not pools
 * (Usage) and pools open in any process (Busy) unless `--force` (never mid-append); the status is the exit code of the first failure;
 * `--json` prints `{"deleted":[{"name","path"}]}` for the pools that were deleted; a JetStream
 * pool (`nats://…/POOL`, or a bare name with --engine) is deleted on its engine (Busy while
 * JetStream consumers read it, unless `--force`), and only then is NATS loaded.
 */
import { deletePool, resolvePoolRef, type SpoolError } from "@spool/core";
import type { CommandModule } from "../lib/command.js";
import { isEnginePool, refuseEngineFlagsElsewhere } from "../lib/engine-ref.js";
import { toSpoolError } from "../lib/errors.js";
import { printJson, printJsonLines, reportFailures } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { ENGINE_OPTIONS, engineAccess } from "../lib/shared-options.js";
import { paint } from "../lib/style.js";

const OPTIONS = commandOptions(
  "pool delete",
  {
    pools: {
      type: "string",
      repeatable: true,
      describe: "Pool names, paths or nats://HOST:PORT/POOL references",
    },
  },
  {
    force: {
      type: "boolean",
      describe:
        "Delete even while other processes have the pool open (their later messages are lost)",
    },
    ...ENGINE_OPTIONS,
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
    const access = engineAccess(args);
    const onEngine = args.pools.some((ref) => isEnginePool(ref, access));
    if (!onEngine) refuseEngineFlagsElsewhere(args.pools[0] ?? "", access);
    // NATS is loaded only when a pool is on an engine
    const engines = onEngine ? await import("../lib/engine-target.js") : undefined;
    const sessions = engines && new engines.EngineSessions(access);
    for (const ref of args.pools) {
      try {
        if (engines && sessions && isEnginePool(ref, access)) {
          const { engine: location, name } = engines.engineRefOf(ref, access);
          const engine = await sessions.engine(location);
          await engine.delete(name, { force: args.force });
          deleted.push({ name, path: `${engine.location}/${name}` });
          continue;
        }
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
    await sessions?.close();
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
