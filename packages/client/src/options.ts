/**
 * Tail options: the local API's `TailOptions`, checked before anything is sent and spelled as the tail's query string.
 *
 * Invariants: unknown option names are refused (core's `checkKnownKeys`, with a suggestion); the
 * same option rules as the local API, through core's validators (whole numbers, `since` ≥ 1, not
 * two of `since`, `sinceTime` and `last`, a known gap policy, where expressions that compile (core's compiler), tags as core checks them: non-empty, at most
 * 256 bytes, no control characters), refused with a Usage error carrying a hint; the query uses the protocol's names (`since_seq`, `since_time`, `last`, `max`, `timeout_ms`,
 * repeated `tag`, repeated `where`, `gap_policy`, `follow=false`) and plain decimal digits, and always asks for gap lines
 * (`gap_lines=1`; a server that predates them ignores the parameter); a durable cursor is sent as
 * `cursor=NAME` (its start options then only place a new cursor, spec/api/v0 §3.11) and
 * `autoAck` (core's rule: only with a cursor) is the SDK's own (it acks through the cursor).
 */
import {
  type TailOptions as CoreTailOptions,
  checkConsumerName,
  checkCount,
  checkGapPolicy,
  checkKnownKeys,
  checkOneTailStart,
  checkTag,
  checkWhereList,
  requireTime,
} from "@spool/core/shared";
import { usage } from "./errors.js";

/** The options `pool.tail()` knows; any other is refused (Usage naming it). */
export const TAIL_OPTION_KEYS: readonly string[] = [
  "since",
  "last",
  "max",
  "timeoutMs",
  "sinceTime",
  "tags",
  "where",
  "gapPolicy",
  "follow",
  "signal",
  "onGap",
  "onEnd",
  "cursor",
  "autoAck",
  "transport",
];

/**
 * Refuses options outside `allowed` with a Usage error naming the first (and suggesting the right
 * spelling when it is obvious, e.g. `since_seq` → `since`), so a misspelt option never silently
 * changes what a call does. `undefined` and `null` (no options) pass.
 *
 * @example
 * checkOptionKeys({ timeout: 5 }, TAIL_OPTION_KEYS, "pool.tail()"); // throws: unknown option "timeout": did you mean timeoutMs?
 */
export function checkOptionKeys(options: unknown, allowed: readonly string[], where: string): void {
  if (typeof options !== "object" || options === null) return;
  checkKnownKeys(Object.keys(options), allowed, {
    what: "option",
    hint: `pass only the options ${where} documents`,
  });
}

/**
 * Options of `pool.tail()`: the local API's tail options (`follow: false` reads to the end and
 * stops, sent as `follow=false`).
 */
export type TailOptions = Omit<CoreTailOptions, "sharedChunks" | "onWhereError"> & {
  /**
   * How the tail reaches the server: `"http"` (default: the JSONL tail over fetch) or
   * `"websocket"` (`GET /v0/pools/{pool}/ws`, spec/http/v0 §4.2), with the same semantics. The
   * WebSocket comes from the client's `webSocket` option, else the global `WebSocket`.
   */
  transport?: TailTransport | undefined;
};

/** The transports of a tail. */
export type TailTransport = "http" | "websocket";

/** Checks tail options (Usage on a bad or unknown one; `allowed` lists the known names). */
export function checkTailOptions(
  options: TailOptions,
  allowed: readonly string[] = TAIL_OPTION_KEYS,
  where = "pool.tail()",
): void {
  checkOptionKeys(options, allowed, where);
  const since = checkCount("since", options.since, 1);
  const last = checkCount("last", options.last, 0);
  checkCount("max", options.max, 0);
  checkCount("timeoutMs", options.timeoutMs, 0);
  checkOneTailStart({ since, sinceTime: sinceTimeText(options.sinceTime), last });
  // Shape and size only: the server parses the expressions and answers a bad one with 400 Usage
  // before the stream starts; core's parser would add ~5 KiB (min+gzip) to every app.
  if (options.where !== undefined) checkWhereList(options.where);
  if (options.follow !== undefined && typeof options.follow !== "boolean") {
    throw usage(
      `follow must be true or false, got ${JSON.stringify(options.follow)}`,
      "pass follow: false to read to the end and stop, or leave it out to keep following",
    );
  }
  checkGapPolicy(options.gapPolicy);
  checkCursorOptions(options);
  if (
    options.transport !== undefined &&
    options.transport !== "http" &&
    options.transport !== "websocket"
  ) {
    throw usage(
      `transport must be "http" or "websocket", got ${JSON.stringify(options.transport)}`,
      'pass transport: "websocket" to tail over a WebSocket, or leave it out for HTTP',
    );
  }
  if (options.tags !== undefined) {
    if (!Array.isArray(options.tags)) {
      throw usage("tags must be an array of strings", 'pass tags such as ["build"]');
    }
    for (const tag of options.tags) checkTag(tag);
  }
}

/** `cursor` and `autoAck` as core's tail checks them (the same words). */
function checkCursorOptions(options: TailOptions): void {
  if (options.cursor !== undefined) checkConsumerName(options.cursor, "cursor");
  if (options.autoAck !== undefined && typeof options.autoAck !== "boolean") {
    throw usage(
      `autoAck must be true or false, got ${JSON.stringify(options.autoAck)}`,
      "autoAck: true acks each message when the next one is asked for",
    );
  }
  if (options.autoAck === true && options.cursor === undefined) {
    throw usage(
      "autoAck needs a cursor",
      "name the cursor to ack: tail({ cursor: 'indexer', autoAck: true })",
    );
  }
}

/**
 * The tail's query string for checked options, always with `gap_lines=1`.
 *
 * @example
 * tailQuery({ since: 5, tags: ["a"] }).toString() // "since_seq=5&tag=a&gap_lines=1"
 */
export function tailQuery(options: TailOptions): URLSearchParams {
  const query = new URLSearchParams();
  if (options.since !== undefined) query.set("since_seq", String(options.since));
  const sinceTime = sinceTimeText(options.sinceTime);
  if (sinceTime !== undefined) query.set("since_time", sinceTime);
  if (options.last !== undefined) query.set("last", String(options.last));
  if (options.max !== undefined) query.set("max", String(options.max));
  if (options.timeoutMs !== undefined) query.set("timeout_ms", String(options.timeoutMs));
  for (const tag of options.tags ?? []) query.append("tag", tag);
  const where = options.where;
  for (const expression of typeof where === "string" ? [where] : (where ?? [])) {
    query.append("where", expression);
  }
  if (options.gapPolicy !== undefined) query.set("gap_policy", options.gapPolicy);
  if (options.follow === false) query.set("follow", "false");
  if (options.cursor !== undefined) query.set("cursor", options.cursor);
  query.set("gap_lines", "1");
  return query;
}

/**
 * The WebSocket tail's query string (spec/http/v0 §4.2): the tail's, without `gap_lines` (gaps
 * are always frames there).
 *
 * @example
 * wsTailQuery({ since: 5 }).toString() // "since_seq=5"
 */
export function wsTailQuery(options: TailOptions): URLSearchParams {
  const query = tailQuery(options);
  query.delete("gap_lines");
  return query;
}

/** `sinceTime` as the RFC 3339 text sent as `since_time` (Usage when it is not an instant). */
function sinceTimeText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) {
      throw usage(
        "sinceTime is an invalid Date",
        'pass a valid Date or RFC 3339 text, e.g. "2026-11-22T10:00:00Z"',
      );
    }
    return value.toISOString();
  }
  if (typeof value !== "string") {
    throw usage(
      "sinceTime must be RFC 3339 text or a Date",
      'e.g. sinceTime: "2026-11-22T10:00:00Z" or new Date(Date.now() - 600_000)',
    );
  }
  requireTime(value, "sinceTime");
  return value;
}
