/**
 * The frames of the WebSocket tail (`GET /v0/pools/{pool}/ws`, spec/http/v0 §4.2): what the
 * server sends, the one frame a client may send (auth), and the close codes.
 *
 * Invariants: every server frame is one JSON text frame, spelled as the JSONL tail's lines (with
 * `gap_lines=1`) and the SSE tail's events: a message frame is the stored envelope line byte for
 * byte (core's JSONL line without its newline; nothing parsed or re-encoded), a gap frame is
 * `{"gap":{from,to,count}}`, the final error frame the error envelope `{"error":{kind,message,…}}`,
 * an end frame `{"end":{"reason":…}}` (SSE's `end` event data under the key `end`) and a heartbeat
 * `{"heartbeat":{}}`, which is also the first frame of every tail that started; frames are told apart by their one top-level key (a message's is `seq`). The
 * framing writes each record as one line, so the socket side splits a chunk at LF into frames
 * (core's lines never hold a LF). Close codes: 1000 after an end frame, 1001 after the shutdown
 * error frame, 4000 + the HTTP status of the error after any other error frame (4400, 4401, 4403,
 * 4404, 4410, 4423, 4500…).
 */
import { SpoolError, type TailEnd } from "@spool/core";
import { errorLine, statusOf, withStatus } from "./errors.js";
import type { TailFraming } from "./framing.js";
import { JSONL_TYPE } from "./headers.js";

const encode = (text: string): Buffer => Buffer.from(text, "utf8");

/** The heartbeat frame's record. */
export const WS_HEARTBEAT = encode('{"heartbeat":{}}\n');

/**
 * The WebSocket tail's records, one line each (the socket sends each line as a text frame).
 *
 * @example
 * wsFraming().end("max") // {"end":{"reason":"max"}}\n
 */
export function wsFraming(): TailFraming {
  return {
    contentType: JSONL_TYPE,
    // The first frame of a started tail (auth passed, slot taken, start pinned): what a 200
    // answer says over HTTP, so a client knows it is connected before any message.
    start: () => WS_HEARTBEAT,
    lines: (chunk) => chunk,
    gap: (gap) => encode(`{"gap":{"from":${gap.from},"to":${gap.to},"count":${gap.count}}}\n`),
    error: (error) => encode(errorLine(error)),
    end: (reason: TailEnd) => encode(`{"end":{"reason":"${reason}"}}\n`),
    heartbeat: WS_HEARTBEAT,
  };
}

/** Close codes of the WebSocket tail (besides 4000 + status, `closeCodeOf`). */
export const WS_CLOSE = {
  /** The tail ended (`max`, `timeout_ms`, `follow=false`): after the end frame. */
  end: 1000,
  /** The server is shutting down: after the Busy error frame. */
  shutdown: 1001,
} as const;

/**
 * The close code after an error frame: 4000 + the error's HTTP status.
 *
 * @example
 * closeCodeOf(new SpoolError("NotFound", "no pool x")) // 4404
 */
export function closeCodeOf(error: SpoolError): number {
  const status = statusOf(error);
  return status >= 400 && status <= 599 ? 4000 + status : 4500;
}

/** The longest auth frame the server reads (a token of the token file fits many times over). */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;

const AUTH_SHAPE = '{"auth":{"token":"<token>"}}';

function badAuthFrame(what: string): SpoolError {
  return new SpoolError("Usage", `the first frame of a WebSocket tail ${what}`, {
    hint: `send ${AUTH_SHAPE} as the first text frame, or the Authorization header with the upgrade request`,
  });
}

/**
 * The token of an auth frame, `{"auth":{"token":"…"}}` as text (Usage when it is anything else).
 *
 * @example
 * authFrameToken('{"auth":{"token":"s3cret"}}') // "s3cret"
 */
export function authFrameToken(data: unknown): string {
  if (typeof data !== "string") throw badAuthFrame(`must be a text frame ${AUTH_SHAPE}`);
  if (data.length > MAX_CLIENT_FRAME_BYTES) {
    throw badAuthFrame(`is longer than ${MAX_CLIENT_FRAME_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw badAuthFrame(`is not JSON (expected ${AUTH_SHAPE})`);
  }
  const auth = (value as { auth?: unknown } | null)?.auth as { token?: unknown } | undefined;
  const keys = typeof value === "object" && value !== null ? Object.keys(value) : [];
  if (
    keys.length !== 1 ||
    typeof auth !== "object" ||
    auth === null ||
    Object.keys(auth).length !== 1 ||
    typeof auth.token !== "string" ||
    auth.token === ""
  ) {
    throw badAuthFrame(`must be ${AUTH_SHAPE}`);
  }
  return auth.token;
}

/** Whether a frame is an auth frame (sent where none is needed: ignored). */
export function isAuthFrame(data: unknown): boolean {
  try {
    authFrameToken(data);
    return true;
  } catch {
    return false;
  }
}

/** The Permission error (401) of a socket that sent no auth frame in time. */
export function authTimeoutError(ms: number): SpoolError {
  return withStatus(
    new SpoolError("Permission", `no auth frame within ${ms} ms`, {
      hint: `send ${AUTH_SHAPE} as the first frame right after the socket opens, or the Authorization header with the upgrade request`,
    }),
    401,
  );
}
