/**
 * The shapes every successful result must have, whatever the manifest checks: complete PoolInfo
 * (every field of spec/http/v0 §2.2, `null` rather than omitted), envelopes with `seq`, `time`,
 * `meta.tags` and `data`, receipts, gaps, durable cursors, consumer groups and their deliveries
 * (spec/http/v0 §3.3–3.4). A surface that drops a field fails here even when no
 * manifest names that field and every surface drops it alike (which parity cannot see).
 *
 * Invariants: checks are on the raw result (before normalisation); extra fields are allowed
 * (additive within v0); each problem names its JSON path.
 */

/** PoolInfo's fields in their documented order (spec/http/v0 §2.2, spec/cli/v0 §4.1). */
export const POOL_INFO_KEYS = [
  "name",
  "path",
  "format_version",
  "file_size",
  "ring_size",
  "index_capacity",
  "index_stride",
  "bounds",
  "message_count",
  "bytes_used",
  "bytes_free",
  "max_message_bytes",
  "oldest_time",
  "newest_time",
  "producer_count",
  "producer_capacity",
  "producers",
  "cursors",
  "groups",
] as const;

/** A durable cursor's fields in their documented order (spec/http/v0 §3.3). */
export const CURSOR_INFO_KEYS = ["name", "committed", "lag", "ack_time", "created_time"] as const;

/** A consumer group's fields in their documented order (spec/http/v0 §3.4). */
export const GROUP_INFO_KEYS = [
  "name",
  "next",
  "lag",
  "in_flight",
  "waiting",
  "members",
  "oldest_unfinished",
  "delivered",
  "redelivered",
  "acked",
  "dead_lettered",
  "exhausted",
  "lost_to_retention",
  "max_attempts",
  "dead_letter",
  "retention",
  "created_time",
] as const;

/** A delivery's fields in their documented order (spec/http/v0 §3.4). */
export const DELIVERY_KEYS = ["seq", "attempt", "lease_until", "member", "message"] as const;

/** A kept producer's fields in their documented order (spec/http/v0 §2.2). */
export const PRODUCER_INFO_KEYS = [
  "id",
  "epoch",
  "last_seq",
  "last_pool_seq",
  "last_time",
] as const;

const INTEGER_KEYS = new Set([
  "format_version",
  "file_size",
  "ring_size",
  "index_capacity",
  "index_stride",
  "message_count",
  "bytes_used",
  "bytes_free",
  "max_message_bytes",
  "producer_count",
  "producer_capacity",
]);

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => v !== null && typeof v === "object" && !Array.isArray(v);
const isSeq = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 1;

function poolInfo(info: unknown, at: string, out: string[]): void {
  if (!isRecord(info)) {
    out.push(`${at}: expected a PoolInfo object, got ${JSON.stringify(info)}`);
    return;
  }
  for (const key of POOL_INFO_KEYS) {
    if (!(key in info) || info[key] === undefined) out.push(`${at}.${key}: missing`);
  }
  for (const key of ["name", "path"]) {
    if (key in info && typeof info[key] !== "string") out.push(`${at}.${key}: not a string`);
  }
  for (const key of INTEGER_KEYS) {
    if (key in info && !Number.isSafeInteger(info[key])) out.push(`${at}.${key}: not an integer`);
  }
  const bounds = info.bounds;
  const empty = isRecord(bounds) && Object.keys(bounds).length === 0;
  if (
    "bounds" in info &&
    !empty &&
    !(isRecord(bounds) && isSeq(bounds.oldest) && isSeq(bounds.newest))
  )
    out.push(`${at}.bounds: neither {} nor {oldest, newest}`);
  for (const key of ["oldest_time", "newest_time"]) {
    if (key in info && info[key] !== null && typeof info[key] !== "string")
      out.push(`${at}.${key}: neither null nor a time`);
  }
  if (empty && (info.newest_time !== null || info.message_count !== 0))
    out.push(`${at}: an empty pool (bounds {}) must have message_count 0 and newest_time null`);
  if ("producers" in info) {
    list(info.producers, `${at}.producers`, out, (p, pat) => producer(p, pat, out));
    if (Array.isArray(info.producers) && info.producers.length !== info.producer_count)
      out.push(`${at}.producer_count: not the number of producers listed`);
  }
  if ("cursors" in info) list(info.cursors, `${at}.cursors`, out, (c, cat) => cursor(c, cat, out));
  if ("groups" in info) list(info.groups, `${at}.groups`, out, (g, gat) => group(g, gat, out));
}

const isWhole = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isTimeOrNull = (v: unknown): boolean => v === null || typeof v === "string";

/** A durable cursor `{name, committed, lag, ack_time, created_time}`. */
function cursor(value: unknown, at: string, out: string[]): void {
  if (!isRecord(value)) {
    out.push(`${at}: expected a cursor object, got ${JSON.stringify(value)}`);
    return;
  }
  for (const key of CURSOR_INFO_KEYS) if (!(key in value)) out.push(`${at}.${key}: missing`);
  if ("name" in value && typeof value.name !== "string") out.push(`${at}.name: not a string`);
  for (const key of ["committed", "lag"])
    if (key in value && !isWhole(value[key])) out.push(`${at}.${key}: not a whole number`);
  if ("ack_time" in value && !isTimeOrNull(value.ack_time))
    out.push(`${at}.ack_time: neither null nor a time`);
  if ("created_time" in value && typeof value.created_time !== "string")
    out.push(`${at}.created_time: not a string`);
}

/** A consumer group: frontier, lag, deliveries in flight, counters, settings. */
function group(value: unknown, at: string, out: string[]): void {
  if (!isRecord(value)) {
    out.push(`${at}: expected a group object, got ${JSON.stringify(value)}`);
    return;
  }
  for (const key of GROUP_INFO_KEYS) if (!(key in value)) out.push(`${at}.${key}: missing`);
  if ("name" in value && typeof value.name !== "string") out.push(`${at}.name: not a string`);
  for (const key of [
    "next",
    "lag",
    "in_flight",
    "waiting",
    "delivered",
    "redelivered",
    "acked",
    "dead_lettered",
    "exhausted",
    "lost_to_retention",
    "max_attempts",
  ]) {
    if (key in value && !isWhole(value[key])) out.push(`${at}.${key}: not a whole number`);
  }
  if ("oldest_unfinished" in value && value.oldest_unfinished !== null)
    if (!isSeq(value.oldest_unfinished))
      out.push(`${at}.oldest_unfinished: neither null nor a seq`);
  if ("dead_letter" in value && value.dead_letter !== null && typeof value.dead_letter !== "string")
    out.push(`${at}.dead_letter: neither null nor a pool name`);
  if ("retention" in value && value.retention !== "lost" && value.retention !== "block")
    out.push(`${at}.retention: neither "lost" nor "block"`);
  if ("created_time" in value && typeof value.created_time !== "string")
    out.push(`${at}.created_time: not a string`);
  if ("members" in value)
    list(value.members, `${at}.members`, out, (m, mat) => {
      if (!isRecord(m) || typeof m.member !== "string" || !isWhole(m.in_flight))
        out.push(`${mat}: not a member {member, in_flight}`);
    });
}

/** A delivery `{seq, attempt, lease_until, member, message}` (the message an envelope). */
function delivery(value: unknown, at: string, out: string[]): void {
  if (!isRecord(value)) {
    out.push(`${at}: expected a delivery object, got ${JSON.stringify(value)}`);
    return;
  }
  for (const key of DELIVERY_KEYS) if (!(key in value)) out.push(`${at}.${key}: missing`);
  if ("seq" in value && !isSeq(value.seq)) out.push(`${at}.seq: not a seq`);
  if ("attempt" in value && !isSeq(value.attempt)) out.push(`${at}.attempt: not an attempt ≥ 1`);
  if ("lease_until" in value && typeof value.lease_until !== "string")
    out.push(`${at}.lease_until: not a string`);
  if ("member" in value && typeof value.member !== "string") out.push(`${at}.member: not a string`);
  if ("message" in value) receipt(value.message, `${at}.message`, out, true);
  if (isRecord(value.message) && value.message.seq !== value.seq)
    out.push(`${at}.message.seq: not the delivery's seq`);
}

/** A kept producer `{id, epoch, last_seq, last_pool_seq, last_time}`. */
function producer(value: unknown, at: string, out: string[]): void {
  if (!isRecord(value)) {
    out.push(`${at}: expected a producer object, got ${JSON.stringify(value)}`);
    return;
  }
  for (const key of PRODUCER_INFO_KEYS) if (!(key in value)) out.push(`${at}.${key}: missing`);
  if ("id" in value && typeof value.id !== "string") out.push(`${at}.id: not a string`);
  for (const key of ["epoch", "last_seq", "last_pool_seq"]) {
    if (key in value && !(Number.isSafeInteger(value[key]) && (value[key] as number) >= 0))
      out.push(`${at}.${key}: not a whole number`);
  }
  if ("last_time" in value && typeof value.last_time !== "string")
    out.push(`${at}.last_time: not a string`);
}

function receipt(message: unknown, at: string, out: string[], withData: boolean): void {
  if (!isRecord(message)) {
    out.push(`${at}: expected an envelope object, got ${JSON.stringify(message)}`);
    return;
  }
  if ("duplicate" in message) {
    duplicate(message, at, out);
    return;
  }
  if (!isSeq(message.seq)) out.push(`${at}.seq: not a seq`);
  if (typeof message.time !== "string") out.push(`${at}.time: not a string`);
  const tags = isRecord(message.meta) ? message.meta.tags : undefined;
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string"))
    out.push(`${at}.meta.tags: not an array of strings`);
  if (withData && !("data" in message)) out.push(`${at}.data: missing`);
}

/**
 * A producer's duplicate in an append answer: the original envelope (with its data, except in a
 * CLI receipt) with
 * `duplicate: true`, or `{seq, duplicate: true}` (seq null when not known) when the pool no
 * longer holds the original.
 */
function duplicate(message: Rec, at: string, out: string[]): void {
  if (message.duplicate !== true) out.push(`${at}.duplicate: not true`);
  const keys = Object.keys(message);
  if (keys.length === 2 && "seq" in message) {
    if (message.seq !== null && !isSeq(message.seq)) out.push(`${at}.seq: neither a seq nor null`);
    return;
  }
  const { duplicate: _mark, ...envelope } = message;
  receipt(envelope, at, out, false);
  if (keys[keys.length - 1] !== "duplicate")
    out.push(`${at}.duplicate: not the envelope's last member`);
}

function list(
  items: unknown,
  at: string,
  out: string[],
  each: (v: unknown, at: string) => void,
): void {
  if (!Array.isArray(items)) {
    out.push(`${at}: not an array`);
    return;
  }
  for (const [i, item] of items.entries()) each(item, `${at}[${i}]`);
}

/**
 * Problems with the shape of a successful result of `op` (empty when it is well formed).
 *
 * @example
 * shapeProblems("get", { message: { seq: 1, time: "…", meta: { tags: [] } } }) // ["result.message.data: missing"]
 */
export function shapeProblems(op: string, result: unknown): string[] {
  const out: string[] = [];
  const r = isRecord(result) ? result : {};
  if (!isRecord(result)) out.push(`result: expected an object, got ${JSON.stringify(result)}`);
  switch (op) {
    case "create":
    case "info":
      poolInfo(r.pool, "result.pool", out);
      break;
    case "list":
      list(r.pools, "result.pools", out, (entry, at) => {
        if (isRecord(entry) && "error" in entry) {
          const error = entry.error;
          if (typeof entry.name !== "string" || typeof entry.path !== "string")
            out.push(`${at}: an error entry needs name and path`);
          if (
            !isRecord(error) ||
            typeof error.kind !== "string" ||
            typeof error.message !== "string"
          )
            out.push(`${at}.error: not an error {kind, message}`);
        } else poolInfo(entry, at, out);
      });
      break;
    case "delete":
      if (r.ok !== true) out.push("result.ok: not true");
      break;
    case "append":
      receipt(r.message, "result.message", out, false);
      break;
    case "append_batch":
      list(r.messages, "result.messages", out, (m, at) => receipt(m, at, out, false));
      break;
    case "get":
      receipt(r.message, "result.message", out, true);
      break;
    case "tail":
      list(r.messages, "result.messages", out, (m, at) => receipt(m, at, out, true));
      list(r.gaps, "result.gaps", out, (g, at) => {
        if (!isRecord(g) || !isSeq(g.from) || !isSeq(g.to) || !isSeq(g.count))
          out.push(`${at}: not a gap {from, to, count}`);
      });
      break;
    case "producer_state":
      if (r.producer !== null) producer(r.producer, "result.producer", out);
      break;
    case "concurrent_append":
      if (!Number.isSafeInteger(r.appended)) out.push("result.appended: not an integer");
      break;
    case "cursor_info":
    case "cursor_ack":
    case "cursor_reset":
    case "cursor_delete":
      cursor(r.cursor, "result.cursor", out);
      break;
    case "cursor_list":
      list(r.cursors, "result.cursors", out, (c, at) => cursor(c, at, out));
      break;
    case "group_ensure":
    case "group_info":
    case "group_delete":
      group(r.group, "result.group", out);
      break;
    case "group_list":
      list(r.groups, "result.groups", out, (g, at) => group(g, at, out));
      break;
    case "group_claim":
      list(r.deliveries, "result.deliveries", out, (d, at) => delivery(d, at, out));
      break;
    case "group_ack":
      if (!isWhole(r.acked)) out.push("result.acked: not a whole number");
      break;
    case "group_nack":
      if (r.ok !== true) out.push("result.ok: not true");
      break;
    case "group_extend":
      if (typeof r.lease_until !== "string") out.push("result.lease_until: not a string");
      break;
    case "group_work":
      list(r.jobs, "result.jobs", out, (j, at) => {
        if (!isRecord(j) || !isSeq(j.seq) || !isSeq(j.attempt))
          out.push(`${at}: not a job {seq, attempt}`);
      });
      break;
  }
  return out;
}
