/**
 * Answers for requests Node's HTTP parser refused before the app saw them (malformed framing,
 * too-large headers, unknown methods, timeouts: the server's `clientError` event). The server app
 * and `spool serve` write them on the socket; the app itself opens no socket.
 *
 * Invariants: every answer is the error envelope of errors.ts (kind Usage, a message, a hint) with
 * `spool-version: 0` and the other protocol headers, `connection: close` and an exact
 * `content-length`; statuses follow HTTP semantics: 400 for malformed requests, 408 for a request
 * that did not arrive in time, 413 for too-large chunk extensions, 431 for too-large headers and
 * 501 for a method the parser does not know; a connection reset gets no answer (nobody reads it).
 * A request the parser accepted but the adapter cannot turn into a URL (no Host header, the
 * `OPTIONS *` form) is answered 400 the same way (`unreadableRequestResponse`).
 */
import { SpoolError } from "@spool/core";
import { errorJson, errorResponse, toSpoolError, withStatus } from "./errors.js";
import { JSON_TYPE, protocolHeaders } from "./headers.js";

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
};

/** The refusal of a request Node's HTTP parser rejected: its status and error. */
export function parserRefusal(error: { code?: unknown; reason?: unknown; message?: unknown }): {
  status: number;
  error: SpoolError;
} {
  const code = typeof error.code === "string" ? error.code : "";
  const reason = typeof error.reason === "string" ? error.reason : "";
  const refuse = (status: number, message: string, hint: string) => ({
    status,
    error: withStatus(new SpoolError("Usage", message, { hint }), status),
  });
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return refuse(
        431,
        "request headers are too large",
        "send fewer or smaller headers (the limit is Node's max header size, 16 KiB by default)",
      );
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return refuse(
        413,
        "request chunk extensions are too large",
        "send the body without chunk extensions",
      );
    case "HPE_INVALID_METHOD":
      return refuse(
        501,
        "unknown HTTP method",
        "use GET, HEAD, POST or DELETE as spec/http/v0/SPEC.md lists them",
      );
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return refuse(
        408,
        "the request did not arrive in time",
        "send the whole request (headers and body) without pausing, then retry",
      );
    default:
      return refuse(
        400,
        `malformed HTTP request${reason ? `: ${reason.toLowerCase()}` : ""}`,
        "send well-formed HTTP/1.1: valid chunked framing, never both Content-Length and Transfer-Encoding",
      );
  }
}

/**
 * The bytes to write on a socket whose request Node's parser rejected (a whole HTTP/1.1
 * response), or undefined when there is nobody to answer (the connection was reset).
 *
 * @example
 * server.on("clientError", (error, socket) => {
 *   const answer = socket.writable ? parserErrorResponse(error) : undefined;
 *   if (answer) socket.end(answer); else socket.destroy();
 * });
 */
export function parserErrorResponse(error: {
  code?: unknown;
  reason?: unknown;
  message?: unknown;
}): string | undefined {
  if (error.code === "ECONNRESET") return undefined;
  const { status, error: refusal } = parserRefusal(error);
  const body = errorJson(refusal);
  const headers: Record<string, string> = {
    ...protocolHeaders(JSON_TYPE),
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n${head.join("")}\r\n${body}`;
}

/**
 * The answer to a request Node parsed but the server adapter could not turn into a web Request
 * (no `Host` header, an asterisk-form `OPTIONS *`, a target that is not a URL path): 400 Usage
 * with the envelope and `connection: close`. For the adapter's error hook
 * (`createAdaptorServer({ errorHandler })` of @hono/node-server).
 *
 * @example
 * createAdaptorServer({ fetch, errorHandler: (e) => unreadableRequestResponse(e) });
 */
export function unreadableRequestResponse(error: unknown): Response {
  const detail = error instanceof Error && error.message ? `: ${error.message.toLowerCase()}` : "";
  const refusal = withStatus(
    new SpoolError("Usage", `the request cannot be read${detail}`, {
      hint: "send an origin-form target such as /v0/pools with a Host header (HTTP/1.1 requires one)",
      cause: error,
    }),
    400,
  );
  return errorResponse(refusal, { connection: "close" });
}

/** The answer to an error the app itself did not turn into a response (500, the envelope). */
export function unexpectedErrorResponse(error: unknown): Response {
  return errorResponse(toSpoolError(error), { connection: "close" });
}
