/**
 * `spool pool list [--json]`: the pools of the pool directory, sorted by name.
 *
 * Invariants: one unreadable pool never fails the listing (it is listed with its error); a
 * missing directory lists as empty; `--json` prints `{"pools":[PoolInfo | {name,path,error}]}`.
 */
import { listPools, poolListEntryJson } from "@spool/core";
import type { CommandModule } from "../lib/command.js";
import { printJson, printJsonLines } from "../lib/json-output.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat } from "../lib/output-format.js";
import { humanBytes } from "../lib/pool-json.js";
import { paint } from "../lib/style.js";

const OPTIONS = commandOptions("pool list", {}, DOCUMENT_OUTPUT);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const format = outputFormat(OPTIONS.parse(raw), "document", "pretty");
    const entries = listPools({ dir: ctx.dir });
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
