/**
 * What the state stream keeps of a JetStream consumer group (spec/engines/jetstream/v0 §8.2): the
 * group's record (settings, counters, a dead letter being moved) and one delivery record per
 * message in flight or waiting, the name of the group's durable consumer, and the group's info
 * computed from them.
 *
 * Invariants: pure (no NATS); info counts a delivery record below the pool's oldest seq as lost
 * to retention, never the message being moved to the dead-letter pool, and every seq between the
 * group's start and its frontier that was never delivered as lost too.
 */
import type { GroupInfo } from "@spool/core";
import { msText } from "./cursors.js";
import { encodeName } from "./names.js";

/** Durable consumer names of groups start with this. */
export const GROUP_CONSUMER_PREFIX = "spool-g-";

/** A group's record in the state stream. */
export interface GroupValue {
  /** The first seq the group was to deliver. */
  start: number;
  createdMs: number;
  maxAttempts: number;
  deadLetter: string;
  delivered: number;
  redelivered: number;
  acked: number;
  deadLettered: number;
  exhausted: number;
  /** Delivery records found overwritten (and dropped). */
  lost: number;
  /** A given-up message being moved to the dead-letter pool, with its dead-letter number. */
  moving?: { seq: number; attempts: number; error: string; no: number };
}

/** A message in flight (`leased`) or given back (`waiting`). */
export interface DeliveryValue {
  attempt: number;
  deadlineMs: number;
  member: string;
  reply: string;
  state: "leased" | "waiting";
  error: string;
}

/** The durable consumer of group `name`. */
export function groupConsumer(name: string): string {
  return `${GROUP_CONSUMER_PREFIX}${encodeName(name)}`;
}

/** The group's info from its records and the pool's bounds (`at`). */
export function groupInfoOf(
  name: string,
  group: GroupValue,
  at: { next: number; newest: number; oldest: number },
  records: [number, DeliveryValue][],
  nowMs: number,
): GroupInfo {
  let lost = group.lost;
  let inFlight = 0;
  let waiting = 0;
  let live = 0;
  let oldestUnfinished: number | null = null;
  const members = new Map<string, number>();
  for (const [seq, d] of records) {
    if (seq < at.oldest) {
      lost++;
      continue;
    }
    if (group.moving?.seq === seq) continue;
    live++;
    oldestUnfinished ??= seq;
    if (d.state === "leased" && d.deadlineMs > nowMs) {
      inFlight++;
      members.set(d.member, (members.get(d.member) ?? 0) + 1);
    } else waiting++;
  }
  // Every seq from the start to the frontier was delivered a first time or overwritten unseen.
  lost += Math.max(0, at.next - group.start - group.delivered);
  if (oldestUnfinished === null && at.next <= at.newest) oldestUnfinished = at.next;
  return {
    name,
    next: at.next,
    lag: Math.max(0, at.newest - at.next + 1) + live,
    inFlight,
    waiting,
    members: [...members]
      .map(([member, n]) => ({ member, inFlight: n }))
      .sort((a, b) => (a.member < b.member ? -1 : 1)),
    oldestUnfinished,
    delivered: group.delivered,
    redelivered: group.redelivered,
    acked: group.acked,
    deadLettered: group.deadLettered,
    exhausted: group.exhausted,
    lostToRetention: lost,
    maxAttempts: group.maxAttempts,
    deadLetter: group.deadLetter === "" ? null : group.deadLetter,
    retention: "lost",
    createdTime: msText(group.createdMs),
  };
}
