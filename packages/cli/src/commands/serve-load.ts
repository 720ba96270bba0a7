/**
 * Loads `@spool/server` for the serve commands (and only for them: this module is reached only
 * through their lazily imported modules).
 *
 * Invariants: the import happens after a `statSync` of a regular file. Node 20's
 * `fs.realpathSync` with a cache (which its ESM resolver uses) consults a process-wide stat
 * buffer that still describes the last file stat-ed; when that was stdout as a pipe (the CLI's
 * io checks it), resolution stops early and a symlinked workspace package resolves to its
 * unresolved path, where its own dependencies cannot be found (ERR_MODULE_NOT_FOUND). Refreshing
 * the buffer first keeps the resolution correct.
 */
import { statSync } from "node:fs";

statSync(process.execPath);

/** The @spool/server module. */
export const server: typeof import("@spool/server") = await import("@spool/server");
