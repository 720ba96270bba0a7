/**
 * The request bodies of the cursor and group endpoints (spec/http/v0 §3.3–3.4), checked and turned
 * into core's options: cursor ack and reset, group settings, claim, ack, nack and extend.
 *
 * Invariants: every field is checked before anything is changed, by core's own checkers where
 * core has one (names, members, seqs, deliveries, durations, durability, times, error text), under
 * its wire name (`lease_ms`, `max_attempts`), so a bad value is 400 Usage naming the field as the
 * client spelled it; unknown fields are 400 Usage naming them (`checkBodyFields`); a required
 * field that is missing is 400 Usage saying so; the claim's wait is shortened to the server's
 * limit, never refused for it (a long-poll client just asks again).
 */
import {
  checkAckSeq,
  checkDeliveryRef,
  checkDurability,
  checkDurationMs,
  checkMember,
  clipError,
  DEFAULT_LEASE_MS,
  type DeliveryRef,
  type Durability,
  GROUP_RETENTIONS,
  type GroupRetention,
  type GroupSettings,
  MAX_CLAIM,
  requireTime,
  validatePoolName,
} from "@spool/core";
import { usage } from "./errors.js";
import { BODY_FIELDS, checkBodyFields, parseJsonObject } from "./validation.js";

type Body = Record<string, unknown>;

const HINT = "send the fields of spec/http/v0/SPEC.md §3.3–3.4";

function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** A whole number within [min, max] (core's wording), or undefined when absent. */
function whole(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw usage(
      `${name} must be a whole number from ${min} to ${max}, got ${shown(value)}`,
      `send ${name} as a JSON integer such as ${Math.max(min, 1)}`,
    );
  }
  return value;
}

function required(body: Body, name: string, example: string): unknown {
  const value = body[name];
  if (value === undefined) throw usage(`body field ${name} is required`, `send e.g. ${example}`);
  return value;
}

/** A body that may be empty (no fields: every default), else a JSON object. */
export function optionalObject(text: string): Body {
  return text.trim() === "" ? {} : parseJsonObject(text);
}

/** `POST …/cursors/{name}/ack`: `{"seq": N, "durability"?}`. */
export function cursorAckInput(body: Body): { seq: number; durability?: Durability } {
  checkBodyFields(Object.keys(body), BODY_FIELDS.cursor_ack);
  const seq = checkAckSeq(required(body, "seq", '{"seq": 42}'));
  return body.durability === undefined
    ? { seq }
    : { seq, durability: checkDurability(body.durability) };
}

/** `POST …/cursors/{name}/reset`: `{"seq": N}` or `{"time": RFC3339}`. */
export function cursorResetInput(body: Body): { seq: number } | { time: string } {
  checkBodyFields(Object.keys(body), BODY_FIELDS.cursor_reset);
  const hasSeq = body.seq !== undefined;
  const hasTime = body.time !== undefined;
  if (hasSeq === hasTime) {
    throw usage(
      hasSeq ? "give seq or time, not both" : "body field seq or time is required",
      'send {"seq": 1} (the next tail delivers seq 1 first) or {"time": "2026-12-01T00:00:00Z"}',
    );
  }
  if (hasSeq) return { seq: checkAckSeq(body.seq) };
  if (typeof body.time !== "string") {
    throw usage(`time must be RFC 3339 text, got ${shown(body.time)}`, HINT);
  }
  requireTime(body.time, "time");
  return { time: body.time };
}

/** The group settings of a body (PUT, or a claim's optional ones), in core's spelling. */
export function groupSettingsInput(body: Body): GroupSettings {
  const settings: GroupSettings = {};
  const since = body.since;
  if (since !== undefined) {
    if (since === "oldest" || since === "new") settings.since = since;
    else if (typeof since === "number") settings.since = checkAckSeq(since, "since");
    else {
      throw usage(
        `since must be a seq, "oldest" or "new", got ${shown(since)}`,
        'send since: "oldest" to start at the oldest message, "new" (default) at the next one, or a seq',
      );
    }
  }
  const maxAttempts = whole(body, "max_attempts", 0, 0xffff_ffff);
  if (maxAttempts !== undefined) settings.maxAttempts = maxAttempts;
  const deadLetter = body.dead_letter;
  if (deadLetter === null) settings.deadLetter = null;
  else if (deadLetter !== undefined) {
    if (typeof deadLetter !== "string") {
      throw usage(
        `dead_letter must be a pool name or null, got ${shown(deadLetter)}`,
        'send dead_letter: "failed-jobs" (a pool of this server), or null to remove it',
      );
    }
    settings.deadLetter = validatePoolName(deadLetter);
  }
  const retention = body.retention;
  if (retention !== undefined) {
    if (!GROUP_RETENTIONS.includes(retention as GroupRetention)) {
      throw usage(
        `retention must be "lost" or "block", got ${shown(retention)}`,
        "lost (default) drops what the ring overwrote; block refuses appends that would",
      );
    }
    settings.retention = retention as GroupRetention;
  }
  return settings;
}

/** `PUT …/groups/{group}`: the settings alone. */
export function groupPutInput(body: Body): GroupSettings {
  checkBodyFields(Object.keys(body), BODY_FIELDS.group_put);
  return groupSettingsInput(body);
}

export interface ClaimInput {
  max: number;
  leaseMs: number;
  member: string | undefined;
  /** The wait, already shortened to the server's limit. */
  waitMs: number;
  /** Deliveries to ack in the claim's commit, before claiming. */
  ack: DeliveryRef[];
  settings: GroupSettings;
}

/**
 * `POST …/groups/{group}/claim`: `{max, lease_ms, member, wait_ms, ack}` plus optional settings;
 * `ack` is a list like the ack endpoint's `deliveries` (at most `maxDeliveries`), possibly empty.
 */
export function claimInput(body: Body, maxWaitMs: number, maxDeliveries: number): ClaimInput {
  checkBodyFields(Object.keys(body), BODY_FIELDS.group_claim);
  const max = whole(body, "max", 1, MAX_CLAIM) ?? 1;
  const leaseMs = checkDurationMs("lease_ms", body.lease_ms, DEFAULT_LEASE_MS);
  const member = body.member === undefined ? undefined : checkMember(body.member);
  const waitMs = checkDurationMs("wait_ms", body.wait_ms, 0, 0);
  return {
    max,
    leaseMs,
    member,
    waitMs: Math.min(waitMs, maxWaitMs),
    ack: body.ack === undefined ? [] : deliveryList(body.ack, "ack", 0, maxDeliveries),
    settings: groupSettingsInput(body),
  };
}

/** `POST …/groups/{group}/ack`: `{seq, attempt}` or `{"deliveries": [{seq, attempt}, …]}`. */
export function groupAckInput(body: Body, maxDeliveries: number): DeliveryRef[] {
  checkBodyFields(Object.keys(body), BODY_FIELDS.group_ack);
  const list = body.deliveries;
  if (list === undefined) return [checkDeliveryRef(body)];
  if (body.seq !== undefined || body.attempt !== undefined) {
    throw usage(
      "give seq and attempt, or deliveries, not both",
      'send {"seq": 7, "attempt": 1} or {"deliveries": [{"seq": 7, "attempt": 1}, …]}',
    );
  }
  return deliveryList(list, "deliveries", 1, maxDeliveries);
}

/** A body's list of `{seq, attempt}` under `name`, of `min` to `max` entries. */
function deliveryList(list: unknown, name: string, min: number, max: number): DeliveryRef[] {
  if (!Array.isArray(list) || list.length < min || list.length > max) {
    throw usage(
      `${name} must be a list of ${min} to ${max} {seq, attempt}`,
      `send {"${name}": [{"seq": 7, "attempt": 1}, …]}`,
    );
  }
  return list.map((item, i) => {
    if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      checkBodyFields(Object.keys(item), BODY_FIELDS.delivery, `${name}[${i}].`);
    }
    return checkDeliveryRef(item);
  });
}

/** `POST …/groups/{group}/nack`: `{seq, attempt, delay_ms?, error?}`. */
export function nackInput(body: Body): {
  ref: DeliveryRef;
  delayMs: number;
  error: string | undefined;
} {
  checkBodyFields(Object.keys(body), BODY_FIELDS.group_nack);
  const ref = checkDeliveryRef(body);
  const delayMs = checkDurationMs("delay_ms", body.delay_ms, 0, 0);
  const error = body.error === undefined ? undefined : clipError(body.error);
  return { ref, delayMs, error };
}

/** `POST …/groups/{group}/extend`: `{seq, attempt, lease_ms?}`. */
export function extendInput(body: Body): { ref: DeliveryRef; leaseMs: number } {
  checkBodyFields(Object.keys(body), BODY_FIELDS.group_extend);
  const ref = checkDeliveryRef(body);
  return { ref, leaseMs: checkDurationMs("lease_ms", body.lease_ms, DEFAULT_LEASE_MS) };
}
