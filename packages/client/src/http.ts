/**
 * The transport: one place that builds URLs and headers, calls `fetch`, and turns every failure
 * into a SpoolError (SpoolHttpError for an answer, NetworkError for no answer).
 *
 * Invariants: pool names are always percent-encoded as one path segment (a name can never
 * address another endpoint); the caller's abort surfaces as an `AbortError`-named DOMException
 * (never as a NetworkError), so tails can end quietly on abort; an error response's body is
 * always consumed; a success body that is not the expected JSON is an Internal SpoolHttpError.
 */
import {
  errorFromJson,
  errorJsonOf,
  kindOfStatus,
  NetworkError,
  SpoolHttpError,
  TlsError,
  tlsFailureOf,
} from "./errors.js";
import type { WebSocketConstructor } from "./ws-tail.js";

/** What the transport needs: resolved client options. */
export interface Transport {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:9700`. */
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  /** Headers sent with every request (authorization and the caller's own). */
  readonly headers: Readonly<Record<string, string>>;
  /** The WebSocket constructor of `transport: "websocket"` tails (else the global one). */
  readonly webSocket?: WebSocketConstructor | undefined;
}

export interface RequestInput {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path under the base URL, starting with `/v0/`. */
  path: string;
  query?: URLSearchParams | undefined;
  /** JSON text of the body. */
  body?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Value of the `accept` header. */
  accept?: string | undefined;
}

/** The path of a pool's endpoint: `/v0/pools/<encoded name><suffix>`. */
export function poolPath(name: string, suffix = ""): string {
  return `/v0/pools/${encodeURIComponent(name)}${suffix}`;
}

/** True when `error` is the abort of `signal` (or any AbortError while `signal` is aborted). */
export function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  return (error as { name?: unknown } | null)?.name === "AbortError";
}

/**
 * Sends a request and returns the response when it is 2xx; otherwise throws the answered error.
 * An abort of `input.signal` rethrows the abort; any other fetch failure is a NetworkError.
 */
export async function send(t: Transport, input: RequestInput): Promise<Response> {
  const query = input.query?.toString();
  const url = `${t.baseUrl}${input.path}${query ? `?${query}` : ""}`;
  const headers: Record<string, string> = {
    accept: input.accept ?? "application/json",
    ...t.headers,
  };
  if (input.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await t.fetch(url, {
      method: input.method,
      headers,
      ...(input.body === undefined ? {} : { body: input.body }),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
  } catch (error) {
    if (isAbort(error, input.signal)) throw error;
    throw networkError(`${input.method} ${url}`, error);
  }
  if (response.ok) return response;
  throw await answeredError(response, `${input.method} ${input.path}`, input.signal);
}

/** Sends a request and parses its JSON answer. */
export async function sendJson(t: Transport, input: RequestInput): Promise<unknown> {
  const response = await send(t, input);
  const text = await readText(response, input);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw protocolError(response.status, `${input.method} ${input.path}`, error);
  }
}

/** The body of a successful response as text (a broken connection is a NetworkError). */
export async function readText(response: Response, input: RequestInput): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    if (isAbort(error, input.signal)) throw error;
    throw networkError(`${input.method} ${input.path}`, error);
  }
}

/** The body of a successful response as bytes (a broken connection is a NetworkError). */
export async function readBytes(response: Response, input: RequestInput): Promise<Uint8Array> {
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (isAbort(error, input.signal)) throw error;
    throw networkError(`${input.method} ${input.path}`, error);
  }
}

/** The SpoolHttpError of a non-2xx response (its body consumed). */
async function answeredError(
  response: Response,
  what: string,
  signal: AbortSignal | undefined,
): Promise<SpoolHttpError> {
  let text = "";
  try {
    text = await response.text();
  } catch (error) {
    if (isAbort(error, signal)) throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const json = errorJsonOf(parsed);
  if (json) return errorFromJson(json, response.status);
  const spool = response.headers.get("spool-version") !== null;
  return new SpoolHttpError(
    kindOfStatus(response.status),
    `${what} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""} without a Spool error`,
    response.status,
    {
      hint: spool
        ? "check the request against spec/http/v0/SPEC.md"
        : "check baseUrl: the answer did not come from a Spool server (no spool-version header)",
    },
  );
}

/** A NetworkError for a failed fetch or a broken body (a TlsError for a refused certificate). */
export function networkError(what: string, cause: unknown): NetworkError {
  const tls = tlsFailureOf(cause);
  if (tls) return new TlsError(what, tls.failure, tls.code, cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new NetworkError(`${what} failed: ${detail}`, {
    hint: "check that the server is running and reachable at baseUrl, then retry",
    cause,
  });
}

/** An Internal SpoolHttpError for an answer that breaks the protocol. */
export function protocolError(status: number, what: string, cause?: unknown): SpoolHttpError {
  return new SpoolHttpError(
    "Internal",
    `${what}: the server's answer is not valid protocol v0`,
    status,
    {
      hint: "check that baseUrl points at a Spool server speaking HTTP protocol v0",
      cause,
    },
  );
}
