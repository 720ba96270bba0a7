/**
 * The error vocabulary shared by every Spool surface.
 *
 * Invariants: the ten kinds are stable names (new kinds are only ever added, at the end); every kind maps to exactly one CLI exit code and
 * one HTTP status (exhaustive tables, checked by the compiler); `SpoolError` is the only error
 * class core throws for conditions a user can cause, and carries an actionable `hint`.
 */

/** The stable error kinds. */
export const ErrorKind = {
  Internal: "Internal",
  Usage: "Usage",
  NotFound: "NotFound",
  AlreadyExists: "AlreadyExists",
  Busy: "Busy",
  Permission: "Permission",
  Corrupt: "Corrupt",
  Io: "Io",
  RetentionGap: "RetentionGap",
  Conflict: "Conflict",
} as const;

/** One of the ten error kinds. */
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** All kinds, in table order. */
export const ERROR_KINDS: readonly ErrorKind[] = Object.values(ErrorKind);

/** CLI exit code for each kind. */
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  Internal: 1,
  Usage: 2,
  NotFound: 3,
  AlreadyExists: 4,
  Busy: 5,
  Permission: 6,
  Corrupt: 7,
  Io: 8,
  RetentionGap: 9,
  Conflict: 10,
};

/** HTTP status for each kind (Permission is 401 instead when the token is missing or wrong). */
export const HTTP_STATUSES: Readonly<Record<ErrorKind, number>> = {
  Internal: 500,
  Usage: 400,
  NotFound: 404,
  AlreadyExists: 409,
  Busy: 423,
  Permission: 403,
  Corrupt: 500,
  Io: 500,
  RetentionGap: 410,
  Conflict: 409,
};

/** Exit code of a CLI `follow`/tail that ended on its timeout. */
export const TIMEOUT_EXIT_CODE = 124;

/** Context a `SpoolError` may carry besides its kind and message. */
export interface SpoolErrorDetails extends ErrorOptions {
  /** What the user can do next. */
  hint?: string | undefined;
  /** The file the error is about. */
  path?: string | undefined;
  /** The message sequence number the error is about. */
  seq?: number | undefined;
  /** The byte offset in the pool file (from the file's start) the error is about. */
  offset?: number | undefined;
  /**
   * The HTTP status to answer this error with when it is not its kind's (spec/http/v0 §5: 401
   * for a missing or wrong token, 405 for another method, 413 for a body above the limit).
   */
  status?: number | undefined;
  /** Conflict: the pool's newest seq when a conditional append found another one. */
  newestSeq?: number | undefined;
  /** Conflict: the producer seq the pool expects next from this producer. */
  expectedSeq?: number | undefined;
  /** Conflict: the producer's current epoch, when a stale epoch was fenced off. */
  epoch?: number | undefined;
}

/** The JSON shape of an error on the wire and on a non-TTY stderr (inside `{"error": ...}`). */
export interface SpoolErrorJson {
  kind: ErrorKind;
  message: string;
  hint?: string;
  path?: string;
  seq?: number;
  offset?: number;
  newest_seq?: number;
  expected_seq?: number;
  epoch?: number;
}

/**
 * The one error class of Spool.
 *
 * @example
 * throw new SpoolError("NotFound", "pool not found: build", { path, hint: "create it with `spool pool create build`" });
 */
export class SpoolError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly path: string | undefined;
  readonly seq: number | undefined;
  readonly offset: number | undefined;
  /** Conflict: the pool's newest seq (a conditional append expected another). */
  readonly newestSeq: number | undefined;
  /** Conflict: the producer seq the pool expects next. */
  readonly expectedSeq: number | undefined;
  /** Conflict: the producer's current epoch. */
  readonly epoch: number | undefined;
  /** The HTTP status given at construction, when it is not the kind's (see `httpStatus`). */
  readonly statusOverride: number | undefined;
  /** Marks the object as a SpoolError across realms and bundled copies. */
  readonly isSpoolError = true as const;

  constructor(kind: ErrorKind, message: string, details: SpoolErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "SpoolError";
    this.kind = kind;
    this.hint = details.hint;
    this.path = details.path;
    this.seq = details.seq;
    this.offset = details.offset;
    this.newestSeq = details.newestSeq;
    this.expectedSeq = details.expectedSeq;
    this.epoch = details.epoch;
    this.statusOverride = details.status;
  }

  /** The CLI exit code of this error's kind. */
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }

  /** The HTTP status this error is answered with: the one given at construction, else its kind's. */
  get httpStatus(): number {
    return this.statusOverride ?? HTTP_STATUSES[this.kind];
  }

  /**
   * The `{kind, message, hint?, path?, seq?, offset?, newest_seq?, expected_seq?, epoch?}` object
   * of the error envelope.
   */
  toJSON(): SpoolErrorJson {
    const out: SpoolErrorJson = { kind: this.kind, message: this.message };
    if (this.hint !== undefined) out.hint = this.hint;
    if (this.path !== undefined) out.path = this.path;
    if (this.seq !== undefined) out.seq = this.seq;
    if (this.offset !== undefined) out.offset = this.offset;
    if (this.newestSeq !== undefined) out.newest_seq = this.newestSeq;
    if (this.expectedSeq !== undefined) out.expected_seq = this.expectedSeq;
    if (this.epoch !== undefined) out.epoch = this.epoch;
    return out;
  }
}

/**
 * `error` with some of its message and fields replaced: the same kind, every other field (HTTP
 * status included) and its cause kept. The one way surfaces reword or re-address an error, so a
 * field added to SpoolError is never dropped on the way.
 *
 * @example
 * reviseError(error, { hint: "retry the request", path: "build.spool" })
 */
export function reviseError(
  error: SpoolError,
  changes: SpoolErrorDetails & { message?: string } = {},
): SpoolError {
  const { message = error.message, ...details } = changes;
  return new SpoolError(error.kind, message, {
    hint: error.hint,
    path: error.path,
    seq: error.seq,
    offset: error.offset,
    newestSeq: error.newestSeq,
    expectedSeq: error.expectedSeq,
    epoch: error.epoch,
    status: error.statusOverride,
    cause: error.cause,
    ...details,
  });
}

/**
 * A Usage error with a hint: the one shorthand every surface uses for input it refuses.
 *
 * @example
 * throw usage("max must be ≥ 0", "pass a whole number such as --max 10");
 */
export function usage(message: string, hint: string, cause?: unknown): SpoolError {
  return new SpoolError("Usage", message, cause === undefined ? { hint } : { hint, cause });
}

/**
 * True when `value` is a SpoolError (optionally of `kind`); does not rely on `instanceof` alone,
 * so errors from another copy of the package are recognised too.
 *
 * @example
 * if (isSpoolError(e, "NotFound")) createPool(path);
 */
export function isSpoolError(value: unknown, kind?: ErrorKind): value is SpoolError {
  if (value instanceof SpoolError) return kind === undefined || value.kind === kind;
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { isSpoolError?: unknown; kind?: unknown };
  if (candidate.isSpoolError !== true || typeof candidate.kind !== "string") return false;
  if (!(ERROR_KINDS as readonly string[]).includes(candidate.kind)) return false;
  return kind === undefined || candidate.kind === kind;
}

/** True when `value` names one of the ten kinds. */
export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === "string" && (ERROR_KINDS as readonly string[]).includes(value);
}

/** Rebuilds a SpoolError from its JSON shape (for example an HTTP error envelope). */
export function spoolErrorFromJson(json: SpoolErrorJson, options: ErrorOptions = {}): SpoolError {
  return new SpoolError(json.kind, json.message, {
    hint: json.hint,
    path: json.path,
    seq: json.seq,
    offset: json.offset,
    newestSeq: json.newest_seq,
    expectedSeq: json.expected_seq,
    epoch: json.epoch,
    cause: options.cause,
  });
}

/**
 * Maps a Node system error (errno code) to a SpoolError with a hint; anything else becomes
 * Internal. Already-SpoolErrors pass through unchanged.
 */
export function fromSystemError(error: unknown, path?: string, action = "access"): SpoolError {
  if (isSpoolError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "ENOENT":
      return new SpoolError("NotFound", `no such file: ${path ?? "(unknown)"}`, {
        path,
        hint: "check the pool name and --dir / SPOOL_DIR, or create the pool first",
        cause: error,
      });
    case "EEXIST":
      return new SpoolError("AlreadyExists", `already exists: ${path ?? "(unknown)"}`, {
        path,
        hint: "pick another name, or open the existing pool",
        cause: error,
      });
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new SpoolError("Permission", `permission denied to ${action} ${path ?? ""}`.trim(), {
        path,
        hint: "check the file's owner and mode, or run as a user that may write it",
        cause: error,
      });
    case "EBUSY":
    case "EAGAIN":
    case "EWOULDBLOCK":
      return new SpoolError("Busy", `resource busy: ${path ?? "(unknown)"}`, {
        path,
        hint: "another process holds the pool; retry shortly",
        cause: error,
      });
    case "ENOSPC":
    case "EDQUOT":
      return new SpoolError("Io", `no space left to ${action} ${path ?? ""}`.trim(), {
        path,
        hint: "free disk space or pick a smaller pool size",
        cause: error,
      });
    case "ENOTDIR":
    case "EISDIR":
    case "ENAMETOOLONG":
    case "ELOOP":
      return new SpoolError("Usage", `not a usable pool path: ${path ?? "(unknown)"} (${code})`, {
        path,
        hint: "pass a pool name or the path of a .spool file",
        cause: error,
      });
    default:
      if (typeof code === "string") {
        return new SpoolError("Io", `I/O error (${code}) on ${path ?? "(unknown)"}: ${detail}`, {
          path,
          hint: "check the disk and the file system, then retry",
          cause: error,
        });
      }
      return new SpoolError("Internal", `internal error: ${detail}`, {
        path,
        hint: "this is a bug in Spool; please report it with the command that caused it",
        cause: error,
      });
  }
}

/**
 * NotFound for a seq a pool does not hold, worded by where it is: overwritten below `oldest`, not
 * yet written above `newest` (one wording on every engine, spec/api/v0 §3.7).
 */
export function missingMessage(
  seq: number,
  bounds: { oldest: number; newest: number },
  path: string,
): SpoolError {
  const overwritten = seq < bounds.oldest;
  return new SpoolError(
    "NotFound",
    overwritten
      ? `message ${seq} was overwritten (oldest is ${bounds.oldest})`
      : `message ${seq} does not exist (newest is ${bounds.newest})`,
    {
      path,
      seq,
      hint: overwritten
        ? "the pool wrapped; use a larger pool to keep more history"
        : "ask for a seq within the pool's bounds (see `spool pool info`)",
    },
  );
}
