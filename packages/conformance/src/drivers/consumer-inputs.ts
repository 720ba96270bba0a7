/**
 * Reading the input of a durable-consumer step (cursors and groups, manifest-v0.md §3.1) the same
 * way in every driver: the names, a group's settings, claims, delivery references, and what a
 * `group_work` worker does with each message.
 *
 * Invariants: values pass through as the manifest wrote them (a bad-input step may give `-1`
 * where a lease belongs, or a name with a `/`, and the surface must refuse it); an input given
 * in the manifest's snake_case is mapped to the library's spelling key by key, and only keys
 * the step gives appear (an absent setting keeps the group's stored one); the one failure text a
 * worker's job reports (`exit code N`) is spelled here once, as spec/cli/v0 §6.7 words it.
 */
import type { GroupSettings } from "@spool/core";

/** The consumer ops of manifest-v0.md §3.1 (a `tail` with `cursor` is the tail op's). */
export const CONSUMER_OPS: ReadonlySet<string> = new Set([
  "cursor_info",
  "cursor_list",
  "cursor_ack",
  "cursor_reset",
  "cursor_delete",
  "group_ensure",
  "group_claim",
  "group_ack",
  "group_nack",
  "group_extend",
  "group_info",
  "group_list",
  "group_delete",
  "group_work",
]);

/** The group settings of a step, as manifests spell them (and HTTP does). */
export const GROUP_SETTING_KEYS = ["since", "max_attempts", "dead_letter", "retention"] as const;

/** A step's group settings in the library's spelling (only the keys given; values unchecked). */
export function groupSettings(input: Record<string, unknown>): GroupSettings {
  const out: Record<string, unknown> = {};
  if (input.since !== undefined) out.since = input.since;
  if (input.max_attempts !== undefined) out.maxAttempts = input.max_attempts;
  if (input.dead_letter !== undefined) out.deadLetter = input.dead_letter;
  if (input.retention !== undefined) out.retention = input.retention;
  return out as GroupSettings;
}

/** A step's group settings as HTTP body members (only the keys given; values unchecked). */
export function groupSettingMembers(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of GROUP_SETTING_KEYS) if (input[key] !== undefined) out[key] = input[key];
  return out;
}

/** A `group_work` step: a worker that handles one message at a time (manifest-v0.md §3.1). */
export interface WorkInput {
  group: unknown;
  /** Most jobs (undefined: until nothing is claimable). */
  max: number | undefined;
  /** The job's exit status: 0 acks the message, anything else nacks it. */
  exit: number;
  member: unknown;
  leaseMs: number;
  /** A failed message is claimable again after this long. */
  retryDelayMs: number;
}

/** The lease a worker takes unless the step says otherwise: long enough never to run out. */
export const WORK_LEASE_MS = 600_000;
/** The most jobs a `group_work` step runs without a `max` (a bound, never reached by manifests). */
export const WORK_LIMIT = 1_000;

/** A `group_work` input; its counts must be whole (a manifest error otherwise). */
export function workInput(input: Record<string, unknown>): WorkInput {
  const { max } = input;
  const exit = input.exit ?? 0;
  if (max !== undefined && !(Number.isSafeInteger(max) && (max as number) >= 1))
    throw new Error("group_work takes max, a whole number ≥ 1 (or none: until nothing is left)");
  if (!(Number.isSafeInteger(exit) && (exit as number) >= 0 && (exit as number) <= 125))
    throw new Error("group_work takes exit, the job's exit status from 0 to 125");
  const lease = input.lease_ms ?? WORK_LEASE_MS;
  const delay = input.retry_delay_ms ?? 0;
  if (!Number.isSafeInteger(lease) || !Number.isSafeInteger(delay))
    throw new Error("group_work takes lease_ms and retry_delay_ms as whole numbers of ms");
  return {
    group: input.group,
    max: max as number | undefined,
    exit: exit as number,
    member: input.member,
    leaseMs: lease as number,
    retryDelayMs: delay as number,
  };
}

/** The failure text a worker nacks a message with when its job exits `code` (spec/cli/v0 §6.7). */
export function jobFailure(code: number): string {
  return `exit code ${code}`;
}
