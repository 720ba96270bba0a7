/**
 * Headers every response of the app carries: the protocol version and a few security headers.
 *
 * Invariants: `spool-version: 0` is on every response (success, error, stream, 404, preflight);
 * nothing here depends on the request.
 */

/** The protocol version of this app (the `/v0` prefix and the `spool-version` header). */
export const PROTOCOL_VERSION = "0";

export const PROTOCOL_HEADERS: Readonly<Record<string, string>> = {
  "spool-version": PROTOCOL_VERSION,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * PROTOCOL_HEADERS plus `content-type`, as a fresh object literal: building it costs ~10 ns,
 * while spreading PROTOCOL_HEADERS (hyphenated keys) costs ~1 µs. Holds exactly the entries of
 * PROTOCOL_HEADERS (a test keeps the two in step).
 */
export function protocolHeaders(contentType: string): Record<string, string> {
  return {
    "spool-version": PROTOCOL_VERSION,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "content-type": contentType,
  };
}

export const JSON_TYPE = "application/json";
export const JSONL_TYPE = "application/jsonl";
export const SSE_TYPE = "text/event-stream; charset=utf-8";
/** The Prometheus text exposition format, version 0.0.4. */
export const METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
