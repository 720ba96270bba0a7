/**
 * Consumer groups of a pool handle (spec/api/v0 §3.12): `pool.group(name, settings)` with claim,
 * ack, nack, extend, info and delete over LedgerCommits, and the list of kept groups.
 *
 * Invariants: every change is one ledger commit planned under the writer lock (consumer-ops.ts);
 * given-up deliveries are moved to the dead-letter pool exactly once (numbered, appended by an
 * idempotent producer, then deleted), and a failed move is retried by the next claim or nack.
 */
import { createHash } from "node:crypto";
import {
  type CheckedGroupSettings,
  type ClaimOptions,
  type ClaimWaitOptions,
  checkClaimOptions,
  checkDeliveryRef,
  checkDurationMs,
  checkGroupSettings,
  clipError,
  DEFAULT_LEASE_MS,
  type Delivery,
  type DeliveryRef,
  type ExtendOptions,
  type GroupInfo,
  type GroupSettings,
  type NackOptions,
} from "./consumers.js";
import {
  givenUpOf,
  groupInfo,
  groupInfos,
  type LedgerScene,
  planAck,
  planClaim,
  planDeadLettered,
  planExtend,
  planGroupDelete,
  planGroupSettle,
  planNack,
} from "./engine/consumer-ops.js";
import { deliveriesOf, keptGroup } from "./engine/consumer-table.js";
import { msText } from "./engine/ledger-scene.js";
import { SpoolError } from "./errors.js";
import type { Message } from "./message.js";
import { subscribe } from "./platform/notify.js";
import { type ConsumerHost, defaultMember, type LedgerCommits } from "./pool-consumers.js";
import { validatePoolName } from "./validate.js";
/** The groups the pool keeps, by name. */
export function keptGroups(commits: LedgerCommits): GroupInfo[] {
  return commits.read((scene) => groupInfos(scene.table, scene.state, scene.nowMs, scene.path));
}

/** The dead-letter producer's id for a group of a pool: stable, in the producer alphabet. */
export function deadLetterProducerId(pool: string, group: string): string {
  const hash = createHash("sha256").update(`${pool}\u0000${group}`).digest("hex").slice(0, 32);
  return `spool.dl.${hash}`;
}

/** A consumer group of one pool handle: `pool.group(name, settings)`. */
export class PoolGroup {
  readonly name: string;
  readonly #host: ConsumerHost;
  readonly #commits: LedgerCommits;
  readonly #settings: CheckedGroupSettings;
  /** The last dead-letter move that failed (it is retried by the next claim or nack). */
  deadLetterError: Error | undefined;

  constructor(host: ConsumerHost, commits: LedgerCommits, name: string, settings?: GroupSettings) {
    this.#host = host;
    this.#commits = commits;
    this.name = name;
    this.#settings = checkGroupSettings(settings, (pool) => this.#checkDeadLetter(pool));
  }

  #checkDeadLetter(pool: string): string {
    const name = validatePoolName(pool);
    if (name === this.#host.name) {
      throw new SpoolError("Usage", `group ${this.name} cannot dead-letter into its own pool`, {
        hint: "name another pool of the same directory, e.g. failed-jobs",
      });
    }
    return name;
  }

  /** Creates the group when absent and stores the settings given; answers its info. */
  ensure(): GroupInfo {
    this.#checkTarget();
    return this.#commits.run((s) => planGroupSettle(s, this.name, this.#settings));
  }

  /** `ensure` without blocking the event loop while another process holds the writer lock. */
  ensureAsync(): Promise<GroupInfo> {
    this.#checkTarget();
    return this.#commits.runAsync((s) => planGroupSettle(s, this.name, this.#settings));
  }

  /** The dead-letter pool must exist: checked once, where the settings name one. */
  #checkTarget(): void {
    const target = this.#settings.deadLetter;
    if (!target || this.#targetChecked) return;
    this.#host.openSibling(target).close();
    this.#targetChecked = true;
  }
  #targetChecked = false;

  /** Up to `max` deliveries, each leased for `leaseMs` (see spec/api/v0 §3.12). */
  claim<T = unknown>(options: ClaimOptions = {}): Delivery<T>[] {
    const checked = checkClaimOptions(options, defaultMember);
    this.#checkTarget();
    const result = this.#commits.run((s) => this.#planClaim(s, checked));
    return this.#delivered<T>(result, checked.member);
  }

  /**
   * `claim` without blocking the event loop; with `waitMs`, waits up to that long for something
   * to claim (an append, a nack's delay or a lease ending) and answers [] when nothing came.
   */
  async claimAsync<T = unknown>(options: ClaimWaitOptions = {}): Promise<Delivery<T>[]> {
    const checked = checkClaimOptions(options, defaultMember);
    const waitMs =
      options.waitMs === undefined ? 0 : checkDurationMs("waitMs", options.waitMs, 0, 0);
    this.#checkTarget();
    const deadline = Date.now() + waitMs;
    const sub = waitMs > 0 ? subscribe(this.#host.path) : undefined;
    try {
      for (;;) {
        const mark = sub?.mark() ?? 0;
        if (options.signal?.aborted) return [];
        let result: ReturnType<typeof planClaim>["result"];
        try {
          result = await this.#commits.runAsync((s) => this.#planClaim(s, checked), {
            signal: options.signal,
          });
        } catch (error) {
          // Cancelled while waiting for the lock: nothing was claimed.
          if (options.signal?.aborted) return [];
          throw error;
        }
        const delivered = this.#delivered<T>(result, checked.member);
        checked.ack = []; // committed by the first claim: a retry after a wait acks nothing
        const left = deadline - Date.now();
        if (delivered.length > 0 || !sub || left <= 0 || options.signal?.aborted) return delivered;
        const wake = result.wakeMs === undefined ? left : Math.max(1, result.wakeMs - Date.now());
        await sub.wait(Math.min(left, wake, 1000), mark, options.signal);
      }
    } finally {
      sub?.release();
    }
  }

  #planClaim(
    scene: LedgerScene,
    options: { max: number; leaseMs: number; member: string; ack: DeliveryRef[] },
  ) {
    return planClaim(scene, this.name, this.#settings, options, (seq) => {
      try {
        return this.#host.get(seq);
      } catch {
        return undefined;
      }
    });
  }

  #delivered<T>(result: ReturnType<typeof planClaim>["result"], member: string): Delivery<T>[] {
    if (result.givenUp) this.#moveDeadLetters();
    return result.claimed.map((c) => ({
      seq: c.seq,
      attempt: c.attempt,
      leaseUntil: msText(c.deadlineMs),
      member,
      message: c.message as Message<T>,
    }));
  }

  /** Finishes deliveries (one or a list; all or none). */
  ack(deliveries: DeliveryRef | readonly DeliveryRef[]): number {
    const refs = refsOf(deliveries);
    return this.#commits.run((s) => planAck(s, this.name, refs));
  }

  ackAsync(
    deliveries: DeliveryRef | readonly DeliveryRef[],
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const refs = refsOf(deliveries);
    return this.#commits.runAsync((s) => planAck(s, this.name, refs), options);
  }

  /** Gives a delivery back: claimable again after `delayMs`, or given up after its last attempt. */
  nack(delivery: DeliveryRef, options: NackOptions = {}): void {
    const { ref, delayMs, error } = nackArgs(delivery, options);
    const result = this.#commits.run((s) => planNack(s, this.name, ref, delayMs, error));
    if (result.givenUp) this.#moveDeadLetters();
  }

  async nackAsync(
    delivery: DeliveryRef,
    options: NackOptions & { signal?: AbortSignal } = {},
  ): Promise<void> {
    const { ref, delayMs, error } = nackArgs(delivery, options);
    const result = await this.#commits.runAsync(
      (s) => planNack(s, this.name, ref, delayMs, error),
      options,
    );
    if (result.givenUp) this.#moveDeadLetters();
  }

  /** Renews a delivery's lease from now; answers the new lease end. */
  extend(delivery: DeliveryRef, options: ExtendOptions = {}): string {
    const ref = checkDeliveryRef(delivery);
    const leaseMs = checkDurationMs("leaseMs", options.leaseMs, DEFAULT_LEASE_MS);
    return msText(this.#commits.run((s) => planExtend(s, this.name, ref, leaseMs)));
  }

  async extendAsync(
    delivery: DeliveryRef,
    options: ExtendOptions & { signal?: AbortSignal } = {},
  ): Promise<string> {
    const ref = checkDeliveryRef(delivery);
    const leaseMs = checkDurationMs("leaseMs", options.leaseMs, DEFAULT_LEASE_MS);
    return msText(
      await this.#commits.runAsync((s) => planExtend(s, this.name, ref, leaseMs), options),
    );
  }

  /** The group's state now; NotFound when the pool does not keep it. */
  info(): GroupInfo {
    return this.#commits.read((scene) => {
      const group = keptGroup(scene.table, this.name, scene.path);
      if (!group) {
        throw new SpoolError("NotFound", `group ${this.name} not found`, {
          path: scene.path,
          hint: "a claim creates the group; `spool group list POOL` shows the kept ones",
        });
      }
      return groupInfo(this.name, group, scene, deliveriesOf(scene.table, this.name, scene.path));
    });
  }

  /** Removes the group and its deliveries; NotFound when absent. */
  delete(): GroupInfo {
    return this.#commits.run((s) => planGroupDelete(s, this.name));
  }

  deleteAsync(): Promise<GroupInfo> {
    return this.#commits.runAsync((s) => planGroupDelete(s, this.name));
  }

  /**
   * Moves given-up deliveries to the dead-letter pool, in their numbers' order, by the group's
   * idempotent producer (a repeated move is answered as duplicates), then deletes their records.
   * A failure is kept in `deadLetterError`; the records stay, and the next call retries.
   */
  #moveDeadLetters(): void {
    try {
      const pending = this.#commits.read((scene) => {
        const group = keptGroup(scene.table, this.name, scene.path);
        if (!group || group.deadLetter === "") return undefined;
        return { group, items: givenUpOf(scene.table, this.name, scene.path) };
      });
      if (!pending || pending.items.length === 0) return;
      const target = this.#host.openSibling(pending.group.deadLetter);
      try {
        const producer = deadLetterProducerId(this.#host.name, this.name);
        for (const run of consecutiveRuns(pending.items)) {
          target.appendBatch(
            run.map((item) =>
              this.#deadLetterInput(item.seq, item.delivery.attempt, item.delivery.error),
            ),
            {
              producer: {
                id: producer,
                epoch: pending.group.createdMs,
                seq: (run[0] as (typeof run)[number]).delivery.deadLetterNo,
              },
            },
          );
        }
      } finally {
        target.close();
      }
      const moved = pending.items.map((i) => ({
        seq: i.seq,
        deadLetterNo: i.delivery.deadLetterNo,
      }));
      this.#commits.run((s) => planDeadLettered(s, this.name, moved));
      this.deadLetterError = undefined;
    } catch (error) {
      this.deadLetterError = error as Error;
    }
  }

  #deadLetterInput(
    seq: number,
    attempts: number,
    error: string,
  ): { json: string; tags: string[]; trusted: boolean } {
    let message: Message | undefined;
    try {
      message = this.#host.get(seq);
    } catch {
      message = undefined;
    }
    const data = message ? Buffer.from(message.dataBytes).toString("utf8") : "null";
    const why = message ? error : `${error} (the message was overwritten before it was moved)`;
    const json =
      `{"pool":${JSON.stringify(this.#host.name)},"group":${JSON.stringify(this.name)},"seq":${seq},` +
      `"time":${message ? JSON.stringify(message.time) : "null"},"attempts":${attempts},` +
      `"error":${JSON.stringify(why)},"data":${data}}`;
    return { json, tags: message ? [...message.tags] : [], trusted: true };
  }
}

function consecutiveRuns<T extends { delivery: { deadLetterNo: number } }>(
  items: readonly T[],
): T[][] {
  const runs: T[][] = [];
  for (const item of items) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run && last && item.delivery.deadLetterNo === last.delivery.deadLetterNo + 1)
      run.push(item);
    else runs.push([item]);
  }
  return runs;
}

function refsOf(deliveries: DeliveryRef | readonly DeliveryRef[]): DeliveryRef[] {
  const list = Array.isArray(deliveries) ? deliveries : [deliveries];
  if (list.length === 0) {
    throw new SpoolError("Usage", "ack needs at least one delivery", {
      hint: "pass the delivery a claim returned, or { seq, attempt }",
    });
  }
  return list.map((d) => checkDeliveryRef(d));
}

function nackArgs(delivery: DeliveryRef, options: NackOptions) {
  return {
    ref: checkDeliveryRef(delivery),
    delayMs: checkDurationMs("delayMs", options.delayMs, 0, 0),
    error: clipError(options.error),
  };
}
