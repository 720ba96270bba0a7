/**
 * `spool fetch POOL SEQ`: one message as its JSON envelope.
 *
 * Invariants: piped output is exactly the envelope's JSONL line (stored bytes, as `follow
 * --jsonl` prints it); a terminal gets it indented and coloured; a missing or overwritten seq is
 * NotFound (exit 3) carrying `seq`.
 */
import { ARCHIVE_OPTIONS, archiveUrl } from "../lib/archive-options.js";
import type { CommandModule } from "../lib/command.js";
import { messageLine } from "../lib/envelope.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat, terminalDefault } from "../lib/output-format.js";
import { dataLine, indentedEnvelope, prettyData } from "../lib/render.js";
import {
  ENGINE_OPTIONS,
  engineAccess,
  POOL_OPERAND,
  REMOTE_OPTIONS,
  remoteAccess,
} from "../lib/shared-options.js";
import { openTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "fetch",
  {
    pool: POOL_OPERAND,
    seq: { type: "number", int: true, min: 1, describe: "Sequence number" },
  },
  {
    ...REMOTE_OPTIONS,
    ...ENGINE_OPTIONS,
    ...ARCHIVE_OPTIONS,
    ...DOCUMENT_OUTPUT,
    format: {
      ...DOCUMENT_OUTPUT.format,
      describe: "pretty (default on a terminal), jsonl or json (the same one line)",
    },
    "data-only": { type: "boolean", describe: "Print only the data" },
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    // one message is one document: jsonl and json print the same line
    const pretty = outputFormat(args, "document", terminalDefault(ctx.io.stdoutTty)) === "pretty";
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      readOnly: true,
      remote: remoteAccess(args),
      engine: engineAccess(args),
      archive: archiveUrl(args),
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
