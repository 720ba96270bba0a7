/**
 * The wire shapes of durable cursors and consumer groups (spec/http/v0 §3.3–3.4): their answers
 * read into core's `CursorInfo`, `GroupInfo` and `Delivery`, and the request bodies' members.
 *
 * Invariants: cursors and groups are read by core's own readers (`cursorInfoFromJson`,
 * `groupInfoFromJson`), and an answer they refuse is a protocol error, never a half-filled
 * object; a claim's deliveries carry their message as the same `RemoteMessage` a tail or `get`
 * gives: sliced from the answer's bytes when the server spliced the envelope canonically (so
 * `dataBytes` and `toJsonLine()` are the stored bytes), parsed otherwise; a delivery whose
 * fields are missing, of the wrong type or whose message has another seq is a protocol error;
 * request bodies use the wire names (`lease_ms`, `max_attempts`, `dead_letter`, …).
 */
import {
  type CheckedGroupSettings,
  type CursorInfo,
  cursorInfoFromJson,
  type Delivery,
  type DeliveryRef,
  type GroupInfo,
  groupInfoFromJson,
} from "@spool/core/shared";
import { protocolError } from "./http.js";
import { RemoteMessage } from "./message.js";

/** The cursor of a `{"cursor": {…}}` answer; a protocol error when it is not one. */
export function cursorFromAnswer(answer: unknown, what: string): CursorInfo {
  const info = cursorInfoFromJson((answer as { cursor?: unknown } | null)?.cursor);
  if (!info) throw protocolError(200, `${what}: the answer holds no cursor`);
  return info;
}

/** The cursors of a `{"cursors": […]}` answer; a protocol error when one is not a cursor. */
export function cursorsFromAnswer(answer: unknown, what: string): CursorInfo[] {
  const list = (answer as { cursors?: unknown } | null)?.cursors;
  if (!Array.isArray(list)) throw protocolError(200, `${what}: the answer holds no cursor list`);
  return list.map((item) => cursorFromAnswer({ cursor: item }, what));
}

/** The group of a `{"group": {…}}` answer; a protocol error when it is not one. */
export function groupFromAnswer(answer: unknown, what: string): GroupInfo {
  const info = groupInfoFromJson((answer as { group?: unknown } | null)?.group);
  if (!info) throw protocolError(200, `${what}: the answer holds no group`);
  return info;
}

/** The groups of a `{"groups": […]}` answer; a protocol error when one is not a group. */
export function groupsFromAnswer(answer: unknown, what: string): GroupInfo[] {
  const list = (answer as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(list)) throw protocolError(200, `${what}: the answer holds no group list`);
  return list.map((item) => groupFromAnswer({ group: item }, what));
}

/** Checked group settings in their wire spelling (only the ones given). */
export function settingsJson(settings: CheckedGroupSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (settings.since !== undefined) out.since = settings.since;
  if (settings.maxAttempts !== undefined) out.max_attempts = settings.maxAttempts;
  if (settings.deadLetter !== undefined) out.dead_letter = settings.deadLetter;
  if (settings.retention !== undefined) out.retention = settings.retention;
  return out;
}

/** `{seq, attempt}` alone (the server refuses other fields in a delivery reference). */
export function refJson(ref: DeliveryRef): DeliveryRef {
  return { seq: ref.seq, attempt: ref.attempt };
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const LIST_PREFIX = encoder.encode('{"deliveries":[');
const MESSAGE_KEY = encoder.encode(',"message":');

function matchesAt(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (at + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

function indexOf(bytes: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  for (
    let at = bytes.indexOf(first as number, from);
    at >= 0;
    at = bytes.indexOf(first as number, at + 1)
  ) {
    if (matchesAt(bytes, at, needle)) return at;
  }
  return -1;
}

/** Where the object or array starting at `at` ends (the index after its closing bracket); -1 if it does not. */
function valueEnd(bytes: Uint8Array, at: number): number {
  const open = bytes[at];
  if (open !== 0x7b && open !== 0x5b) return -1;
  let depth = 0;
  let inString = false;
  for (let i = at; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** One delivery from its head fields and its message (a protocol error for a wrong shape). */
function delivery<T>(head: unknown, message: () => RemoteMessage<T>, what: string): Delivery<T> {
  const h = head as { seq?: unknown; attempt?: unknown; lease_until?: unknown; member?: unknown };
  const whole = (v: unknown): v is number =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= 1;
  if (
    typeof h !== "object" ||
    h === null ||
    !whole(h.seq) ||
    !whole(h.attempt) ||
    typeof h.lease_until !== "string" ||
    typeof h.member !== "string"
  ) {
    throw protocolError(
      200,
      `${what}: a delivery is not {seq, attempt, lease_until, member, message}`,
    );
  }
  let msg: RemoteMessage<T>;
  try {
    msg = message();
  } catch (error) {
    throw protocolError(200, `${what}: a delivery's message is not a message envelope`, error);
  }
  if (msg.seq !== h.seq) {
    throw protocolError(200, `${what}: delivery ${h.seq} carries message ${msg.seq}`);
  }
  return {
    seq: h.seq,
    attempt: h.attempt,
    leaseUntil: h.lease_until,
    member: h.member,
    message: msg,
  };
}

/**
 * The deliveries of a claim's answer, `{"deliveries":[{seq, attempt, lease_until, member,
 * message}, …]}`: each message sliced from the bytes where the server spliced it canonically,
 * else (any other spelling) from one parse of the whole answer.
 */
export function deliveriesFromBody<T>(body: Uint8Array, what: string): Delivery<T>[] {
  return canonicalDeliveries<T>(body, what) ?? parsedDeliveries<T>(body, what);
}

/** The canonical layout, read with byte comparisons and small parses; undefined if it is not. */
function canonicalDeliveries<T>(body: Uint8Array, what: string): Delivery<T>[] | undefined {
  if (!matchesAt(body, 0, LIST_PREFIX)) return undefined;
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x20)) end--;
  const out: Delivery<T>[] = [];
  let at = LIST_PREFIX.length;
  if (body[at] === 0x5d) return at + 2 === end && body[at + 1] === 0x7d ? out : undefined;
  for (;;) {
    if (body[at] !== 0x7b) return undefined;
    // The head's members (seq, attempt, lease_until, member) hold no `"`: the first
    // `,"message":` is the key.
    const key = indexOf(body, MESSAGE_KEY, at);
    if (key < 0) return undefined;
    const start = key + MESSAGE_KEY.length;
    const stop = valueEnd(body, start);
    if (stop < 0 || body[stop] !== 0x7d) return undefined;
    let head: unknown;
    try {
      head = JSON.parse(`${decoder.decode(body.subarray(at, key))}}`);
    } catch {
      return undefined;
    }
    const line = new Uint8Array(stop - start + 1);
    line.set(body.subarray(start, stop));
    line[line.length - 1] = 0x0a;
    out.push(delivery<T>(head, () => RemoteMessage.fromLine<T>(line), what));
    at = stop + 1;
    if (body[at] === 0x2c) {
      at++;
      continue;
    }
    return body[at] === 0x5d && at + 2 === end && body[at + 1] === 0x7d ? out : undefined;
  }
}

/** Any other spelling: one parse, each message from its parsed envelope. */
function parsedDeliveries<T>(body: Uint8Array, what: string): Delivery<T>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(body));
  } catch (error) {
    throw protocolError(200, `${what}: the answer is not JSON`, error);
  }
  const list = (parsed as { deliveries?: unknown } | null)?.deliveries;
  if (!Array.isArray(list)) throw protocolError(200, `${what}: the answer holds no deliveries`);
  return list.map((item) =>
    delivery<T>(
      item,
      () => RemoteMessage.fromEnvelope<T>((item as { message?: unknown }).message),
      what,
    ),
  );
}
