/**
 * Durable consumers (spec/api/v0 §3.11–3.12): named cursors and consumer groups. What they are,
 * how their names and options are checked, and their wire spellings. Node-free, so the SDK, the
 * HTTP server and the CLI check the same options with the same rules and words.
 *
 * Invariants: cursor and group names are 1–64 of `A–Z a–z 0–9 . _ -` starting with a letter or
 * digit (they appear in URL paths unchanged and never contain the `/` that separates a group
 * from a delivery's seq in the ledger); members use the producer id alphabet; every bad option is
 * Usage with a hint; a delivery is identified by (seq, attempt).
 */
import { SpoolError } from "./errors.js";
import type { Message } from "./message.js";
import { PRODUCER_ID_PATTERN } from "./producer.js";

/** Cursor and group names. */
export const CONSUMER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Longest lease, nack delay or claim wait: 24 hours. */
export const MAX_LEASE_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_LEASE_MS = 30_000;
/** Most messages one claim delivers. */
export const MAX_CLAIM = 1000;
/** Longest nack error kept, in UTF-8 bytes (longer ones are cut at a character boundary). */
export const MAX_ERROR_BYTES = 512;

/** Where a new group starts. */
export type GroupStart = number | "oldest" | "new";
/** What an append does to messages a group has not finished: drop them, or wait (Busy). */
export type GroupRetention = "lost" | "block";
export const GROUP_RETENTIONS: readonly GroupRetention[] = ["lost", "block"];

/** A group's settings, as `pool.group(name, settings)` takes them (all optional). */
export interface GroupSettings {
  /** Where a new group starts (only used when the group is created). Default "new". */
  since?: GroupStart;
  /** Deliveries before a message is given up; 0 = unlimited (default). */
  maxAttempts?: number;
  /** Pool (same directory) that given-up messages are appended to; null removes it. */
  deadLetter?: string | null;
  /** Default "lost". */
  retention?: GroupRetention;
}

/** A claim's options. */
export interface ClaimOptions {
  /** Most messages to deliver, 1–1000 (default 1). */
  max?: number;
  /** How long each delivery is leased, 1 ms – 24 h (default 30 s). */
  leaseMs?: number;
  /** Who claims (shown in info): 1–64 of `A–Z a–z 0–9 . _ - : / @`; default `HOST:PID`. */
  member?: string;
  /**
   * Deliveries to ack in the same commit, before claiming (by the rules of `ack`: all or
   * none): a worker's loop finishes one message and takes the next in one step.
   */
  ack?: readonly DeliveryRef[];
}

/** `claimAsync`'s options: a claim that may wait for something to claim. */
export interface ClaimWaitOptions extends ClaimOptions {
  /** Wait up to this long for a message to become claimable (default 0: answer at once). */
  waitMs?: number;
  signal?: AbortSignal;
}

/** Which delivery an ack, nack or extend is about. */
export interface DeliveryRef {
  seq: number;
  attempt: number;
}

/** One message delivered to one member of a group. */
export interface Delivery<T = unknown> extends DeliveryRef {
  /** When the lease ends (RFC 3339 UTC); past it, the message is claimable again. */
  leaseUntil: string;
  member: string;
  message: Message<T>;
}

export interface NackOptions {
  /** Claimable again after this long (ms, default 0, at most 24 h). */
  delayMs?: number;
  /** Why it failed: kept as the message's last error (at most 512 bytes). */
  error?: string;
}

export interface ExtendOptions {
  /** The new lease, from now (ms; default 30 s). */
  leaseMs?: number;
}

/** A cursor as info shows it. */
export interface CursorInfo {
  name: string;
  /** The last acknowledged seq (0: nothing yet). */
  committed: number;
  /** newest − committed (never negative). */
  lag: number;
  /** When the last ack was made (RFC 3339 UTC), null before the first. */
  ackTime: string | null;
  createdTime: string;
}

/** A group as info shows it. */
export interface GroupInfo {
  name: string;
  /** The first seq never delivered. */
  next: number;
  /** Messages not finished: newest − next + 1, plus those delivered but not finished. */
  lag: number;
  /** Deliveries whose lease has not ended. */
  inFlight: number;
  /** Messages claimable again (lease expired, or nacked and their delay passed or pending). */
  waiting: number;
  /** Members with deliveries in flight. */
  members: { member: string; inFlight: number }[];
  /** The lowest seq the group has not finished (null when it has finished everything). */
  oldestUnfinished: number | null;
  delivered: number;
  redelivered: number;
  acked: number;
  deadLettered: number;
  exhausted: number;
  lostToRetention: number;
  maxAttempts: number;
  deadLetter: string | null;
  retention: GroupRetention;
  createdTime: string;
}

function usage(message: string, hint: string): SpoolError {
  return new SpoolError("Usage", message, { hint });
}

function shown(value: unknown): string {
  const text = typeof value === "string" && value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(text) ?? String(value);
}

/** Checks a cursor or group name (`what` is "cursor" or "group"). */
export function checkConsumerName(name: unknown, what: "cursor" | "group"): string {
  if (typeof name !== "string" || !CONSUMER_NAME_PATTERN.test(name)) {
    throw usage(
      `${what} name must be 1–64 characters of A–Z a–z 0–9 . _ - starting with a letter or digit, got ${shown(name)}`,
      `name the ${what} by its job, such as indexer or mailer-1`,
    );
  }
  return name;
}

/** Checks a member name. */
export function checkMember(member: unknown): string {
  if (typeof member !== "string" || !PRODUCER_ID_PATTERN.test(member)) {
    throw usage(
      `member must be 1–64 characters of A–Z a–z 0–9 . _ - : / @, got ${shown(member)}`,
      "name the member by host and process, such as web-1:4242",
    );
  }
  return member;
}

/** A duration option in ms: a whole number within [min, 24 h], or the default when absent. */
export function checkDurationMs(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !Number.isSafeInteger(value) ||
    value < min ||
    value > MAX_LEASE_MS
  ) {
    throw usage(
      `${name} must be a whole number of ms from ${min} to ${MAX_LEASE_MS} (24 h), got ${shown(value)}`,
      `pass ${name} such as 30000 (30 s)`,
    );
  }
  return value;
}

/** Checks a whole number ≥ min. */
function checkWhole(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw usage(
      `${name} must be a whole number ${range}, got ${shown(value)}`,
      `pass ${name} as a whole number such as ${Math.max(min, 1)}`,
    );
  }
  return value;
}

/** Checks a seq given to ack, reset or a delivery reference. */
export function checkAckSeq(value: unknown, name = "seq"): number {
  return checkWhole(name, value, 1);
}

/** Checks `{seq, attempt}` (a delivery will do; other fields are ignored). */
export function checkDeliveryRef(value: unknown): DeliveryRef {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usage(
      `a delivery is { seq, attempt }, got ${shown(value)}`,
      "pass the delivery the claim returned, or { seq, attempt } from it",
    );
  }
  const { seq, attempt } = value as Record<string, unknown>;
  return { seq: checkAckSeq(seq), attempt: checkWhole("attempt", attempt, 1) };
}

/** A claim's options, checked and defaulted (the member's default is the caller's). */
export function checkClaimOptions(
  options: ClaimOptions,
  defaultMember: () => string,
): { max: number; leaseMs: number; member: string; ack: DeliveryRef[] } {
  if (options.ack !== undefined && !Array.isArray(options.ack)) {
    throw usage(
      `a claim's ack must be a list of deliveries, got ${shown(options.ack)}`,
      "pass ack: [delivery] with the deliveries to finish",
    );
  }
  return {
    max: options.max === undefined ? 1 : checkWhole("max", options.max, 1, MAX_CLAIM),
    leaseMs: checkDurationMs("leaseMs", options.leaseMs, DEFAULT_LEASE_MS),
    member: options.member === undefined ? defaultMember() : checkMember(options.member),
    ack: (options.ack ?? []).map((ref) => checkDeliveryRef(ref)),
  };
}

/** Checked group settings: only the ones given. */
export interface CheckedGroupSettings {
  since?: GroupStart;
  maxAttempts?: number;
  deadLetter?: string | null;
  retention?: GroupRetention;
}

/** Checks group settings (Usage for an unknown or bad one); the dead-letter pool name as text. */
export function checkGroupSettings(
  settings: GroupSettings | undefined,
  checkPoolName: (name: string) => string,
): CheckedGroupSettings {
  if (settings === undefined) return {};
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw usage(
      `group settings must be an object, got ${shown(settings)}`,
      "pass { maxAttempts: 5 }",
    );
  }
  const out: CheckedGroupSettings = {};
  for (const key of Object.keys(settings)) {
    if (!["since", "maxAttempts", "deadLetter", "retention"].includes(key)) {
      throw usage(
        `unknown group setting ${JSON.stringify(key)}`,
        "a group has since, maxAttempts, deadLetter and retention",
      );
    }
  }
  const { since, maxAttempts, deadLetter, retention } = settings;
  if (since !== undefined) {
    if (since !== "oldest" && since !== "new") out.since = checkWhole("since", since, 1);
    else out.since = since;
  }
  if (maxAttempts !== undefined)
    out.maxAttempts = checkWhole("maxAttempts", maxAttempts, 0, 0xffff_ffff);
  if (deadLetter !== undefined) {
    if (deadLetter === null) out.deadLetter = null;
    else if (typeof deadLetter !== "string") {
      throw usage(
        `deadLetter must be a pool name, got ${shown(deadLetter)}`,
        "pass deadLetter: 'failed-jobs'",
      );
    } else out.deadLetter = checkPoolName(deadLetter);
  }
  if (retention !== undefined) {
    if (!GROUP_RETENTIONS.includes(retention)) {
      throw usage(
        `retention must be "lost" or "block", got ${shown(retention)}`,
        "lost (default) drops what the ring overwrote; block refuses appends that would",
      );
    }
    out.retention = retention;
  }
  return out;
}

/** A nack's error text, cut to at most MAX_ERROR_BYTES of UTF-8 at a character boundary. */
export function clipError(error: unknown): string {
  if (error === undefined) return "";
  if (typeof error !== "string") {
    throw usage(`a nack's error must be text, got ${shown(error)}`, "pass error: 'exit code 1'");
  }
  const bytes = new TextEncoder().encode(error);
  if (bytes.length <= MAX_ERROR_BYTES) return error;
  let end = MAX_ERROR_BYTES;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** A cursor on the wire (snake_case). */
export interface CursorInfoJson {
  name: string;
  committed: number;
  lag: number;
  ack_time: string | null;
  created_time: string;
}

export function cursorInfoJson(info: CursorInfo): CursorInfoJson {
  return {
    name: info.name,
    committed: info.committed,
    lag: info.lag,
    ack_time: info.ackTime,
    created_time: info.createdTime,
  };
}

export function cursorInfoFromJson(value: unknown): CursorInfo | undefined {
  const j = value as Partial<CursorInfoJson> | null;
  if (typeof j !== "object" || j === null || typeof j.name !== "string") return undefined;
  if (typeof j.committed !== "number" || typeof j.lag !== "number") return undefined;
  if (typeof j.created_time !== "string") return undefined;
  return {
    name: j.name,
    committed: j.committed,
    lag: j.lag,
    ackTime: typeof j.ack_time === "string" ? j.ack_time : null,
    createdTime: j.created_time,
  };
}

/** A group on the wire (snake_case, same words). */
export interface GroupInfoJson {
  name: string;
  next: number;
  lag: number;
  in_flight: number;
  waiting: number;
  members: { member: string; in_flight: number }[];
  oldest_unfinished: number | null;
  delivered: number;
  redelivered: number;
  acked: number;
  dead_lettered: number;
  exhausted: number;
  lost_to_retention: number;
  max_attempts: number;
  dead_letter: string | null;
  retention: GroupRetention;
  created_time: string;
}

export function groupInfoJson(info: GroupInfo): GroupInfoJson {
  return {
    name: info.name,
    next: info.next,
    lag: info.lag,
    in_flight: info.inFlight,
    waiting: info.waiting,
    members: info.members.map((m) => ({ member: m.member, in_flight: m.inFlight })),
    oldest_unfinished: info.oldestUnfinished,
    delivered: info.delivered,
    redelivered: info.redelivered,
    acked: info.acked,
    dead_lettered: info.deadLettered,
    exhausted: info.exhausted,
    lost_to_retention: info.lostToRetention,
    max_attempts: info.maxAttempts,
    dead_letter: info.deadLetter,
    retention: info.retention,
    created_time: info.createdTime,
  };
}

export function groupInfoFromJson(value: unknown): GroupInfo | undefined {
  const j = value as Partial<GroupInfoJson> | null;
  if (typeof j !== "object" || j === null || typeof j.name !== "string") return undefined;
  if (typeof j.next !== "number" || !Array.isArray(j.members)) return undefined;
  return {
    name: j.name,
    next: j.next,
    lag: Number(j.lag),
    inFlight: Number(j.in_flight),
    waiting: Number(j.waiting),
    members: j.members.map((m) => ({ member: String(m.member), inFlight: Number(m.in_flight) })),
    oldestUnfinished: typeof j.oldest_unfinished === "number" ? j.oldest_unfinished : null,
    delivered: Number(j.delivered),
    redelivered: Number(j.redelivered),
    acked: Number(j.acked),
    deadLettered: Number(j.dead_lettered),
    exhausted: Number(j.exhausted),
    lostToRetention: Number(j.lost_to_retention),
    maxAttempts: Number(j.max_attempts),
    deadLetter: typeof j.dead_letter === "string" ? j.dead_letter : null,
    retention: j.retention === "block" ? "block" : "lost",
    createdTime: String(j.created_time),
  };
}
