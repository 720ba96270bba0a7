/**
 * `spool fetch POOL SEQ`: one message as its JSON envelope.
 *
 * Invariants: piped output is exactly the envelope's JSONL line (stored bytes, as `follow
 * --jsonl` prints it); a terminal gets it indented and coloured; a missing or overwritten seq is
 * NotFound (exit 3) carrying `seq`.
 */
import * as z from "zod/mini";
import { parseArgs } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { messageLine } from "../lib/envelope.js";
import { dataLine, indentedEnvelope, prettyData } from "../lib/render.js";
import { remoteAccess, remoteArgs, withRemoteOptions } from "../lib/shared-options.js";
import { openTarget } from "../lib/target.js";

const Args = z.object({
  pool: z.string(),
  seq: z.int().check(z.minimum(1)),
  format: z.optional(z.enum(["pretty", "jsonl"])),
  jsonl: z.boolean(),
  dataOnly: z.boolean(),
  ...remoteArgs,
});

export const command: CommandModule = {
  builder: (y) =>
    withRemoteOptions(y)
      .positional("pool", { type: "string", describe: "Pool name or path" })
      .positional("seq", { type: "number", describe: "Sequence number" })
      .option("format", {
        choices: ["pretty", "jsonl"],
        describe: "pretty (default on a terminal) or jsonl",
      })
      .option("jsonl", { type: "boolean", default: false, describe: "Same as --format jsonl" })
      .option("data-only", { type: "boolean", default: false, describe: "Print only the data" }),

  async run(raw, ctx) {
    const args = parseArgs(Args, raw, "fetch", ["pool", "seq"]);
    const pretty = args.jsonl
      ? false
      : (args.format ?? (ctx.io.stdoutTty ? "pretty" : "jsonl")) === "pretty";
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      readOnly: true,
      remote: remoteAccess(args),
    });
    try {
      const line = messageLine(await target.get(args.seq));
      if (args.dataOnly)
        void ctx.io.out.write(pretty ? prettyData(line, ctx.io.color) : dataLine(line));
      else void ctx.io.out.write(pretty ? indentedEnvelope(line, ctx.io.color) : line);
    } finally {
      target.close();
    }
    return 0;
  },
};
