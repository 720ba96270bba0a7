/**
 * The rules of consumer groups (spec/api/v0 §3.12) as pure planners (cursors: cursor-ops.ts): given the
 * ledger table and the pool state read under the writer lock, and the time, each returns the
 * ledger records that make the change and what to answer. Nothing here does I/O; the file
 * engine commits the records in one publication (writer.ts `commitLedger`).
 *
 * Invariants: a message is, for its group, exactly one of: finished (below `next`, no delivery
 * record), delivered (a record: leased, waiting or given up) or not yet delivered (at or past
 * `next`); a claim hands out redeliveries first, oldest seq first, then the frontier; a delivery
 * is finished or renewed only by the (seq, attempt) it was handed out as, and only before its
 * lease ends; a message overwritten before its group finished it is counted, never delivered;
 * the consumers' records never outgrow `room`.
 */
import type { CheckedGroupSettings, DeliveryRef, GroupInfo } from "../consumers.js";
import { SpoolError } from "../errors.js";
import type { DeliveryValue, GroupValue } from "../format/consumer-records.js";
import type { PoolState } from "../format/header.js";
import { type LedgerRecord, RECORD_KINDS, recordSize } from "../format/ledger.js";
import type { Message } from "../message.js";
import {
  consumerBytes,
  deleteRecord,
  deliveriesOf,
  deliveryEntry,
  deliveryKey,
  deliveryRecord,
  groupRecord,
  keptDelivery,
  keptGroup,
  ledgerFull,
  listGroups,
} from "./consumer-table.js";
import type { LedgerTable } from "./ledger.js";
import {
  checkRoom,
  checkStart,
  type LedgerChange,
  type LedgerScene,
  msText,
} from "./ledger-scene.js";
import { retainingFloor } from "./retaining-cursors.js";

export type { LedgerChange, LedgerScene } from "./ledger-scene.js";

// Groups.

function unknownGroup(name: string, path: string): SpoolError {
  return new SpoolError("NotFound", `group ${name} not found`, {
    path,
    hint: "a claim creates the group (`spool work POOL --group NAME -- CMD`); `spool group list POOL` shows the kept ones",
  });
}

/** The group with `settings` applied (created when absent); `changed` when a record is due. */
function settled(
  scene: LedgerScene,
  name: string,
  settings: CheckedGroupSettings,
): { group: GroupValue; changed: boolean } {
  const kept = keptGroup(scene.table, name, scene.path);
  const { state } = scene;
  const group: GroupValue = kept
    ? { ...kept }
    : {
        next:
          settings.since === undefined || settings.since === "new"
            ? state.newest + 1
            : settings.since === "oldest"
              ? state.oldest
              : settings.since,
        createdMs: scene.nowMs,
        delivered: 0,
        redelivered: 0,
        acked: 0,
        deadLettered: 0,
        exhausted: 0,
        lostToRetention: 0,
        maxAttempts: 0,
        retention: "lost",
        deadLetter: "",
      };
  if (!kept && typeof settings.since === "number")
    checkStart(scene, settings.since, `group ${name}`, '"oldest" or "new"');
  let changed = kept === undefined;
  if (settings.maxAttempts !== undefined && settings.maxAttempts !== group.maxAttempts) {
    group.maxAttempts = settings.maxAttempts;
    changed = true;
  }
  if (settings.retention !== undefined && settings.retention !== group.retention) {
    group.retention = settings.retention;
    changed = true;
  }
  const deadLetter =
    settings.deadLetter === undefined ? group.deadLetter : (settings.deadLetter ?? "");
  if (deadLetter !== group.deadLetter) {
    group.deadLetter = deadLetter;
    changed = true;
  }
  return { group, changed };
}

/** Applies settings (creating the group when absent) and answers its info. */
export function planGroupSettle(
  scene: LedgerScene,
  name: string,
  settings: CheckedGroupSettings,
): LedgerChange<GroupInfo> {
  const { group, changed } = settled(scene, name, settings);
  const records = changed ? [groupRecord(name, group)] : [];
  if (!keptGroup(scene.table, name, scene.path)) checkRoom(scene, records, `group ${name}`);
  return {
    records,
    result: groupInfo(name, group, scene, deliveriesOf(scene.table, name, scene.path)),
  };
}

/**
 * Drops what the ring overwrote before the group finished it (counted as lost to retention):
 * delivery records below the oldest seq (not those given up: the dead-letter move needs their
 * numbers in order and says what was lost) and a frontier below it.
 */
function sweep(
  scene: LedgerScene,
  name: string,
  group: GroupValue,
  deliveries: [number, DeliveryValue][],
  records: LedgerRecord[],
): boolean {
  let changed = false;
  const { oldest } = scene.state;
  for (const [seq, d] of deliveries) {
    if (seq >= oldest) break;
    if (d.state === "given-up") continue;
    records.push(deleteRecord(RECORD_KINDS.delivery, deliveryKey(name, seq)));
    group.lostToRetention++;
    changed = true;
  }
  if (group.next < oldest) {
    group.lostToRetention += oldest - group.next;
    group.next = oldest;
    changed = true;
  }
  return changed;
}

/** The last error of a failed attempt. */
function failure(d: DeliveryValue): string {
  return d.state === "leased" ? "lease expired" : d.error || "nacked";
}

/** Gives a delivery up: given-up (to be moved to the dead-letter pool) or dropped (exhausted). */
function giveUp(
  name: string,
  seq: number,
  d: DeliveryValue,
  error: string,
  group: GroupValue,
): LedgerRecord {
  if (group.deadLetter === "") {
    group.exhausted++;
    return deleteRecord(RECORD_KINDS.delivery, deliveryKey(name, seq));
  }
  group.deadLettered++;
  return deliveryRecord(name, seq, {
    ...d,
    state: "given-up",
    deadlineMs: 0,
    deadLetterNo: group.deadLettered,
    error,
  });
}

/** What a claim handed out. */
export interface Claimed<T = unknown> {
  seq: number;
  attempt: number;
  deadlineMs: number;
  message: Message<T>;
}

export interface ClaimResult {
  claimed: Claimed[];
  /** Some delivery is given up and waits to be moved to the dead-letter pool. */
  givenUp: boolean;
  /** When something becomes claimable again (the earliest lease end or nack delay), if ever. */
  wakeMs: number | undefined;
}

/**
 * A claim of up to `max` messages for `member`, each leased for `leaseMs`. `read` gives the
 * message at a seq within the bounds, or undefined when it cannot be read (damaged): such a
 * message is skipped and counted as lost, like an overwritten one.
 */
export function planClaim(
  scene: LedgerScene,
  name: string,
  settings: CheckedGroupSettings,
  options: { max: number; leaseMs: number; member: string; ack?: readonly DeliveryRef[] },
  read: (seq: number) => Message | undefined,
): LedgerChange<ClaimResult> {
  const { state, nowMs } = scene;
  const acks = options.ack ?? [];
  // Acks given with the claim come first, by the rules of `ack` (all or none).
  if (acks.length > 0 && !keptGroup(scene.table, name, scene.path))
    throw unknownGroup(name, scene.path);
  const { group, changed: settledNow } = settled(scene, name, settings);
  let changed = settledNow;
  const records: LedgerRecord[] = [];
  let bytes = consumerBytes(scene.table);
  const acked = new Set<number>();
  if (acks.length > 0) {
    distinct(acks, scene.path);
    for (const ref of acks) {
      ownDelivery(scene, name, group, ref, "ack");
      records.push(deleteRecord(RECORD_KINDS.delivery, deliveryKey(name, ref.seq)));
      bytes -= recordSize(deliveryEntry(scene.table, name, ref.seq) as LedgerRecord);
      acked.add(ref.seq);
      group.acked++;
    }
    changed = true;
  }
  const deliveries = deliveriesOf(scene.table, name, scene.path).filter(([seq]) => !acked.has(seq));
  if (sweep(scene, name, group, deliveries, records)) changed = true;
  const deadlineMs = nowMs + options.leaseMs;
  const claimed: Claimed[] = [];
  let givenUp = false;
  let wakeMs: number | undefined;
  const fits = (record: LedgerRecord, replaces?: LedgerRecord): boolean => {
    const grow = recordSize(record) - (replaces ? recordSize(replaces) : 0);
    if (bytes + grow > scene.room) return false;
    bytes += grow;
    return true;
  };
  for (const [seq, d] of deliveries) {
    if (seq < state.oldest) continue;
    if (d.state === "given-up") {
      givenUp = true;
      continue;
    }
    if (d.deadlineMs > nowMs) {
      wakeMs = Math.min(wakeMs ?? d.deadlineMs, d.deadlineMs);
      continue;
    }
    if (group.maxAttempts > 0 && d.attempt >= group.maxAttempts) {
      records.push(giveUp(name, seq, d, failure(d), group));
      givenUp ||= group.deadLetter !== "";
      changed = true;
      continue;
    }
    if (claimed.length >= options.max) continue;
    const message = read(seq);
    if (!message) {
      records.push(deleteRecord(RECORD_KINDS.delivery, deliveryKey(name, seq)));
      group.lostToRetention++;
      changed = true;
      continue;
    }
    const next: DeliveryValue = {
      attempt: d.attempt + 1,
      state: "leased",
      deadlineMs,
      deadLetterNo: 0,
      member: options.member,
      error: d.error,
    };
    const record = deliveryRecord(name, seq, next);
    if (!fits(record, deliveryEntry(scene.table, name, seq))) break;
    records.push(record);
    claimed.push({ seq, attempt: next.attempt, deadlineMs, message });
    group.redelivered++;
    changed = true;
  }
  while (claimed.length < options.max && group.next <= state.newest) {
    const seq = group.next;
    const message = read(seq);
    if (!message) {
      group.next++;
      group.lostToRetention++;
      changed = true;
      continue;
    }
    const record = deliveryRecord(name, seq, {
      attempt: 1,
      state: "leased",
      deadlineMs,
      deadLetterNo: 0,
      member: options.member,
      error: "",
    });
    if (!fits(record)) {
      if (claimed.length === 0) throw ledgerFull(scene.path, `another delivery of group ${name}`);
      break;
    }
    records.push(record);
    claimed.push({ seq, attempt: 1, deadlineMs, message });
    group.next++;
    group.delivered++;
    changed = true;
  }
  if (changed) {
    const record = groupRecord(name, group);
    if (!keptGroup(scene.table, name, scene.path) && !fits(record))
      throw ledgerFull(scene.path, `group ${name}`);
    records.push(record);
  }
  return { records, result: { claimed, givenUp, wakeMs } };
}

/** The delivery `ref` names, checked to be the caller's to finish now. */
function ownDelivery(
  scene: LedgerScene,
  name: string,
  group: GroupValue,
  ref: DeliveryRef,
  verb: string,
): DeliveryValue {
  const d = keptDelivery(scene.table, name, ref.seq, scene.path);
  const conflict = (why: string, hint: string): SpoolError =>
    new SpoolError(
      "Conflict",
      `cannot ${verb} seq ${ref.seq} (attempt ${ref.attempt}) of group ${name}: ${why}`,
      {
        path: scene.path,
        seq: ref.seq,
        hint,
      },
    );
  if (!d) {
    if (ref.seq >= group.next) {
      throw new SpoolError("NotFound", `group ${name} never delivered seq ${ref.seq}`, {
        path: scene.path,
        seq: ref.seq,
        hint: `${verb} only deliveries a claim returned`,
      });
    }
    throw conflict(
      "it is no longer pending (acknowledged, given up or lost to retention)",
      "nothing to do: the message was finished",
    );
  }
  if (d.state === "given-up")
    throw conflict("it was given up after its last attempt", "see the group's dead-letter pool");
  if (d.attempt < ref.attempt) {
    throw conflict(
      `the group delivered it ${d.attempt} time${d.attempt === 1 ? "" : "s"} (attempt ${d.attempt} is the latest)`,
      `${verb} the attempt a claim returned`,
    );
  }
  if (d.attempt !== ref.attempt) {
    throw conflict(
      `it was delivered again since (attempt ${d.attempt})`,
      "its lease expired and another claim took it; the later attempt finishes it",
    );
  }
  if (d.state !== "leased" || d.deadlineMs <= scene.nowMs) {
    const when = d.state === "leased" ? ` at ${msText(d.deadlineMs)}` : "";
    throw conflict(
      `its lease expired${when}`,
      "it will be delivered again; lease longer (leaseMs) or extend the lease while working",
    );
  }
  return d;
}

function groupOrThrow(scene: LedgerScene, name: string): GroupValue {
  const kept = keptGroup(scene.table, name, scene.path);
  if (!kept) throw unknownGroup(name, scene.path);
  return { ...kept };
}

function distinct(refs: readonly DeliveryRef[], path: string): void {
  const seen = new Set<number>();
  for (const ref of refs) {
    if (seen.has(ref.seq)) {
      throw new SpoolError("Usage", `seq ${ref.seq} is named twice`, {
        path,
        seq: ref.seq,
        hint: "name each delivery once",
      });
    }
    seen.add(ref.seq);
  }
}

/** ack: every named delivery is finished (all or none). */
export function planAck(
  scene: LedgerScene,
  name: string,
  refs: readonly DeliveryRef[],
): LedgerChange<number> {
  const group = groupOrThrow(scene, name);
  distinct(refs, scene.path);
  const records: LedgerRecord[] = [];
  for (const ref of refs) {
    ownDelivery(scene, name, group, ref, "ack");
    records.push(deleteRecord(RECORD_KINDS.delivery, deliveryKey(name, ref.seq)));
    group.acked++;
  }
  if (records.length > 0) records.push(groupRecord(name, group));
  return { records, result: refs.length };
}

/** nack: the delivery is claimable again after `delayMs`, or given up after its last attempt. */
export function planNack(
  scene: LedgerScene,
  name: string,
  ref: DeliveryRef,
  delayMs: number,
  error: string,
): LedgerChange<{ givenUp: boolean }> {
  const group = groupOrThrow(scene, name);
  const d = ownDelivery(scene, name, group, ref, "nack");
  if (group.maxAttempts > 0 && d.attempt >= group.maxAttempts) {
    const old = deliveryEntry(scene.table, name, ref.seq);
    let record = giveUp(name, ref.seq, d, error || "nacked", group);
    const grow = recordSize(record) - (old ? recordSize(old) : 0);
    if (record.value && consumerBytes(scene.table) + grow > scene.room) {
      // No room for the error text: the dead letter says only that it was nacked.
      group.deadLettered--;
      record = giveUp(name, ref.seq, d, "nacked", group);
    }
    return {
      records: [record, groupRecord(name, group)],
      result: { givenUp: group.deadLetter !== "" },
    };
  }
  let next: DeliveryValue = { ...d, state: "waiting", deadlineMs: scene.nowMs + delayMs, error };
  let record = deliveryRecord(name, ref.seq, next);
  const old = deliveryEntry(scene.table, name, ref.seq);
  const grow = recordSize(record) - (old ? recordSize(old) : 0);
  if (consumerBytes(scene.table) + grow > scene.room) {
    // No room for the error text: the nack still counts; its error is not kept.
    next = { ...next, error: "" };
    record = deliveryRecord(name, ref.seq, next);
  }
  return { records: [record], result: { givenUp: false } };
}

/** extend: the lease ends `leaseMs` from now. */
export function planExtend(
  scene: LedgerScene,
  name: string,
  ref: DeliveryRef,
  leaseMs: number,
): LedgerChange<number> {
  const group = groupOrThrow(scene, name);
  const d = ownDelivery(scene, name, group, ref, "extend");
  const deadlineMs = scene.nowMs + leaseMs;
  return { records: [deliveryRecord(name, ref.seq, { ...d, deadlineMs })], result: deadlineMs };
}

/** delete: the group and all its deliveries. */
export function planGroupDelete(scene: LedgerScene, name: string): LedgerChange<GroupInfo> {
  const group = groupOrThrow(scene, name);
  const deliveries = deliveriesOf(scene.table, name, scene.path);
  const records = deliveries.map(([seq]) =>
    deleteRecord(RECORD_KINDS.delivery, deliveryKey(name, seq)),
  );
  records.push(deleteRecord(RECORD_KINDS.group, name));
  return { records, result: groupInfo(name, group, scene, deliveries) };
}

/** After a dead-letter move: the moved deliveries' records go (those still given up as moved). */
export function planDeadLettered(
  scene: LedgerScene,
  name: string,
  moved: readonly { seq: number; deadLetterNo: number }[],
): LedgerChange<number> {
  const records: LedgerRecord[] = [];
  const current = new Map(deliveriesOf(scene.table, name, scene.path));
  for (const m of moved) {
    const d = current.get(m.seq);
    if (d?.state === "given-up" && d.deadLetterNo === m.deadLetterNo)
      records.push(deleteRecord(RECORD_KINDS.delivery, deliveryKey(name, m.seq)));
  }
  return { records, result: records.length };
}

/** Given-up deliveries waiting to be moved, in dead-letter order. */
export function givenUpOf(
  table: LedgerTable,
  name: string,
  path: string,
): { seq: number; delivery: DeliveryValue }[] {
  return deliveriesOf(table, name, path)
    .filter(([, d]) => d.state === "given-up")
    .map(([seq, delivery]) => ({ seq, delivery }))
    .sort((a, b) => a.delivery.deadLetterNo - b.delivery.deadLetterNo);
}

/** A group as info shows it at `scene.nowMs` (counting what the ring overwrote as lost). */
export function groupInfo(
  name: string,
  group: GroupValue,
  scene: Pick<LedgerScene, "state" | "nowMs">,
  deliveries: [number, DeliveryValue][],
): GroupInfo {
  const { state, nowMs } = scene;
  let lost = group.lostToRetention;
  let next = group.next;
  if (next < state.oldest) {
    lost += state.oldest - next;
    next = state.oldest;
  }
  let inFlight = 0;
  let waiting = 0;
  let live = 0;
  let oldest: number | null = null;
  const members = new Map<string, number>();
  for (const [seq, d] of deliveries) {
    if (seq < state.oldest && d.state !== "given-up") {
      lost++;
      continue;
    }
    live++;
    oldest ??= seq;
    if (d.state === "leased" && d.deadlineMs > nowMs) {
      inFlight++;
      members.set(d.member, (members.get(d.member) ?? 0) + 1);
    } else if (d.state !== "given-up") waiting++;
  }
  if (oldest === null && next <= state.newest) oldest = next;
  return {
    name,
    next,
    lag: Math.max(0, state.newest - next + 1) + live,
    inFlight,
    waiting,
    members: [...members]
      .map(([member, n]) => ({ member, inFlight: n }))
      .sort((a, b) => (a.member < b.member ? -1 : 1)),
    oldestUnfinished: oldest,
    delivered: group.delivered,
    redelivered: group.redelivered,
    acked: group.acked,
    deadLettered: group.deadLettered,
    exhausted: group.exhausted,
    lostToRetention: lost,
    maxAttempts: group.maxAttempts,
    deadLetter: group.deadLetter === "" ? null : group.deadLetter,
    retention: group.retention,
    createdTime: msText(group.createdMs),
  };
}

/** Every group's info. */
export function groupInfos(
  table: LedgerTable,
  state: PoolState,
  nowMs: number,
  path: string,
): GroupInfo[] {
  return listGroups(table, path).map(([name, group]) =>
    groupInfo(name, group, { state, nowMs }, deliveriesOf(table, name, path)),
  );
}

/**
 * The lowest seq a `block` group has not finished (or a retaining cursor has not acked: `cursor`
 * true, `group` its name), or undefined: an append must not evict it.
 */
export function blockingFloor(
  table: LedgerTable,
  path: string,
): { seq: number; group: string; cursor?: true } | undefined {
  let floor: { seq: number; group: string; cursor?: true } | undefined;
  for (const [name, group] of listGroups(table, path)) {
    if (group.retention !== "block") continue;
    const first = deliveriesOf(table, name, path)[0];
    const seq = first ? Math.min(first[0], group.next) : group.next;
    if (!floor || seq < floor.seq) floor = { seq, group: name };
  }
  const held = retainingFloor(table, path);
  if (held && (!floor || held.seq < floor.seq))
    floor = { seq: held.seq, group: held.cursor, cursor: true };
  return floor;
}
