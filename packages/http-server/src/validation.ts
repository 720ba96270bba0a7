/**
 * Validation of every path parameter, query and body of protocol v0: zod schemas for queries and
 * bodies (and pool names inside bodies), direct checks for the two path parameters (`poolParam`,
 * `seqParam`: they run on every request, a schema run costs more than the check), and the
 * helpers that turn a failed parse into a Usage SpoolError.
 *
 * Invariants: a pool name from the network is a name only — core's `validatePoolName` decides
 * (no separators, no `..`, no NUL, bounded length, a conservative character set, so a
 * percent-encoded trick that survives URL decoding still fails); its own message and hint reach
 * the client unchanged. Numbers in paths and queries are plain decimal digits (no signs,
 * exponents, blanks or hex) within the safe-integer range. Bodies are read as bytes (their size
 * already bounded by the body-limit middleware) and decoded as strict UTF-8 by core's
 * `decodeUtf8`: invalid bytes are 400 Usage, never stored as U+FFFD. Inputs are strict: an
 * unknown query parameter or body field (top level, or of a batch element) is 400 Usage naming it
 * (core's `checkKnownKeys`, with a "did you mean" suggestion), so a name this server does not know
 * is never silently ignored.
 */
import {
  checkConsumerName,
  checkKnownKeys,
  checkProducerId,
  checkTag,
  DURABILITIES,
  decodeUtf8,
  GAP_POLICIES,
  isSpoolError,
  SpoolError,
  validatePoolName,
} from "@spool/core";
import * as z from "zod";
import { usage } from "./errors.js";

/** A string checked by one of core's validators; its Usage error rides along in the issue. */
function coreChecked(check: (value: string) => string) {
  return z.string().transform((value, ctx) => {
    try {
      return check(value);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: error instanceof Error ? error.message : "invalid value",
        params: { spoolError: error },
        input: value,
      });
      return z.NEVER;
    }
  });
}

/** A pool name, checked by core's `validatePoolName` (its message and hint are kept). */
export const poolName = coreChecked(validatePoolName);
const tag = coreChecked(checkTag);

/** Decimal digits as a safe integer ≥ `min`. */
export function decimal(min: number) {
  return z
    .string()
    .regex(/^\d{1,16}$/, "must be a whole number written in decimal digits")
    .transform((s) => Number(s))
    .pipe(z.int().min(min).max(Number.MAX_SAFE_INTEGER));
}

/**
 * The `:pool` path parameter, checked by core's `validatePoolName` (its Usage error, message and
 * hint unchanged).
 *
 * @example
 * poolParam(c.req.param("pool")); // "build", or throws core's Usage error for "..", "a/b", …
 */
export function poolParam(value: string | undefined): string {
  return validatePoolName(value ?? "");
}

/**
 * The `:seq` path parameter: decimal digits only (no sign, exponent, blank or hex), 1 to
 * Number.MAX_SAFE_INTEGER.
 *
 * @example
 * seqParam("42"); // 42; "0", "-1", "1e3", " 1" and "0x10" throw a Usage error
 */
export function seqParam(value: string | undefined): number {
  if (value !== undefined && /^\d{1,16}$/.test(value)) {
    const seq = Number(value);
    if (seq >= 1 && seq <= Number.MAX_SAFE_INTEGER) return seq;
  }
  throw usage(
    `invalid path field seq: must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER} written in decimal digits`,
    HINTS.path as string,
  );
}

const tags = z.array(tag).optional();
const durability = z.enum(DURABILITIES as [string, ...string[]]).optional();

export const createBody = z.object({
  pool: poolName,
  size_bytes: z.int().min(1).optional(),
});

export const openBody = z.object({ pool: poolName });

/** `data` is any JSON value but must be present (null is a value; a missing key is not). */
const data = z.unknown().refine((v) => v !== undefined, "data is required (any JSON value)");

/** A conditional append's expected newest seq (0 for a pool never appended to). */
const expected_last_seq = z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional();

/** A producer's fields (spec/http/v0 §3.2): its id (core's rule), epoch and seq. */
const producer_id = coreChecked((value) => checkProducerId(value, "producer_id")).optional();
const producer_epoch = z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional();
const producer_seq = z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional();
const producerFields = { producer_id, producer_epoch, producer_seq };

export const appendBody = z.object({
  data,
  tags,
  durability,
  expected_last_seq,
  ...producerFields,
});

export function batchBody(maxMessages: number) {
  return z.object({
    messages: z
      .array(z.object({ data, tags }))
      .min(1, "messages must hold at least one message")
      .max(maxMessages, `at most ${maxMessages} messages per batch`),
    durability,
    expected_last_seq,
    ...producerFields,
  });
}

/** The fields each request body may carry; any other field is 400 Usage. */
export const BODY_FIELDS = {
  create: ["pool", "size_bytes"],
  open: ["pool"],
  append: [
    "data",
    "tags",
    "durability",
    "expected_last_seq",
    "producer_id",
    "producer_epoch",
    "producer_seq",
  ],
  append_batch: [
    "messages",
    "durability",
    "expected_last_seq",
    "producer_id",
    "producer_epoch",
    "producer_seq",
  ],
  batch_message: ["data", "tags"],
  cursor_ack: ["seq", "durability"],
  cursor_reset: ["seq", "time"],
  group_put: ["since", "max_attempts", "dead_letter", "retention"],
  group_claim: [
    "max",
    "lease_ms",
    "member",
    "wait_ms",
    "ack",
    "since",
    "max_attempts",
    "dead_letter",
    "retention",
  ],
  group_ack: ["seq", "attempt", "deliveries"],
  delivery: ["seq", "attempt"],
  group_nack: ["seq", "attempt", "delay_ms", "error"],
  group_extend: ["seq", "attempt", "lease_ms"],
} as const satisfies Record<string, readonly string[]>;

/**
 * Refuses body fields outside `allowed` (400 Usage naming the first, with a suggestion).
 *
 * @example
 * checkBodyFields(["pool", "size"], BODY_FIELDS.create); // throws: unknown body field "size": did you mean size_bytes?
 */
export function checkBodyFields(
  keys: Iterable<string>,
  allowed: readonly string[],
  prefix?: string,
): void {
  checkKnownKeys(keys, allowed, {
    what: "body field",
    hint: "send only the fields of spec/http/v0/SPEC.md §3",
    ...(prefix === undefined ? {} : { prefix }),
  });
}

/**
 * Refuses query parameters outside `allowed` (400 Usage naming the first, with a suggestion);
 * endpoints without parameters pass `[]`.
 *
 * @example
 * checkQueryKeys(new URL("http://h/v0/pools?x=1"), []); // throws: unknown query parameter "x"
 */
export function checkQueryKeys(url: URL, allowed: readonly string[]): void {
  if (url.search === "" || url.search === "?") return;
  checkKnownKeys(url.searchParams.keys(), allowed, {
    what: "query parameter",
    hint: "check the query parameters against spec/http/v0/SPEC.md",
  });
}

/** Tail query; `tag` may repeat, every other key at most once. */
export function tailQuery(maxTimeoutMs: number) {
  return z.object({
    since_seq: decimal(1).optional(),
    last: decimal(0).optional(),
    max: decimal(0).optional(),
    timeout_ms: decimal(0)
      .pipe(
        z
          .int()
          .max(maxTimeoutMs, `timeout_ms is above this server's maximum of ${maxTimeoutMs} ms`),
      )
      .optional(),
    tag: z.array(tag).optional(),
    /** Where expressions (spec/api/v0 §4.6), repeatable; compiled by tailStart. */
    where: z.array(z.string()).optional(),
    /** RFC 3339 text or an age (`10m`); read by tailStart with core's rule. */
    since_time: z.string().optional(),
    gap_policy: z.enum(GAP_POLICIES as [string, ...string[]]).optional(),
    follow: z.enum(["true", "false"]).optional(),
    /** A durable cursor (spec/http/v0 §3.3): core's name rule. */
    cursor: coreChecked((value) => checkConsumerName(value, "cursor")).optional(),
  });
}

/** The JSONL tail's query: the tail query plus `gap_lines=0|1` (report gaps as lines). */
export function jsonlTailQuery(maxTimeoutMs: number) {
  return tailQuery(maxTimeoutMs).extend({ gap_lines: z.enum(["0", "1"]).optional() });
}

/** The longest reconnection delay an SSE tail may ask browsers for (`retry_ms`). */
export const MAX_RETRY_MS = 3_600_000;

/** Heartbeats of an SSE tail: the default interval and the allowed range (0 turns them off). */
export const HEARTBEAT_MS = { default: 15_000, min: 100, max: 3_600_000 } as const;

/** `heartbeat_ms`: 0 (off), or 100 to 3,600,000 (the SSE and WebSocket tails). */
function heartbeatMs() {
  return decimal(0)
    .pipe(
      z
        .int()
        .max(HEARTBEAT_MS.max, `heartbeat_ms is above the maximum of ${HEARTBEAT_MS.max} ms`)
        .refine(
          (ms) => ms === 0 || ms >= HEARTBEAT_MS.min,
          `heartbeat_ms must be 0 (off) or at least ${HEARTBEAT_MS.min} ms`,
        ),
    )
    .optional();
}

/**
 * The SSE tail's query: the tail query plus `retry_ms` (the `retry:` field sent first) and
 * `heartbeat_ms` (0, or 100 to 3,600,000).
 */
export function sseTailQuery(maxTimeoutMs: number) {
  return tailQuery(maxTimeoutMs).extend({
    retry_ms: decimal(0)
      .pipe(z.int().max(MAX_RETRY_MS, `retry_ms is above the maximum of ${MAX_RETRY_MS} ms`))
      .optional(),
    heartbeat_ms: heartbeatMs(),
  });
}

/**
 * The WebSocket tail's query: the tail query plus `heartbeat_ms` (gap frames are always sent, so
 * there is no `gap_lines`; a token never travels in the query, where logs would keep it).
 */
export function wsTailQuery(maxTimeoutMs: number) {
  return tailQuery(maxTimeoutMs).extend({ heartbeat_ms: heartbeatMs() });
}

/** A `Last-Event-ID` header: the seq of the last event received (0 or more). */
export const lastEventId = decimal(0);

const HINTS: Record<string, string> = {
  body: 'send a JSON object body, e.g. {"data": {"step": "lint"}, "tags": ["build"]}',
  query: "check the query parameters against spec/http/v0/SPEC.md",
  path: "check the URL against spec/http/v0/SPEC.md",
};

/**
 * Parses `input` with `schema`; a failure throws a Usage SpoolError naming the first offending
 * field (or core's own error for a pool name).
 */
export function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: "body" | "query" | "path",
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const carried = (issue as { params?: { spoolError?: unknown } } | undefined)?.params?.spoolError;
  if (isSpoolError(carried)) throw carried;
  const field = issue?.path.join(".") ?? "";
  const label = field ? `${where} field ${field}` : where;
  throw new SpoolError("Usage", `invalid ${label}: ${issue?.message ?? "invalid input"}`, {
    hint: HINTS[where] ?? "check the request",
  });
}

/**
 * The request body as text: its bytes decoded as strict UTF-8 (Usage, with a hint, when they are
 * not valid UTF-8).
 *
 * @example
 * const text = await bodyText(c.req); // throws Usage "request body is not valid UTF-8" for 0xFF
 */
export async function bodyText(request: { arrayBuffer(): Promise<ArrayBuffer> }): Promise<string> {
  return decodeUtf8(new Uint8Array(await request.arrayBuffer()), "request body");
}

/** Parses a request body's text as JSON (Usage on malformed JSON or a non-object). */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Only a failed parse pays for telling an empty body apart (no trim on the happy path).
    const what = text.trim() === "" ? "request body is empty" : "request body is not valid JSON";
    throw usage(what, HINTS.body as string);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usage("request body must be a JSON object", HINTS.body as string);
  }
  return value as Record<string, unknown>;
}

/**
 * The query as `{key: value}` with the `repeatable` keys as arrays; other repeats are refused, and
 * so are keys outside `allowed`.
 */
export function queryObject(
  url: URL,
  repeatable: readonly string[],
  allowed: readonly string[],
): Record<string, unknown> {
  checkQueryKeys(url, allowed);
  const out: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    if (repeatable.includes(key)) out[key] = values;
    else if (values.length > 1) {
      throw usage(`query parameter ${key} is given ${values.length} times`, HINTS.query as string);
    } else out[key] = values[0];
  }
  return out;
}
