/**
 * The error envelope of HTTP protocol v0: `{"error": {kind, message, hint?, path?, seq?, offset?}}`
 * with the status of core's HTTP_STATUSES table.
 *
 * Invariants: every error response of the app goes through `errorResponse` (routes throw, the
 * app's onError/notFound handlers answer), so the shape and the `spool-version` header never
 * differ per route; kinds come from core only. The few statuses the kind table cannot express
 * (401 for a missing/wrong token, 405 for a known path with another method, 413 for a too-large
 * body) travel on the SpoolError itself (`status` at construction, `withStatus`), never by inventing
 * a kind or a side table.
 */
import { fromSystemError, isSpoolError, reviseError, SpoolError } from "@spool/core";
import { HTTPException } from "hono/http-exception";
import { JSON_TYPE } from "./headers.js";
import { protocolResponse } from "./responses.js";

/**
 * `error` answered with `status` instead of its kind's status: the same error as a new
 * SpoolError carrying the status as a field (`httpStatus`).
 */
export function withStatus(error: SpoolError, status: number): SpoolError {
  return reviseError(error, { status });
}

/** The HTTP status of an error: the one it carries, else its kind's from core's table. */
export function statusOf(error: SpoolError): number {
  return error.httpStatus;
}

/**
 * Error codes of a request's own connection failing under it: the client went away before its
 * body arrived (Node's IncomingMessage fails with `aborted`, code ECONNRESET). Pool I/O never
 * raises these.
 */
const CLIENT_ABORT_CODES = new Set(["ECONNRESET", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

/**
 * Any thrown value as a SpoolError (errno codes mapped by core; anything else is Internal). A
 * client that went away mid-request is a Usage error (400), not Internal: nobody reads the answer,
 * and it must never be reported as a server failure.
 */
export function toSpoolError(error: unknown): SpoolError {
  if (isSpoolError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && CLIENT_ABORT_CODES.has(code)) {
    return new SpoolError("Usage", "the client closed the connection before the request arrived", {
      hint: "send the whole request body and keep the connection open until the answer arrives",
      cause: error,
    });
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    const kind = status === 404 ? "NotFound" : status >= 500 ? "Internal" : "Usage";
    return withStatus(
      new SpoolError(kind, error.message || `HTTP ${status}`, {
        hint: "check the request against spec/http/v0/SPEC.md",
        cause: error,
      }),
      status,
    );
  }
  return fromSystemError(error);
}

/** The error envelope as JSON text: `{"error": {kind, message, …}}`. */
export function errorJson(error: SpoolError): string {
  return JSON.stringify({ error: error.toJSON() });
}

/** One JSONL line (with its newline) carrying the error envelope: a tail's final line. */
export function errorLine(error: SpoolError): string {
  return `${errorJson(error)}\n`;
}

/** The error envelope as a Response with its status and the protocol headers. */
export function errorResponse(
  error: SpoolError,
  extraHeaders: Record<string, string> = {},
): Response {
  return protocolResponse(errorJson(error), statusOf(error), JSON_TYPE, extraHeaders);
}

/** Usage error for a request that cannot be parsed or validated. */
export function usage(message: string, hint: string): SpoolError {
  return new SpoolError("Usage", message, { hint });
}
