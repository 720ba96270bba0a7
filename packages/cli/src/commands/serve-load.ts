/**
 * Loads `@spool/server` for the serve commands (and only for them: this module is reached only
 * through their lazily imported modules, so other commands never pay for the server's code).
 *
 * Invariants: the import resolves through the workspace symlink correctly because io.ts resets
 * Node 20's shared stat buffer after checking for pipes (see `isPipe`).
 */

/** The @spool/server module. */
export const server: typeof import("@spool/server") = await import("@spool/server");
