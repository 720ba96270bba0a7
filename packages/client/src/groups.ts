/**
 * Consumer groups of a remote pool (spec/api/v0 §3.12 over spec/http/v0 §3.4):
 * `pool.group(name, settings)` → RemoteGroup {ensure, claim, ack, nack, extend, info, delete,
 * consume}, and `pool.groups()`.
 *
 * Invariants: the name, the settings and every argument are checked by core's checkers
 * (`checkConsumerName`, `checkGroupSettings`, `checkClaimOptions`, `checkDurationMs`,
 * `checkDeliveryRef`, `clipError`) before any request, unknown option keys refused with Usage
 * naming them; the settings go with every claim (and `ensure`), so the first claim creates the
 * group as configured; a claim's deliveries are core's `Delivery` with the same `RemoteMessage`
 * a tail or `get` gives; a long-poll claim is cancelled by its signal and by `pool.close()`, and
 * then answers [] (core's `claimAsync`; what the server may have leased meanwhile is redelivered
 * when the lease ends); errors are the server's kinds (Conflict for a delivery that is no longer
 * the caller's, NotFound for an unknown group or a seq never delivered, Permission for a token
 * that may not consume).
 */
import {
  type CheckedGroupSettings,
  type ClaimWaitOptions,
  checkClaimOptions,
  checkConsumerName,
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
  validatePoolName,
} from "@spool/core/shared";
import { type ConsumeOptions, GroupConsumer } from "./consume.js";
import { type ConsumerTarget, checkOpen, groupPath } from "./consumer-target.js";
import {
  deliveriesFromBody,
  groupFromAnswer,
  groupsFromAnswer,
  refJson,
  settingsJson,
} from "./consumer-wire.js";
import { usage } from "./errors.js";
import { protocolError, readBytes, send, sendJson } from "./http.js";
import { checkOptionKeys } from "./options.js";
import { linkSignals } from "./signals.js";

/** The options each group call knows; any other is refused with Usage naming it. */
const KNOWN = {
  signal: ["signal"],
  claim: ["max", "leaseMs", "member", "waitMs", "ack", "signal"],
  nack: ["delayMs", "error", "signal"],
  extend: ["leaseMs", "signal"],
} as const;

type Signal = { signal?: AbortSignal };

/**
 * A consumer group of a remote pool: its members share the pool's messages, each delivered to
 * one member at a time until acked. Get one from `pool.group(name, settings)`.
 *
 * @example
 * const jobs = pool.group("mailer", { maxAttempts: 5, deadLetter: "failed-jobs" });
 * for (const d of await jobs.claim({ max: 10, waitMs: 20_000 })) {
 *   await send(d.message.data);
 *   await jobs.ack(d);
 * }
 */
export class RemoteGroup {
  /** The group's name. */
  readonly name: string;
  readonly #target: ConsumerTarget;
  readonly #settings: CheckedGroupSettings;

  /** @internal Made by `pool.group()`. */
  constructor(target: ConsumerTarget, name: string, settings?: GroupSettings) {
    checkOpen(target);
    this.#target = target;
    this.name = checkConsumerName(name, "group");
    this.#settings = checkGroupSettings(settings, (pool) => this.#checkDeadLetter(pool));
  }

  #checkDeadLetter(pool: string): string {
    const name = validatePoolName(pool);
    if (name === this.#target.pool) {
      throw usage(
        `group ${this.name} cannot dead-letter into its own pool`,
        "name another pool of the same directory, e.g. failed-jobs",
      );
    }
    return name;
  }

  /**
   * Creates the group when absent and stores the settings given (omitted ones keep theirs);
   * answers its info. A claim does the same, so this is only needed to create a group early.
   *
   * @example
   * await pool.group("mailer", { since: "oldest" }).ensure();
   */
  async ensure(options: Signal = {}): Promise<GroupInfo> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.signal, "group.ensure()");
    return this.#group("PUT", settingsJson(this.#settings), options.signal);
  }

  /**
   * Up to `max` (1–1000, default 1) deliveries to `member` (default: the server's HOST:PID),
   * each leased for `leaseMs` (default 30 s); redeliveries first. With `waitMs`, waits up to that
   * long (the server may cut it to its own limit) for something to claim and answers [] when
   * nothing came, or when `signal` aborts or the pool handle closes. With `ack: [deliveries]`,
   * acks those in the same commit first (all or none).
   *
   * @example
   * const [d] = await group.claim({ leaseMs: 60_000, waitMs: 20_000, member: "worker-1" });
   */
  async claim<T = unknown>(options: ClaimWaitOptions = {}): Promise<Delivery<T>[]> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.claim, "group.claim()");
    const checked = checkClaimOptions(options, () => "");
    const waitMs = checkDurationMs("waitMs", options.waitMs, 0, 0);
    const body: Record<string, unknown> = {
      max: checked.max,
      lease_ms: checked.leaseMs,
      wait_ms: waitMs,
      ...(options.member === undefined ? {} : { member: checked.member }),
      ...(checked.ack.length === 0 ? {} : { ack: checked.ack.map(refJson) }),
      ...settingsJson(this.#settings),
    };
    const path = groupPath(this.#target, this.name, "/claim");
    const linked = linkSignals(options.signal, this.#target.scope);
    try {
      if (linked.signal.aborted) return [];
      const input = {
        method: "POST" as const,
        path,
        body: JSON.stringify(body),
        signal: linked.signal,
      };
      const bytes = await readBytes(await send(this.#target.transport, input), input);
      return deliveriesFromBody<T>(bytes, `POST ${path}`);
    } catch (error) {
      // Cancelled: nothing claimed reaches the caller (a lease taken meanwhile just ends).
      if (linked.signal.aborted) return [];
      throw error;
    } finally {
      linked.release();
    }
  }

  /**
   * Finishes deliveries (one, or a list: all or none); answers how many were acked. Conflict when
   * one is no longer the caller's (lease expired, delivered again, already finished).
   *
   * @example
   * await group.ack(delivery);
   */
  async ack(
    deliveries: DeliveryRef | readonly DeliveryRef[],
    options: Signal = {},
  ): Promise<number> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.signal, "group.ack()");
    const list = Array.isArray(deliveries) ? deliveries : [deliveries as DeliveryRef];
    if (list.length === 0) {
      throw usage(
        "ack needs at least one delivery",
        "pass the delivery a claim returned, or { seq, attempt }",
      );
    }
    const refs = list.map((d) => refJson(checkDeliveryRef(d)));
    const body = Array.isArray(deliveries) ? { deliveries: refs } : refs[0];
    const answer = await this.#post("/ack", body, options.signal);
    const acked = (answer as { acked?: unknown } | null)?.acked;
    if (typeof acked !== "number") {
      throw protocolError(
        200,
        `POST ${groupPath(this.#target, this.name, "/ack")}: no acked count`,
      );
    }
    return acked;
  }

  /**
   * Gives a delivery back: claimable again after `delayMs` (default 0), with `error` (at most 512
   * bytes kept) as its last error; after its last attempt it is given up (dead-lettered).
   *
   * @example
   * await group.nack(delivery, { delayMs: 5000, error: "SMTP 451" });
   */
  async nack(delivery: DeliveryRef, options: NackOptions & Signal = {}): Promise<void> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.nack, "group.nack()");
    const ref = refJson(checkDeliveryRef(delivery));
    const delayMs = checkDurationMs("delayMs", options.delayMs, 0, 0);
    const body: Record<string, unknown> = { ...ref, delay_ms: delayMs };
    if (options.error !== undefined) body.error = clipError(options.error);
    await this.#post("/nack", body, options.signal);
  }

  /**
   * Renews a delivery's lease from now (`leaseMs`, default 30 s); answers the new lease end
   * (RFC 3339 UTC).
   *
   * @example
   * const until = await group.extend(delivery, { leaseMs: 60_000 });
   */
  async extend(delivery: DeliveryRef, options: ExtendOptions & Signal = {}): Promise<string> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.extend, "group.extend()");
    const ref = refJson(checkDeliveryRef(delivery));
    const leaseMs = checkDurationMs("leaseMs", options.leaseMs, DEFAULT_LEASE_MS);
    const answer = await this.#post("/extend", { ...ref, lease_ms: leaseMs }, options.signal);
    const until = (answer as { lease_until?: unknown } | null)?.lease_until;
    if (typeof until !== "string") {
      throw protocolError(
        200,
        `POST ${groupPath(this.#target, this.name, "/extend")}: no lease_until`,
      );
    }
    return until;
  }

  /**
   * The group's state: frontier, lag, deliveries in flight and waiting, members, counters and
   * settings; NotFound when the pool keeps no group of this name.
   *
   * @example
   * const { lag, inFlight, deadLettered } = await group.info();
   */
  async info(options: Signal = {}): Promise<GroupInfo> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.signal, "group.info()");
    return this.#group("GET", undefined, options.signal);
  }

  /**
   * Removes the group and its deliveries; answers what it was (NotFound when absent).
   *
   * @example
   * await group.delete();
   */
  async delete(options: Signal = {}): Promise<GroupInfo> {
    checkOpen(this.#target);
    checkOptionKeys(options, KNOWN.signal, "group.delete()");
    return this.#group("DELETE", undefined, options.signal);
  }

  /**
   * A worker loop: an async iterable of deliveries, claimed by long-polls, each with `ack()`,
   * `nack()` and `extend()` (see consume.ts). Stopping it (break, `signal`, `pool.close()`)
   * loses nothing: what was not acked is redelivered when its lease ends.
   *
   * @example
   * for await (const d of group.consume({ leaseMs: 60_000, extendEvery: 20_000 })) {
   *   await handle(d.message.data);
   *   await d.ack();
   * }
   */
  consume<T = unknown>(options: ConsumeOptions = {}): GroupConsumer<T> {
    checkOpen(this.#target);
    return new GroupConsumer<T>(this, this.#target.scope, options);
  }

  async #group(
    method: "GET" | "PUT" | "DELETE",
    body: Record<string, unknown> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<GroupInfo> {
    const path = groupPath(this.#target, this.name);
    const answer = await sendJson(this.#target.transport, {
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    return groupFromAnswer(answer, `${method} ${path}`);
  }

  #post(suffix: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    return sendJson(this.#target.transport, {
      method: "POST",
      path: groupPath(this.#target, this.name, suffix),
      body: JSON.stringify(body),
      signal,
    });
  }
}

/**
 * The groups the pool keeps, by name.
 *
 * @example
 * for (const g of await listGroups(target)) console.log(g.name, g.lag, g.inFlight);
 */
export async function listGroups(
  target: ConsumerTarget,
  options: Signal = {},
): Promise<GroupInfo[]> {
  checkOpen(target);
  checkOptionKeys(options, KNOWN.signal, "pool.groups()");
  const path = groupPath(target);
  const answer = await sendJson(target.transport, { method: "GET", path, signal: options.signal });
  return groupsFromAnswer(answer, `GET ${path}`);
}
