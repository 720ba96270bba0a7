/**
 * `spool serve init [--dir DIR] [--host NAME]... [--force] [--days N]`: writes token.txt,
 * cert.pem and key.pem for a secure `spool serve` (the launcher of `@spool/server`).
 *
 * Invariants: here `--dir` names the directory for these files (default SPOOL_SERVER_DIR, else
 * ~/.spool/server), not the pool directory; existing files are never overwritten without
 * `--force` (AlreadyExists, exit 4); the token is never printed.
 */
import type { CommandModule } from "../lib/command.js";
import { server } from "./serve-load.js";

export const command: CommandModule = {
  builder: (y) => y.options(server.flagOptions(server.INIT_SETTINGS)),
  run: (raw, ctx) =>
    server.runInit(
      { ...raw, dir: ctx.dir },
      { out: (text) => void ctx.io.out.write(text), err: (line) => ctx.io.errLine(line) },
    ),
};
