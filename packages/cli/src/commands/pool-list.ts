/**
 * `spool pool list [nats://HOST:PORT] [--json]`: the pools of the pool directory, or of a NATS
 * JetStream engine (the operand, else --engine / SPOOL_ENGINE), sorted by name.
 *
 * Invariants: one unreadable pool never fails the listing (it is listed with its error); a
 * missing directory lists as empty; `--json` prints `{"pools":[PoolInfo | {name,path,error}]}`,
 * the same shape for both engines; NATS is loaded only when an engine is listed.
 */
import { listPools, type PoolListEntry, poolListEntryJson } from "@spool/core";
import type { CommandModule } from "../lib/command.js";
import { chosenEngine, isNatsRef, refuseEngineFlagsElsewhere } from "../lib/engine-ref.js";
import { usage } from "../lib/errors.js";
import { printJson, printJsonLines } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { humanBytes } from "../lib/pool-json.js";
import { ENGINE_OPTIONS, engineAccess } from "../lib/shared-options.js";
import { paint } from "../lib/style.js";

const OPTIONS = commandOptions(
  "pool list",
  {
    location: {
      type: "string",
      optional: true,
      describe:
        "A NATS JetStream engine, nats://HOST:PORT[,HOST:PORT…] (default: --engine, else the pool directory)",
    },
  },
  { ...ENGINE_OPTIONS, ...DOCUMENT_OUTPUT },
);

async function engineEntries(
  location: string,
  where: string,
  access: ReturnType<typeof engineAccess>,
): Promise<PoolListEntry[]> {
  const { EngineSessions } = await import("../lib/engine-target.js");
  const { parseEngineUrl } = await import("@spool/server/nats");
  const sessions = new EngineSessions(access);
  try {
    return await (await sessions.engine(parseEngineUrl(location, where))).list();
  } finally {
    await sessions.close();
  }
}

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const format = outputFormat(args, "document", "pretty");
    const access = engineAccess(args);
    if (args.location !== undefined && !isNatsRef(args.location)) {
      throw usage(
        `pool list takes a NATS engine (nats://HOST:PORT), not ${JSON.stringify(args.location)}`,
        "list a pool directory with --dir DIR (or SPOOL_DIR), a NATS engine with nats://HOST:PORT",
      );
    }
    const engine =
      args.location !== undefined
        ? { url: args.location, where: "the engine operand" }
        : chosenEngine(access);
    if (!engine) refuseEngineFlagsElsewhere("the pool directory", access);
    const entries = engine
      ? await engineEntries(engine.url, engine.where, access)
      : listPools({ dir: ctx.dir });
    if (format === "json") {
      printJson(ctx.io, { pools: entries.map(poolListEntryJson) });
      return 0;
    }
    if (format === "jsonl") {
      printJsonLines(ctx.io, entries.map(poolListEntryJson));
      return 0;
    }
    const c = ctx.io.color;
    if (entries.length === 0) {
      void ctx.io.out.write(`${paint(c, "dim", "no pools")}\n`);
      return 0;
    }
    const width = Math.max(4, ...entries.map((e) => e.name.length));
    void ctx.io.out.write(
      `${paint(c, "bold", `${"NAME".padEnd(width)}  ${"SIZE".padStart(9)}  ${"MESSAGES".padStart(9)}  SEQS`)}\n`,
    );
    for (const e of entries) {
      if (!e.info) {
        void ctx.io.out.write(
          `${e.name.padEnd(width)}  ${paint(c, "red", `${e.error?.kind ?? "Error"}: ${e.error?.message ?? ""}`)}\n`,
        );
        continue;
      }
      const seqs = e.info.bounds ? `${e.info.bounds.oldest}..${e.info.bounds.newest}` : "-";
      void ctx.io.out.write(
        `${e.name.padEnd(width)}  ${humanBytes(e.info.fileSize).padStart(9)}  ${String(e.info.messageCount).padStart(9)}  ${seqs}\n`,
      );
    }
    return 0;
  },
};
