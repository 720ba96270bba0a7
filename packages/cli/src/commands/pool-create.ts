/**
 * `spool pool create NAME... [--size 64M] [--index-capacity N] [--ledger-size 64K] [--replicas 1|3|5] [--json]`.
 *
 * Invariants: never truncates or replaces an existing pool (core's create, or the engine's);
 * best effort over the names (each is tried; the status is the exit code of the first failure);
 * `--json` prints `{"pools":[PoolInfo...]}` with the pools that were created; a name on a NATS
 * JetStream engine (`nats://…/POOL`, or a bare name with --engine) is created there, and the
 * options of the other kind of pool (`--index-capacity`, `--ledger-size` for files, `--replicas`
 * for JetStream) are Usage for it, before anything is created.
 */
import { createPool, type PoolInfo, parseSize, type SpoolError } from "@spool/core";
import type { CommandModule } from "../lib/command.js";
import { isEnginePool, refuseEngineFlagsElsewhere } from "../lib/engine-ref.js";
import { toSpoolError, usage } from "../lib/errors.js";
import { printJson, printJsonLines, reportFailures } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { humanBytes, poolInfoJson } from "../lib/pool-json.js";
import { ENGINE_OPTIONS, engineAccess } from "../lib/shared-options.js";
import { paint } from "../lib/style.js";

const OPTIONS = commandOptions(
  "pool create",
  {
    names: {
      type: "string",
      repeatable: true,
      describe: "Pool names, paths or nats://HOST:PORT/POOL references",
    },
  },
  {
    size: { type: "string", describe: "Pool size: bytes or 16K..1T (default 1M)" },
    "index-capacity": {
      type: "number",
      int: true,
      min: 1,
      describe: "seq→offset index slots (default: one per 512 bytes; file pools)",
    },
    "ledger-size": {
      type: "string",
      describe:
        "bytes kept for producer state: 2K..64M, a multiple of 16 (default 1/32 of the pool, up to 8M; file pools)",
    },
    replicas: {
      type: "number",
      int: true,
      min: 1,
      describe: "Copies a JetStream pool keeps: 1, 3 or 5 (default 1; JetStream pools)",
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
    if (args.size !== undefined) parseSize(args.size); // fail before creating anything
    const access = engineAccess(args);
    const onEngine = args.names.filter((name) => isEnginePool(name, access));
    const onFiles = args.names.filter((name) => !isEnginePool(name, access));
    if (onEngine.length === 0) refuseEngineFlagsElsewhere(onFiles[0] ?? "", access);
    if (args.replicas !== undefined && ![1, 3, 5].includes(args.replicas)) {
      throw usage(
        `--replicas must be 1, 3 or 5 (got ${args.replicas})`,
        "a JetStream pool keeps 1, 3 or 5 copies (an odd number, for its Raft quorum)",
      );
    }
    if (args.replicas !== undefined && onFiles.length > 0) {
      throw usage(
        `--replicas applies to NATS JetStream pools only, and ${onFiles[0]} is a file pool`,
        "name the pool as nats://HOST:PORT/POOL (or give --engine), or leave --replicas out",
      );
    }
    const fileOnly = [
      args.indexCapacity === undefined ? undefined : "--index-capacity",
      args.ledgerSize === undefined ? undefined : "--ledger-size",
    ].filter((flag) => flag !== undefined);
    if (fileOnly.length > 0 && onEngine.length > 0) {
      throw usage(
        `${fileOnly.join(" and ")} ${fileOnly.length === 1 ? "applies" : "apply"} to file pools only, and ${onEngine[0]} is a JetStream pool`,
        "a JetStream pool has no index or producer ledger to size: leave the flag out (--size and --replicas apply)",
      );
    }
    const created: PoolInfo[] = [];
    const failures: SpoolError[] = [];
    // NATS is loaded only when a name is on an engine
    const engines = onEngine.length === 0 ? undefined : await import("../lib/engine-target.js");
    const sessions = engines && new engines.EngineSessions(access);
    try {
      for (const name of args.names) {
        try {
          if (engines && sessions && isEnginePool(name, access)) {
            const ref = engines.engineRefOf(name, access);
            const engine = await sessions.engine(ref.engine);
            const pool = await engine.create(ref.name, {
              ...(args.size === undefined ? {} : { size: args.size }),
              ...(args.replicas === undefined ? {} : { replicas: args.replicas }),
            });
            created.push(await pool.info());
            await pool.close();
            continue;
          }
          const pool = createPool(name, {
            dir: ctx.dir,
            ...(args.size === undefined ? {} : { size: args.size }),
            ...(args.indexCapacity === undefined ? {} : { indexCapacity: args.indexCapacity }),
            ...(args.ledgerSize === undefined ? {} : { ledgerSize: args.ledgerSize }),
          });
          created.push(pool.info());
          pool.close();
        } catch (error) {
          failures.push(toSpoolError(error));
        }
      }
    } finally {
      await sessions?.close();
    }
    if (format === "json") printJson(ctx.io, { pools: created.map(poolInfoJson) });
    else if (format === "jsonl") printJsonLines(ctx.io, created.map(poolInfoJson));
    else {
      for (const info of created) {
        void ctx.io.out.write(
          `${paint(ctx.io.color, "green", "created")} ${info.name} ${paint(ctx.io.color, "dim", `(${humanBytes(info.fileSize)}, ${info.path})`)}\n`,
        );
      }
    }
    return reportFailures(ctx.io, failures);
  },
};
