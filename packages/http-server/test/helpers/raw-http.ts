/**
 * Raw HTTP/1.1 over a TCP socket, for requests `fetch` would rewrite or refuse (dot segments,
 * percent-encoded separators, absolute-form targets, malformed framing): the bytes go out exactly
 * as given and the answer is parsed by hand.
 *
 * Invariants: loopback only; every request is bounded in time (the socket is destroyed and the
 * promise rejects after `ms`); the connection is closed after one response (`connection: close`
 * is added unless the caller wrote the whole request with `raw`).
 */
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
  json: any;
  /** The whole response as received. */
  text: string;
}

/** Sends `bytes` as is to 127.0.0.1:`port` and reads until the server closes the connection. */
export function rawExchange(
  port: number,
  bytes: string | Uint8Array,
  ms = 5000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${ms} ms: ${Buffer.concat(chunks).toString()}`));
    }, ms);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", () => {
      // a reset after the answer still leaves the answer to parse (close follows)
    });
    socket.on("close", () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** One request: `method target`, optional headers and body (content-length set for a body). */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  options: { body?: string | Uint8Array | undefined; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const lines = [`${method} ${target} HTTP/1.1`, "host: 127.0.0.1", "connection: close"];
  for (const [name, value] of Object.entries(options.headers ?? {}))
    lines.push(`${name}: ${value}`);
  if (body) lines.push("content-type: application/json", `content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`);
  return rawExchange(port, body ? Buffer.concat([head, body]) : head);
}

/** Parses one whole HTTP/1.1 response. */
export function parseResponse(bytes: Buffer): RawResponse {
  const text = bytes.toString("utf8");
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no complete response head: ${JSON.stringify(text)}`);
  const [statusLine = "", ...headerLines] = bytes.subarray(0, end).toString("utf8").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let payload = bytes.subarray(end + 4);
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) payload = unchunk(payload);
  const body = payload.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers, body, json, text };
}

/** The payload of a chunked body (chunk extensions and trailers are not expected here). */
function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const nl = body.indexOf("\r\n", at);
    const size = Number.parseInt(body.subarray(at, nl).toString("latin1"), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(nl + 2, nl + 2 + size));
    at = nl + 2 + size + 2;
  }
}
