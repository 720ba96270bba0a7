/**
 * The SDK's errors: core's SpoolError (same nine kinds, same fields) with where it came from.
 *
 * Invariants: every error the SDK throws is a SpoolError of one of core's kinds (no new kinds);
 * an error the server answered carries its HTTP `status` (a final error line of a stream carries
 * the status of its kind); a failure to reach the server at all is a `NetworkError` (kind Io,
 * `network: true`, no status, the fetch failure as `cause`), so callers can tell "the server said
 * no" from "the server was not reached". The guards do not rely on `instanceof` alone.
 */
import {
  ERROR_KINDS,
  type ErrorKind,
  HTTP_STATUSES,
  isErrorKind,
  SpoolError,
  type SpoolErrorDetails,
  type SpoolErrorJson,
} from "@spool/core/shared";

/**
 * An error the server answered: an error envelope with a status, or a tail's final error line.
 *
 * @example
 * try { await pool.get(7); } catch (e) { if (e instanceof SpoolHttpError && e.status === 404) … }
 */
export class SpoolHttpError extends SpoolError {
  /** The HTTP status (for a stream's final error line: the status of its kind). */
  readonly status: number;
  /** Always false: the server was reached. */
  readonly network = false as const;

  constructor(kind: ErrorKind, message: string, status: number, details: SpoolErrorDetails = {}) {
    super(kind, message, details);
    this.name = "SpoolHttpError";
    this.status = status;
  }
}

/**
 * The server could not be reached, or the connection broke (DNS, refused, reset, a stream cut
 * off mid-line). Kind Io; `cause` is the underlying fetch failure.
 *
 * @example
 * catch (e) { if (isNetworkError(e)) retryLater(); }
 */
export class NetworkError extends SpoolError {
  /** No response was received. */
  readonly status: undefined = undefined;
  /** Always true: marks network failures across bundled copies. */
  readonly network = true as const;

  constructor(message: string, details: SpoolErrorDetails = {}) {
    super("Io", message, details);
    this.name = "NetworkError";
  }
}

/**
 * True when `value` is a NetworkError (the server was not reached or the connection broke).
 *
 * @example
 * if (isNetworkError(error)) console.log("offline, will retry");
 */
export function isNetworkError(value: unknown): value is NetworkError {
  if (value instanceof NetworkError) return true;
  const v = value as { isSpoolError?: unknown; network?: unknown } | null;
  return typeof v === "object" && v !== null && v.isSpoolError === true && v.network === true;
}

/** A SpoolHttpError from the `{kind, message, ...}` object of an error envelope. */
export function errorFromJson(json: SpoolErrorJson, status?: number): SpoolHttpError {
  return new SpoolHttpError(json.kind, json.message, status ?? HTTP_STATUSES[json.kind], {
    hint: json.hint,
    path: json.path,
    seq: json.seq,
    offset: json.offset,
  });
}

/** The `error` member of a parsed error envelope, if `value` is one. */
export function errorJsonOf(value: unknown): SpoolErrorJson | undefined {
  const error = (value as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  if (typeof error !== "object" || error === null) return undefined;
  if (!isErrorKind(error.kind) || typeof error.message !== "string") return undefined;
  const out: SpoolErrorJson = { kind: error.kind, message: error.message };
  if (typeof error.hint === "string") out.hint = error.hint;
  if (typeof error.path === "string") out.path = error.path;
  if (typeof error.seq === "number") out.seq = error.seq;
  if (typeof error.offset === "number") out.offset = error.offset;
  return out;
}

/**
 * The kind for a status that came without an error envelope (a proxy's page, a non-Spool
 * server): core's table where a kind owns the status, then the protocol's extra statuses.
 */
export function kindOfStatus(status: number): ErrorKind {
  const owned = ERROR_KINDS.find((kind) => HTTP_STATUSES[kind] === status);
  if (owned !== undefined) return owned;
  if (status === 401) return "Permission";
  if (status === 429) return "Busy";
  if (status === 502 || status === 503 || status === 504) return "Io";
  return status >= 400 && status < 500 ? "Usage" : "Internal";
}

/** A local Usage error (bad options given to the SDK; nothing was sent). */
export function usage(message: string, hint: string, cause?: unknown): SpoolError {
  return new SpoolError("Usage", message, cause === undefined ? { hint } : { hint, cause });
}
