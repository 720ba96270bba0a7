/**
 * Consumer groups on JetStream pools (spec/api/v0 §3.12, spec/engines/jetstream/v0 §8.2): one
 * durable pull consumer per group (`spool-g-<enc(GROUP)>`, explicit acks, no delivery limit)
 * does the sharing — JetStream hands each message to one puller at a time and redelivers what is
 * not acked — and the pool's state stream (state.ts) keeps what Spool adds: the group's settings
 * and counters, and one delivery record per message in flight or waiting
 * (`{attempt, deadlineMs, member, reply, state, error}`).
 *
 * Invariants: a delivery's attempt is JetStream's delivery count; its lease is a `-NAK` with the
 * lease as delay, sent before the claim answers, so JetStream redelivers it (attempt + 1) when
 * the lease runs out and a member that dies loses nothing; `extend` sends that `-NAK` again and a
 * nack sends its own delay; ack, nack and extend first check the delivery record, so a delivery
 * whose lease ran out, that was nacked, delivered again or finished is Conflict (and a seq the
 * group never delivered NotFound) before anything reaches the server; a message past its last
 * attempt is given up exactly once — numbered in the group record (`moving`), appended to the
 * dead-letter pool by the group's idempotent producer, terminated (`+TERM`), then counted — and a
 * move cut short is finished by the next claim or nack; retention `block` is Usage (JetStream
 * cannot refuse an append for a group); counters are updated after the JetStream operation they
 * count (a member killed in between leaves one uncounted: deviation 16).
 */
import { AckPolicy, DeliverPolicy, ReplayPolicy } from "@nats-io/jetstream";
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
  deadLetterProducerId,
  defaultMember,
  type EngineGroup,
  type ExtendOptions,
  type GroupInfo,
  type GroupSettings,
  type NackOptions,
  SpoolError,
  validatePoolName,
} from "@spool/core";
import type { PoolContext } from "./context.js";
import { msText } from "./cursors.js";
import { isPoolStream, poolContext } from "./engine.js";
import { API, apiCode, toSpoolError } from "./errors.js";
import {
  type DeliveryValue,
  type GroupValue,
  groupConsumer,
  groupInfoOf,
} from "./group-records.js";
import { decodeName, encodeName, streamName } from "./names.js";
import { JetStreamPool } from "./pool.js";
import { ackWith, nakAfter, type Pulled, pull } from "./pulls.js";
import { getMessage, streamState } from "./reads.js";
import {
  dropRecord,
  type Revision,
  readRecord,
  recordSubjects,
  stateSubject,
  updateRecord,
  writeRecord,
} from "./state.js";

/** The ack wait of a group's consumer: only the instant between a pull and its lease `-NAK`. */
const PULL_ACK_WAIT_MS = 30_000;
/** JetStream's API code for a consumer that does not exist. */
const CONSUMER_NOT_FOUND = 10014;
function conflict(ctx: PoolContext, message: string, seq: number): SpoolError {
  return new SpoolError("Conflict", message, {
    path: ctx.path,
    seq,
    hint: "claim again: the message is no longer this delivery's to finish",
  });
}

/** A consumer group of a JetStream pool: `pool.group(name, settings)`. */
export class JetStreamGroup implements EngineGroup {
  readonly name: string;
  readonly #ctx: PoolContext;
  readonly #settings: CheckedGroupSettings;
  readonly #consumer: string;
  readonly #subject: string;
  /** The last dead-letter move that failed (retried by the next claim or nack). */
  deadLetterError: Error | undefined;

  constructor(ctx: PoolContext, name: string, settings?: GroupSettings) {
    this.#ctx = ctx;
    this.name = checkConsumerName(name, "group");
    this.#settings = checkGroupSettings(settings, (pool) => {
      const target = validatePoolName(pool);
      if (target === ctx.name) {
        throw new SpoolError("Usage", `group ${this.name} cannot dead-letter into its own pool`, {
          hint: "name another pool of the same server, e.g. failed-jobs",
        });
      }
      return target;
    });
    if (this.#settings.retention === "block") {
      throw new SpoolError(
        "Usage",
        `retention "block" is not available on JetStream pools: the stream's ring cannot refuse an append for group ${this.name}`,
        {
          path: ctx.path,
          hint: 'use retention "lost" (the default) and a pool large enough for the backlog (spec/engines/jetstream/v0, deviation 8)',
        },
      );
    }
    this.#consumer = groupConsumer(this.name);
    this.#subject = `${stateSubject(ctx.name)}.g.${encodeName(this.name)}`;
  }

  #deliverySubject(seq: number): string {
    return `${stateSubject(this.#ctx.name)}.d.${encodeName(this.name)}.${seq}`;
  }

  #unknown(): SpoolError {
    return new SpoolError("NotFound", `group ${this.name} not found`, {
      path: this.#ctx.path,
      hint: "a claim creates the group (`spool work POOL --group NAME -- CMD`); `spool group list POOL` shows the kept ones",
    });
  }

  /** The dead-letter pool must exist: checked once per handle, where the settings name one. */
  async #checkTarget(): Promise<void> {
    const target = this.#settings.deadLetter;
    if (!target || this.#targetChecked) return;
    await openPool(this.#ctx, target);
    this.#targetChecked = true;
  }
  #targetChecked = false;

  /** The group's record, created (with its consumer) when absent, with the settings given. */
  async #settle(): Promise<GroupValue> {
    const ctx = this.#ctx;
    const s = this.#settings;
    await this.#checkTarget();
    for (;;) {
      const kept = await readRecord<GroupValue>(ctx, this.#subject);
      if (kept) {
        const value = { ...kept.value };
        if (s.maxAttempts !== undefined) value.maxAttempts = s.maxAttempts;
        if (s.deadLetter !== undefined) value.deadLetter = s.deadLetter ?? "";
        if (
          value.maxAttempts === kept.value.maxAttempts &&
          value.deadLetter === kept.value.deadLetter
        )
          return kept.value;
        if ((await writeRecord(ctx, this.#subject, value, kept.rev)) !== "stale") return value;
        continue;
      }
      const { bounds } = await streamState(ctx);
      const next = bounds.newest + 1;
      const start =
        s.since === undefined || s.since === "new"
          ? next
          : s.since === "oldest"
            ? bounds.oldest
            : s.since;
      if (start > next) {
        throw new SpoolError(
          "Usage",
          `cannot start group ${this.name} at seq ${start}: the pool's next seq is ${next}`,
          {
            path: ctx.path,
            seq: start,
            hint: `start at a seq from 1 to ${next}, "oldest" or "new"`,
          },
        );
      }
      await this.#addConsumer(start);
      const value: GroupValue = {
        start,
        createdMs: Date.now(),
        maxAttempts: s.maxAttempts ?? 0,
        deadLetter: s.deadLetter ?? "",
        delivered: 0,
        redelivered: 0,
        acked: 0,
        deadLettered: 0,
        exhausted: 0,
        lost: 0,
      };
      if ((await writeRecord(ctx, this.#subject, value, 0)) !== "stale") return value;
    }
  }

  async #addConsumer(start: number): Promise<void> {
    const ctx = this.#ctx;
    const config = {
      durable_name: this.#consumer,
      description: `spool-group/v0: group ${JSON.stringify(this.name)} of Spool pool ${JSON.stringify(ctx.name)}`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: start,
      ack_wait: PULL_ACK_WAIT_MS * 1_000_000,
      max_deliver: -1,
      max_ack_pending: -1,
      replay_policy: ReplayPolicy.Instant,
    };
    for (let tries = 0; ; tries++) {
      try {
        await ctx.jsm.consumers.add(ctx.stream, config);
        return;
      } catch (error) {
        // A consumer left by a creation cut short (no group record): replace it once.
        if (tries === 0 && /exist|in use/i.test(String((error as Error).message))) {
          if (await readRecord<GroupValue>(ctx, this.#subject)) return;
          await ctx.jsm.consumers.delete(ctx.stream, this.#consumer).catch(() => {});
          continue;
        }
        throw toSpoolError(error, ctx.path, `group ${this.name} of pool ${ctx.name}`);
      }
    }
  }

  async #group(): Promise<GroupValue> {
    const kept = await readRecord<GroupValue>(this.#ctx, this.#subject);
    if (!kept) throw this.#unknown();
    return kept.value;
  }

  async #count(change: (g: GroupValue) => void): Promise<void> {
    await updateRecord<GroupValue, undefined>(this.#ctx, this.#subject, (g) => {
      if (!g) return { value: undefined, result: undefined };
      const value = { ...g };
      change(value);
      return { value, result: undefined };
    });
  }

  async ensure(): Promise<GroupInfo> {
    await this.#settle();
    return this.info();
  }

  async claim<T = unknown>(options: ClaimWaitOptions = {}): Promise<Delivery<T>[]> {
    const checked = checkClaimOptions(options, defaultMember);
    const waitMs =
      options.waitMs === undefined ? 0 : checkDurationMs("waitMs", options.waitMs, 0, 0);
    const group = await this.#settle();
    if (checked.ack.length > 0) await this.#ack(checked.ack);
    if (group.moving) await this.#finishMove();
    const deadline = Date.now() + waitMs;
    const out: Delivery<T>[] = [];
    let first = 0;
    let later = 0;
    for (;;) {
      if (options.signal?.aborted) break;
      const left = deadline - Date.now();
      // Waiting, ask for one (a waiting pull answers only when its batch is full); else for all.
      const wait = out.length === 0 && left > 0 ? left : 0;
      const batch = wait > 0 ? 1 : checked.max - out.length;
      const pulled = await pull(this.#ctx, this.#consumer, batch, wait, options.signal);
      let gaveUp = 0;
      for (const p of pulled) {
        const delivery = await this.#deliver<T>(p, group, checked.leaseMs, checked.member);
        if (delivery === undefined) {
          gaveUp++;
          continue;
        }
        out.push(delivery);
        if (delivery.attempt === 1) first++;
        else later++;
      }
      if (out.length >= checked.max) break;
      // Given-up messages were not delivered: pull again for what is left of `max`; a wait that
      // was answered goes on to take what else is there at once.
      if (gaveUp > 0 || (wait > 0 && pulled.length > 0)) continue;
      if (pulled.length === 0 && wait > 0 && Date.now() < deadline) continue;
      break;
    }
    if (first + later > 0) {
      await this.#count((g) => {
        g.delivered += first;
        g.redelivered += later;
      });
    } else await this.#sweep(); // idle: drop the records of what the ring overwrote
    return out;
  }

  /** Leases a pulled message to `member`, or gives it up (undefined) past its last attempt. */
  async #deliver<T>(
    p: Pulled,
    group: GroupValue,
    leaseMs: number,
    member: string,
  ): Promise<Delivery<T> | undefined> {
    const ctx = this.#ctx;
    const subject = this.#deliverySubject(p.seq);
    const before = await readRecord<DeliveryValue>(ctx, subject);
    if (group.maxAttempts > 0 && p.attempt > group.maxAttempts) {
      // The last attempt's lease ran out (or its nack was cut short): give it up.
      const last = before?.value;
      const error = last?.state === "waiting" ? last.error || "nacked" : "lease expired";
      await this.#giveUp(p.seq, p.attempt - 1, error, p.reply, group);
      return undefined;
    }
    await ackWith(ctx, p.reply, nakAfter(leaseMs));
    const deadlineMs = Date.now() + leaseMs;
    const value: DeliveryValue = {
      attempt: p.attempt,
      deadlineMs,
      member,
      reply: p.reply,
      state: "leased",
      error: before?.value.error ?? "",
    };
    await updateRecord<DeliveryValue, undefined>(ctx, subject, () => ({
      value,
      result: undefined,
    }));
    return {
      seq: p.seq,
      attempt: p.attempt,
      leaseUntil: msText(deadlineMs),
      member,
      message: p.message as Delivery<T>["message"],
    };
  }

  /** The first seq the group never delivered (JetStream's frontier, never below the oldest). */
  async #next(): Promise<{ next: number; newest: number; oldest: number }> {
    const ctx = this.#ctx;
    const [info, state] = await Promise.all([
      ctx.jsm.consumers.info(ctx.stream, this.#consumer).catch((error: unknown) => {
        throw toSpoolError(error, ctx.path, `group ${this.name} of pool ${ctx.name}`);
      }),
      streamState(ctx),
    ]);
    const { oldest, newest } = state.bounds;
    return { next: Math.max(info.delivered.stream_seq + 1, oldest), newest, oldest };
  }

  /** The delivery record of `ref`, checked to still be that delivery's to finish. */
  async #check(ref: DeliveryRef, now: number): Promise<Revision<DeliveryValue>> {
    const ctx = this.#ctx;
    const kept = await readRecord<DeliveryValue>(ctx, this.#deliverySubject(ref.seq));
    if (!kept) {
      const { next, oldest } = await this.#next();
      if (ref.seq >= next) {
        throw new SpoolError("NotFound", `group ${this.name} never delivered seq ${ref.seq}`, {
          path: ctx.path,
          seq: ref.seq,
          hint: "ack, nack or extend only deliveries a claim returned",
        });
      }
      const why = ref.seq < oldest ? "lost to retention" : "already finished";
      throw conflict(ctx, `seq ${ref.seq} of group ${this.name} is ${why}`, ref.seq);
    }
    const d = kept.value;
    if (d.attempt !== ref.attempt)
      throw conflict(
        ctx,
        `seq ${ref.seq} of group ${this.name} is at attempt ${d.attempt}, not ${ref.attempt}`,
        ref.seq,
      );
    if (d.state !== "leased")
      throw conflict(ctx, `attempt ${ref.attempt} of seq ${ref.seq} was nacked`, ref.seq);
    if (d.deadlineMs <= now)
      throw conflict(ctx, `the lease of attempt ${ref.attempt} of seq ${ref.seq} expired`, ref.seq);
    return kept;
  }

  async #ack(refs: readonly DeliveryRef[]): Promise<number> {
    const now = Date.now();
    // All or none: every delivery is checked before any is acked.
    const kept: Revision<DeliveryValue>[] = [];
    for (const ref of refs) kept.push(await this.#check(ref, now));
    for (const [i, k] of kept.entries()) {
      await ackWith(this.#ctx, k.value.reply, "+ACK");
      await dropRecord(this.#ctx, this.#deliverySubject((refs[i] as DeliveryRef).seq));
    }
    await this.#count((g) => {
      g.acked += refs.length;
    });
    return refs.length;
  }

  async ack(deliveries: DeliveryRef | readonly DeliveryRef[]): Promise<number> {
    const list = Array.isArray(deliveries) ? deliveries : [deliveries];
    if (list.length === 0) {
      throw new SpoolError("Usage", "ack needs at least one delivery", {
        hint: "pass the delivery a claim returned, or { seq, attempt }",
      });
    }
    const refs = list.map((d) => checkDeliveryRef(d));
    await this.#group();
    return this.#ack(refs);
  }

  async nack(delivery: DeliveryRef, options: NackOptions = {}): Promise<void> {
    const ref = checkDeliveryRef(delivery);
    const delayMs = checkDurationMs("delayMs", options.delayMs, 0, 0);
    const error = clipError(options.error);
    const group = await this.#group();
    if (group.moving) await this.#finishMove();
    const kept = await this.#check(ref, Date.now());
    if (group.maxAttempts > 0 && ref.attempt >= group.maxAttempts) {
      await this.#giveUp(ref.seq, ref.attempt, error || "nacked", kept.value.reply, group);
      return;
    }
    await ackWith(this.#ctx, kept.value.reply, nakAfter(delayMs));
    const value: DeliveryValue = {
      ...kept.value,
      state: "waiting",
      deadlineMs: Date.now() + delayMs,
      error,
    };
    // Stale: a member already claimed the redelivery, whose record wins.
    await writeRecord(this.#ctx, this.#deliverySubject(ref.seq), value, kept.rev);
  }

  async extend(delivery: DeliveryRef, options: ExtendOptions = {}): Promise<string> {
    const ref = checkDeliveryRef(delivery);
    const leaseMs = checkDurationMs("leaseMs", options.leaseMs, DEFAULT_LEASE_MS);
    await this.#group();
    const kept = await this.#check(ref, Date.now());
    await ackWith(this.#ctx, kept.value.reply, nakAfter(leaseMs));
    const deadlineMs = Date.now() + leaseMs;
    const value = { ...kept.value, deadlineMs };
    const written = await writeRecord(this.#ctx, this.#deliverySubject(ref.seq), value, kept.rev);
    if (written === "stale") {
      throw conflict(this.#ctx, `seq ${ref.seq} changed while its lease was extended`, ref.seq);
    }
    return msText(deadlineMs);
  }

  /**
   * Gives a message up after its last attempt: with a dead-letter pool, numbered in the group
   * record and moved (#finishMove); without, terminated and counted as exhausted.
   */
  async #giveUp(
    seq: number,
    attempts: number,
    error: string,
    reply: string,
    group: GroupValue,
  ): Promise<void> {
    const ctx = this.#ctx;
    if (group.deadLetter === "") {
      await ackWith(ctx, reply, "+TERM");
      await dropRecord(ctx, this.#deliverySubject(seq));
      await this.#count((g) => {
        g.exhausted++;
      });
      return;
    }
    for (;;) {
      const kept = await readRecord<GroupValue>(ctx, this.#subject);
      if (!kept) return;
      if (kept.value.moving && kept.value.moving.seq !== seq) {
        await this.#finishMove();
        continue;
      }
      if (!kept.value.moving) {
        const value = {
          ...kept.value,
          moving: { seq, attempts, error, no: kept.value.deadLettered + 1 },
        };
        if ((await writeRecord(ctx, this.#subject, value, kept.rev)) === "stale") continue;
      }
      break;
    }
    await ackWith(ctx, reply, "+TERM");
    await this.#finishMove();
  }

  /** Appends the numbered given-up message to the dead-letter pool (idempotently), then counts it. */
  async #finishMove(): Promise<void> {
    const ctx = this.#ctx;
    try {
      const kept = await readRecord<GroupValue>(ctx, this.#subject);
      const moving = kept?.value.moving;
      if (!kept || !moving) return;
      const target = await openPool(ctx, kept.value.deadLetter);
      let message: Awaited<ReturnType<typeof getMessage>> | undefined;
      try {
        message = await getMessage(ctx, moving.seq);
      } catch (error) {
        if (!(error instanceof SpoolError && error.kind === "NotFound")) throw error;
      }
      const data = message ? new TextDecoder().decode(message.dataBytes) : "null";
      const why = message
        ? moving.error
        : `${moving.error} (the message was overwritten before it was moved)`;
      const json =
        `{"pool":${JSON.stringify(ctx.name)},"group":${JSON.stringify(this.name)},"seq":${moving.seq},` +
        `"time":${message ? JSON.stringify(message.time) : "null"},"attempts":${moving.attempts},` +
        `"error":${JSON.stringify(why)},"data":${data}}`;
      await target.appendBatch([{ json, tags: message ? [...message.tags] : [], trusted: true }], {
        producer: {
          id: deadLetterProducerId(ctx.name, this.name),
          epoch: kept.value.createdMs,
          seq: moving.no,
        },
      });
      await dropRecord(ctx, this.#deliverySubject(moving.seq));
      await updateRecord<GroupValue, undefined>(ctx, this.#subject, (g) => {
        if (!g || g.moving?.no !== moving.no) return { value: undefined, result: undefined };
        const { moving: _done, ...rest } = g;
        return { value: { ...rest, deadLettered: g.deadLettered + 1 }, result: undefined };
      });
      this.deadLetterError = undefined;
    } catch (error) {
      this.deadLetterError = error as Error;
    }
  }

  /** Drops delivery records of messages the ring overwrote, counting them as lost. */
  async #sweep(): Promise<void> {
    const { oldest } = (await streamState(this.#ctx)).bounds;
    const lost = (await this.#records()).filter(([seq]) => seq < oldest);
    if (lost.length === 0) return;
    for (const [seq] of lost) await dropRecord(this.#ctx, this.#deliverySubject(seq));
    await this.#count((g) => {
      g.lost += lost.length;
    });
  }

  async #records(): Promise<[number, DeliveryValue][]> {
    const prefix = `${stateSubject(this.#ctx.name)}.d.${encodeName(this.name)}.`;
    const out: [number, DeliveryValue][] = [];
    for (const subject of await recordSubjects(this.#ctx, `${prefix}*`)) {
      const kept = await readRecord<DeliveryValue>(this.#ctx, subject);
      if (kept) out.push([Number(subject.slice(prefix.length)), kept.value]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  async info(): Promise<GroupInfo> {
    const group = await this.#group();
    const [{ next, newest, oldest }, records] = await Promise.all([this.#next(), this.#records()]);
    return groupInfoOf(this.name, group, { next, newest, oldest }, records, Date.now());
  }

  async delete(): Promise<GroupInfo> {
    const info = await this.info();
    const ctx = this.#ctx;
    try {
      await ctx.jsm.consumers.delete(ctx.stream, this.#consumer);
    } catch (error) {
      if (apiCode(error) !== CONSUMER_NOT_FOUND)
        throw toSpoolError(error, ctx.path, `group ${this.name} of pool ${ctx.name}`);
    }
    for (const [seq] of await this.#records()) await dropRecord(ctx, this.#deliverySubject(seq));
    await dropRecord(ctx, this.#subject);
    return info;
  }
}

/** A pool of the same server (the dead-letter pool); NotFound when it is not there. */
async function openPool(ctx: PoolContext, name: string): Promise<JetStreamPool> {
  let info: Awaited<ReturnType<PoolContext["jsm"]["streams"]["info"]>> | undefined;
  try {
    info = await ctx.jsm.streams.info(streamName(name));
  } catch (error) {
    if (apiCode(error) !== API.StreamNotFound)
      throw toSpoolError(error, `${ctx.location}/${name}`, `pool ${name}`);
  }
  if (!info || !isPoolStream(info)) {
    throw new SpoolError("NotFound", `dead-letter pool not found: ${name}`, {
      path: `${ctx.location}/${name}`,
      hint: `create it first (\`spool pool create ${ctx.location}/${name}\`), or name another deadLetter`,
    });
  }
  return new JetStreamPool(poolContext(ctx, name, info));
}

/** The groups pool `ctx` keeps, by name. */
export async function listGroups(ctx: PoolContext): Promise<GroupInfo[]> {
  const prefix = `${stateSubject(ctx.name)}.g.`;
  const out: GroupInfo[] = [];
  for (const subject of await recordSubjects(ctx, `${prefix}*`)) {
    const name = decodeName(subject.slice(prefix.length));
    if (name === undefined) continue;
    try {
      out.push(await new JetStreamGroup(ctx, name).info());
    } catch (error) {
      // Deleted meanwhile.
      if (!(error instanceof SpoolError && error.kind === "NotFound")) throw error;
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
