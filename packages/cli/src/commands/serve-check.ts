/**
 * `spool serve check [flags]`: validates a `spool serve` configuration (flags, environment,
 * config file, token file, TLS certificate and key, pool directory) without binding, and prints
 * a summary; on failure the error's kind gives the exit code.
 *
 * Invariants: takes exactly the flags of `spool serve` (one table in @spool/server); never
 * binds a socket or creates the pool directory.
 */
import type { CommandModule } from "../lib/command.js";
import { server } from "./serve-load.js";

const OPTIONS = Object.fromEntries(
  Object.entries(server.flagOptions(server.SERVER_SETTINGS)).filter(([flag]) => flag !== "dir"),
);

export const command: CommandModule = {
  builder: (y) => y.options(OPTIONS),
  run: (raw, ctx) =>
    server.runCheck({ ...raw, dir: ctx.dir }, process.env, {
      out: (text) => void ctx.io.out.write(text),
      err: (line) => ctx.io.errLine(line),
    }),
};
