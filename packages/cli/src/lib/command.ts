/**
 * The contract between the front end (main.ts) and one command module.
 *
 * Invariants: a command module only declares its options (builder) and runs (run); it never
 * parses process.argv, never calls process.exit, and reports failure by throwing a SpoolError or
 * returning a non-zero status. Validation of the parsed options happens inside `run` (zod).
 */
import type { Argv } from "yargs";
import type { Io } from "./io.js";

/** What every command receives besides its own options. */
export interface Context {
  io: Io;
  /** `--dir`, if given (else SPOOL_DIR, else ~/.spool/pools, resolved by core). */
  dir: string | undefined;
}

/** Parsed options, before validation. */
export type RawArgs = Record<string, unknown>;

export interface CommandModule {
  /** Declares positionals and options on the command's yargs instance. */
  builder(y: Argv): Argv;
  /** Runs the command; resolves to the exit status. */
  run(args: RawArgs, ctx: Context): Promise<number>;
}
