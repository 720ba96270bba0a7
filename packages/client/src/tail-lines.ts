/**
 * What one line of a JSONL tail is: a message envelope, a gap record (`{"gap": {from, to,
 * count}}`, sent with `gap_lines=1`) or the final error (`{"error": {…}}`), told apart by the
 * top-level key as spec/http/v0 §4 says.
 *
 * Invariants: a message line in the server's canonical spelling (starting `{"seq":`) is taken
 * without a parse (see message.ts); every other line is parsed once and classified by its
 * top-level keys (`seq`, then `gap`, then `error`), so no valid line is refused for its spacing
 * or key order, and gap and error lines (rare) cost one small parse; a gap record is only accepted whole (`from`, `to`, `count` positive safe
 * integers with `from ≤ to` and `count = to − from + 1`) and a line that is none of the three is
 * never delivered as data: both are protocol errors (Internal, with the response's status).
 */
import { type Gap, HTTP_STATUSES } from "@spool/core/shared";
import { errorFromJson, errorJsonOf } from "./errors.js";
import { protocolError } from "./http.js";
import { RemoteMessage } from "./message.js";

/** One classified tail line. */
export type TailLine<T> =
  | { type: "message"; message: RemoteMessage<T> }
  | { type: "gap"; gap: Gap }
  /** The server's final error line, as the error to throw. */
  | { type: "error"; error: Error };

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const SEQ_LINE = encoder.encode('{"seq":');

/** The status a tail's lines arrive with (the stream started, so 200). */
const STREAM_STATUS = 200;

function startsWith(line: Uint8Array, prefix: Uint8Array): boolean {
  if (line.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (line[i] !== prefix[i]) return false;
  return true;
}

/**
 * Classifies one line of a tail response (with or without its newline; the caller owns it).
 * Throws a protocol error (SpoolHttpError, kind Internal, status 200) for a line that is not
 * JSON, a malformed gap record, an envelope with a bad shape, or a line with none of the keys.
 *
 * @example
 * const line = classifyTailLine(new TextEncoder().encode('{"gap":{"from":3,"to":9,"count":7}}\n'));
 * // { type: "gap", gap: { from: 3, to: 9, count: 7 } }
 */
export function classifyTailLine<T>(line: Uint8Array): TailLine<T> {
  if (startsWith(line, SEQ_LINE)) return { type: "message", message: messageOf<T>(line) };
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(line));
  } catch (error) {
    throw protocolError(STREAM_STATUS, "GET tail: a line is not JSON", error);
  }
  const keyed = typeof value === "object" && value !== null && !Array.isArray(value);
  const has = (key: string): boolean => keyed && Object.hasOwn(value as object, key);
  if (has("seq")) return { type: "message", message: messageOf<T>(line, value) };
  if (has("gap")) return { type: "gap", gap: gapOf(value) };
  if (has("error")) return { type: "error", error: errorOf(value) };
  throw protocolError(
    STREAM_STATUS,
    "GET tail: a line is neither a message envelope, a gap record nor an error",
  );
}

function messageOf<T>(line: Uint8Array, parsed?: unknown): RemoteMessage<T> {
  try {
    return parsed === undefined
      ? RemoteMessage.fromLine<T>(line)
      : RemoteMessage.fromEnvelope<T>(parsed, line);
  } catch (error) {
    throw protocolError(STREAM_STATUS, "GET tail: a line is not a message envelope", error);
  }
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

/** The gap of a parsed `{"gap": {from, to, count}}` record; a protocol error if malformed. */
function gapOf(value: unknown): Gap {
  const gap = (value as { gap?: unknown }).gap as Partial<Gap> | null | undefined;
  if (
    typeof gap === "object" &&
    gap !== null &&
    isCount(gap.from) &&
    isCount(gap.to) &&
    isCount(gap.count) &&
    gap.from <= gap.to &&
    gap.count === gap.to - gap.from + 1
  ) {
    return { from: gap.from, to: gap.to, count: gap.count };
  }
  const preview = JSON.stringify(value).slice(0, 80);
  throw protocolError(
    STREAM_STATUS,
    `GET tail: malformed gap line ${preview} (expected {"gap":{"from":F,"to":T,"count":T-F+1}} with whole numbers F ≤ T)`,
  );
}

/** The typed error of a final `{"error": …}` line (with the status of its kind). */
function errorOf(value: unknown): Error {
  const json = errorJsonOf(value);
  if (!json)
    return protocolError(STREAM_STATUS, "GET tail: an error line is not an error envelope");
  return errorFromJson(json, HTTP_STATUSES[json.kind]);
}
