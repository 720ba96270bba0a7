/**
 * Build-time constants injected by tsup (see tsup.config.ts) with a safe fallback when the
 * sources run unbundled (for example under a type checker).
 */
declare const __SPOOL_CLI_VERSION__: string | undefined;

/** The version of the `spool` package this CLI was built from. */
export const CLI_VERSION: string =
  typeof __SPOOL_CLI_VERSION__ === "string" ? __SPOOL_CLI_VERSION__ : "0.0.0-dev";
