/**
 * `spool version [--format pretty|jsonl|json] [--jsonl] [--json]`: the versions of spool,
 * @spool/core and Node.
 *
 * Invariants: human text on a terminal, one JSON line `{"spool","core","node","platform"}`
 * otherwise, unless the output flags choose (jsonl and json print the same line); a bare
 * `spool version` never reaches this module (cli.ts answers it from lib/version-info.ts).
 */
import type { CommandModule } from "../lib/command.js";
import { commandOptions } from "../lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat, terminalDefault } from "../lib/output-format.js";
import { versionText } from "../lib/version-info.js";

const OPTIONS = commandOptions(
  "version",
  {},
  {
    ...DOCUMENT_OUTPUT,
    format: {
      ...DOCUMENT_OUTPUT.format,
      describe: "pretty (default on a terminal), jsonl or json (the same one line)",
    },
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,
  async run(raw, ctx) {
    const format = outputFormat(OPTIONS.parse(raw), "document", terminalDefault(ctx.io.stdoutTty));
    void ctx.io.out.write(versionText(format === "pretty"));
    return 0;
  },
};
