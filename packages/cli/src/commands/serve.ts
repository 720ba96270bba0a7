/**
 * `spool serve [flags]`: runs the Spool server (the launcher of `@spool/server`, the same one the
 * `spool-server` bin runs) on the pools of the pool directory until SIGINT or SIGTERM.
 *
 * Invariants: flags are declared once, in @spool/server's settings table, and this module only
 * registers them; it is loaded (with @spool/server, hono and the TLS library) only when `serve`
 * runs, so other commands start as fast as before; the global `--dir` is the pool directory;
 * stdout's reader going away (only the banner is printed there) does not stop the server.
 */
import type { CommandModule } from "../lib/command.js";
import { setStdoutClosedHandler } from "../lib/io.js";
import { server } from "./serve-load.js";

/** The server's flags, without `--dir` (the CLI's global option means the same). */
const OPTIONS = Object.fromEntries(
  Object.entries(server.flagOptions(server.SERVER_SETTINGS)).filter(([flag]) => flag !== "dir"),
);

export const command: CommandModule = {
  builder: (y) => y.options(OPTIONS),
  run: (raw, ctx) => {
    // the banner is the only stdout output: a reader going away must not stop the server
    setStdoutClosedHandler(() => {});
    return server.runServe({ ...raw, dir: ctx.dir }, process.env, {
      out: (text) => void ctx.io.out.write(text),
      err: (line) => ctx.io.errLine(line),
    });
  },
};
