/**
 * Responses built with the protocol headers already in their init, and the check the outermost
 * middleware uses to add those headers to any other response.
 *
 * Why: reading `response.headers` of a response built with a plain header object makes the
 * server library materialise a `Headers` object and then convert it back for Node (several µs
 * per request). Responses made here carry every protocol header from the start, so the
 * middleware leaves them alone and the plain object goes to Node as is.
 *
 * Invariants: a response is marked only when it was created here, with every PROTOCOL_HEADERS
 * entry in its init (a later header, e.g. from CORS, is added on top and never removes one);
 * any response without the mark gets the headers set by `ensureProtocolHeaders`; marks are weak
 * (they never keep a response alive).
 */
import { JSON_TYPE, PROTOCOL_HEADERS, protocolHeaders } from "./headers.js";

/** What `new Response` accepts as a body. */
type Body = ConstructorParameters<typeof Response>[0];

const complete = new WeakSet<Response>();

/**
 * A response with the protocol headers, `content-type`, then `extra` (which win on a clash).
 *
 * @example
 * protocolResponse("{}", 200, "application/json").headers.get("spool-version"); // "0"
 */
export function protocolResponse(
  body: Body,
  status: number,
  contentType: string,
  extra?: Readonly<Record<string, string>>,
): Response {
  const headers = protocolHeaders(contentType);
  if (extra) Object.assign(headers, extra);
  const response = new Response(body, { status, headers });
  complete.add(response);
  return response;
}

/** A JSON response from already-encoded bytes (no copy). */
export function jsonBytesResponse(bytes: Buffer, status = 200): Response {
  return protocolResponse(bytes as unknown as Uint8Array<ArrayBuffer>, status, JSON_TYPE);
}

/** A JSON response of `value` (JSON.stringify). */
export function jsonResponse(value: unknown, status = 200): Response {
  return protocolResponse(JSON.stringify(value), status, JSON_TYPE);
}

/** Sets the protocol headers on `response` unless it was built with them here. */
export function ensureProtocolHeaders(response: Response): void {
  if (complete.has(response)) return;
  const headers = response.headers;
  for (const name in PROTOCOL_HEADERS) headers.set(name, PROTOCOL_HEADERS[name] as string);
}
