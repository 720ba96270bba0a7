/**
 * The driver interface: how the runner reaches one Spool surface. A driver turns one resolved
 * step (an op, a pool reference, an input) into an outcome in the surface-neutral shapes of
 * conformance/manifest-v0.md; the runner does everything else (fixtures, variables,
 * normalisation, expectations, parity).
 *
 * Invariants: a driver never throws for a Spool error (it returns an `error` outcome); a step a
 * surface cannot express is `skipped` with a reason, never faked; a breach of the surface's own
 * contract that the error shape alone cannot show (an exit code or HTTP status that does not
 * match the error kind, a missing error line) is reported in `violations`, which fails the step.
 */
import type { SpoolErrorJson } from "@spool/core";

/** One step as a driver sees it: variables resolved, pool reference made absolute if a path. */
export interface DriverStep {
  /** The manifest's op name (`create`, `info`, `list`, `delete`, `append`, ...). */
  op: string;
  /** The pool reference: a bare name (resolved by the surface in `poolDir`) or an absolute path. */
  pool: string | undefined;
  /** The op's input, variables resolved. */
  input: Record<string, unknown>;
  /** The step's `surface_input[driver name]` (variables resolved), when the manifest gives one. */
  surface?: Record<string, unknown>;
}

/** How a surface names pool files in its answers (see `Driver.paths`). */
export type PathStyle = "absolute" | "served";

/** What running a step on a surface gave. */
export type Outcome =
  | {
      status: "ok";
      result: unknown;
      /**
       * The exact JSONL line (without its newline) of every envelope the result holds, in order,
       * as the surface rendered it (core's `toJsonLine`, the CLI's output lines, the HTTP
       * bytes): parity compares these bytes, not parsed values.
       */
      lines?: string[];
      code?: number;
      violations?: string[];
    }
  | { status: "error"; error: SpoolErrorJson; code?: number; violations?: string[] }
  | { status: "skipped"; reason: string };

/** Where a session runs and what the manifest asks of the surface. */
export interface SessionContext {
  /** A fresh, empty temporary directory: the session's POOL_DIR (not yet created on disk). */
  poolDir: string;
  /** The manifest's name. */
  manifest: string;
  /** The manifest's `surface_options[driver name]`, or `{}`. */
  options: Record<string, unknown>;
}

/** A driver's state for one manifest run (a server, a temp dir, ...). */
export interface DriverSession {
  run(step: DriverStep): Promise<Outcome>;
  /**
   * Optional: called after the runner changed the session's files behind the surface (a
   * fixture step: damaged or truncated a pool, changed a mode, held a pool open). A surface that
   * keeps pools open across steps (a server's pool cache) starts afresh here, the way the api and
   * cli drivers open every pool afresh at every step; the step that follows then sees the files
   * as they are now.
   */
  filesChanged?(fixture: DriverStep): Promise<void>;
  close(): Promise<void>;
}

/**
 * A surface under test.
 *
 * @example
 * const driver: Driver = { name: "api", open: async (ctx) => ({ run: ..., close: async () => {} }) };
 */
export interface Driver {
  /** The driver's name in reports (unique in a run; the surface's name unless `surface` is set). */
  readonly name: string;
  /**
   * The surface manifests name in `surfaces`, `surface_input`, `surface_options` and `codes`
   * (`api`, `cli`, `http`); default `name`. Two drivers of one surface on different engines
   * (`api` and `api-jetstream`) share it.
   */
  readonly surface?: string;
  /**
   * How the surface names pool files in its answers (PoolInfo `path`, error `path`):
   * `absolute` (the default: the library and the CLI give absolute paths) or `served` (names
   * inside the served pool directory, `a.spool`: HTTP, spec/http/v0 §2.2). The runner turns
   * served paths back into absolute ones before expectations and parity (normalise.ts,
   * `servedPaths`): this is the suite's one intended difference between surfaces.
   */
  readonly paths?: PathStyle;
  open(context: SessionContext): Promise<DriverSession>;
}
