/**
 * The SDK's errors: core's SpoolError (same nine kinds, same fields) with where it came from.
 *
 * Invariants: every error the SDK throws is a SpoolError of one of core's kinds (no new kinds);
 * an error the server answered carries its HTTP `status` (a final error line of a stream carries
 * the status of its kind); a failure to reach the server at all is a `NetworkError` (kind Io,
 * `network: true`, no status, the fetch failure as `cause`), so callers can tell "the server said
 * no" from "the server was not reached"; a refused TLS certificate is a `TlsError`, a
 * NetworkError that says which problem it was (`failure`, `code`) with a hint naming
 * NODE_EXTRA_CA_CERTS or the `fetch` option. The guards do not rely on `instanceof` alone.
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

/** Why a TLS connection was refused: the certificate's problem, as far as the runtime says. */
export type TlsFailure = "self-signed" | "unknown-ca" | "hostname-mismatch" | "expired" | "other";

/** Node's (OpenSSL's) certificate error codes, by what they mean for the user. */
const TLS_CODES: Readonly<Record<string, TlsFailure>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unknown-ca",
  UNABLE_TO_GET_ISSUER_CERT: "unknown-ca",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unknown-ca",
  CERT_UNTRUSTED: "unknown-ca",
  ERR_TLS_CERT_ALTNAME_INVALID: "hostname-mismatch",
  HOSTNAME_MISMATCH: "hostname-mismatch",
  CERT_HAS_EXPIRED: "expired",
  CERT_NOT_YET_VALID: "expired",
};

const TLS_MESSAGES: Readonly<Record<TlsFailure, string>> = {
  "self-signed": "the server's certificate is self-signed and not trusted",
  "unknown-ca": "the server's certificate is issued by a CA this runtime does not trust",
  "hostname-mismatch": "the server's certificate does not cover the host name in baseUrl",
  expired: "the server's certificate has expired (or is not valid yet)",
  other: "the TLS connection was refused",
};

const TLS_HINTS: Readonly<Record<TlsFailure, string>> = {
  "self-signed":
    "trust the server's certificate: in Node start with NODE_EXTRA_CA_CERTS=cert.pem (the server's certificate file), or pass createClient a `fetch` whose TLS options trust it (e.g. undici's Agent with connect.ca)",
  "unknown-ca":
    "trust the issuing CA: in Node start with NODE_EXTRA_CA_CERTS=ca.pem, or pass createClient a `fetch` whose TLS options trust it (e.g. undici's Agent with connect.ca)",
  "hostname-mismatch":
    "use a baseUrl host the certificate names, or have the server's operator issue a certificate that names this host",
  expired:
    "have the server's operator renew its certificate, and check the clocks of both machines",
  other:
    "check the server's certificate and this runtime's trust store (Node: NODE_EXTRA_CA_CERTS), or pass createClient a `fetch` with the TLS options it needs",
};

/**
 * The TLS failure behind a fetch failure, if it is one: Node's certificate error codes anywhere
 * in the cause chain. Browsers do not say why a connection failed, so there it is never one.
 */
export function tlsFailureOf(cause: unknown): { failure: TlsFailure; code: string } | undefined {
  for (let e = cause, depth = 0; e !== null && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      const failure =
        TLS_CODES[code] ?? (/^ERR_TLS_|^ERR_SSL_|CERT/.test(code) ? "other" : undefined);
      if (failure !== undefined) return { failure, code };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A TLS connection the runtime refused (a self-signed or expired certificate, an unknown CA, a
 * host name the certificate does not cover): a NetworkError (kind Io, `network: true`) that
 * also carries `tls: true`, `failure` and the runtime's `code`. Retrying cannot fix it, so
 * `follow` does not reconnect after it.
 *
 * @example
 * catch (e) { if (isTlsError(e)) console.error(e.failure, e.hint); }
 */
export class TlsError extends NetworkError {
  /** Always true: marks TLS failures across bundled copies. */
  readonly tls = true as const;
  /** What is wrong with the certificate. */
  readonly failure: TlsFailure;
  /** The runtime's error code, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  readonly code: string;

  constructor(what: string, failure: TlsFailure, code: string, cause: unknown) {
    super(`${what} failed: ${TLS_MESSAGES[failure]} (${code})`, {
      hint: TLS_HINTS[failure],
      cause,
    });
    this.name = "TlsError";
    this.failure = failure;
    this.code = code;
  }
}

/**
 * True when `value` is a TlsError (the server's certificate was refused).
 *
 * @example
 * if (isTlsError(error)) console.error("fix the certificate trust:", error.hint);
 */
export function isTlsError(value: unknown): value is TlsError {
  if (value instanceof TlsError) return true;
  return isNetworkError(value) && (value as { tls?: unknown }).tls === true;
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
    newestSeq: json.newest_seq,
    expectedSeq: json.expected_seq,
    epoch: json.epoch,
  });
}

/** The `error` member of a parsed error envelope, if `value` is one. */
export function errorJsonOf(value: unknown): SpoolErrorJson | undefined {
  const error = (value as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  if (typeof error !== "object" || error === null) return undefined;
  if (typeof error.kind !== "string" || typeof error.message !== "string") return undefined;
  // A kind this SDK does not know (a newer server's) is Internal, message and hint kept
  // (spec/api/v0 §7.1: kinds are only ever added).
  const out: SpoolErrorJson = {
    kind: isErrorKind(error.kind) ? error.kind : "Internal",
    message: error.message,
  };
  if (typeof error.hint === "string") out.hint = error.hint;
  if (typeof error.path === "string") out.path = error.path;
  for (const field of ["seq", "offset", "newest_seq", "expected_seq", "epoch"] as const) {
    if (typeof error[field] === "number") out[field] = error[field] as number;
  }
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

/** Core's one Usage shorthand: a local Usage error (bad options given to the SDK; nothing was sent). */
export { usage } from "@spool/core/shared";
