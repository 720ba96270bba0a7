/**
 * The api driver's durable-consumer ops (manifest-v0.md §3.1): cursors and groups through the
 * engine-neutral interface (spec/api/v0 §3.13: `EnginePool.cursor(name)`, `group(name,
 * settings)`, `cursors()`, `groups()`), on any engine that has them, in the wire spelling of
 * core's own `cursorInfoJson` and `groupInfoJson`.
 *
 * Invariants: every op runs on a pool handle the caller opened for this step alone (closed
 * after it); inputs reach the engine as given (the engine, not the driver, refuses bad ones);
 * an engine without the op is reported by the caller as skipped, never faked; a delivery's
 * envelope line is core's `toJsonLine` (for byte parity); a `group_work` worker claims one
 * message at a time and acks or nacks it before the next claim, as `spool work` does.
 */
import {
  cursorInfoJson,
  type Delivery,
  type DeliveryRef,
  type Durability,
  type EngineCursor,
  type EngineGroup,
  type EnginePool,
  type GroupSettings,
  groupInfoJson,
} from "@spool/core";
import { groupSettings, jobFailure, WORK_LIMIT, workInput } from "./consumer-inputs.js";

/** What a consumer op gives: its result and the envelope lines of the messages it delivered. */
export interface ConsumerResult {
  result: unknown;
  lines?: string[];
}

/** A delivery in the wire spelling (spec/http/v0 §3.4). */
export function deliveryJson(d: Delivery): Record<string, unknown> {
  return {
    seq: d.seq,
    attempt: d.attempt,
    lease_until: d.leaseUntil,
    member: d.member,
    message: d.message.toJSON(),
  };
}

/** Whether `pool`'s engine has the op (cursor ops need `cursor`, group ops need `group`). */
export function hasConsumerOp(pool: EnginePool, op: string): boolean {
  if (op.startsWith("cursor_")) return pool.cursor !== undefined && pool.cursors !== undefined;
  return pool.group !== undefined && pool.groups !== undefined;
}

function cursorOf(pool: EnginePool, name: string): EngineCursor {
  return (pool.cursor as (name: string) => EngineCursor).call(pool, name);
}

function groupOf(pool: EnginePool, name: string, settings?: GroupSettings): EngineGroup {
  return (pool.group as (name: string, s?: GroupSettings) => EngineGroup).call(
    pool,
    name,
    settings,
  );
}

/**
 * Runs consumer op `op` on `pool` (an engine that has it: see `hasConsumerOp`); `line` renders
 * an envelope's JSONL line.
 *
 * @example
 * const { result } = await consumerOp(pool, "cursor_info", { cursor: "indexer" }, jsonLine);
 */
export async function consumerOp(
  pool: EnginePool,
  op: string,
  input: Record<string, unknown>,
  line: (message: Delivery["message"]) => string,
): Promise<ConsumerResult> {
  const cursor = () => cursorOf(pool, input.cursor as string);
  const group = (withSettings = false) =>
    groupOf(pool, input.group as string, withSettings ? groupSettings(input) : undefined);
  const ref = (): DeliveryRef => ({ seq: input.seq as number, attempt: input.attempt as number });
  switch (op) {
    case "cursor_info":
      return { result: { cursor: cursorInfoJson(await cursor().info()) } };
    case "cursor_list":
      return {
        result: {
          cursors: (await (pool.cursors as () => Promise<never[]>).call(pool)).map(cursorInfoJson),
        },
      };
    case "cursor_ack": {
      const options = input.durability === undefined ? {} : { durability: input.durability };
      const info = await cursor().ack(input.seq as number, options as { durability?: Durability });
      return { result: { cursor: cursorInfoJson(info) } };
    }
    case "cursor_reset": {
      const to: Record<string, unknown> = {};
      if (input.seq !== undefined) to.seq = input.seq;
      if (input.time !== undefined) to.time = input.time;
      const info = await cursor().reset(to as { seq: number });
      return { result: { cursor: cursorInfoJson(info) } };
    }
    case "cursor_delete":
      return { result: { cursor: cursorInfoJson(await cursor().delete()) } };
    case "group_ensure":
      return { result: { group: groupInfoJson(await group(true).ensure()) } };
    case "group_claim": {
      const options: Record<string, unknown> = {};
      if (input.max !== undefined) options.max = input.max;
      if (input.lease_ms !== undefined) options.leaseMs = input.lease_ms;
      if (input.member !== undefined) options.member = input.member;
      if (input.ack !== undefined) options.ack = input.ack;
      const deliveries = await group(true).claim(options);
      return {
        result: { deliveries: deliveries.map(deliveryJson) },
        lines: deliveries.map((d) => line(d.message)),
      };
    }
    case "group_ack": {
      const refs = input.deliveries === undefined ? ref() : (input.deliveries as DeliveryRef[]);
      return { result: { acked: await group().ack(refs) } };
    }
    case "group_nack": {
      const options: Record<string, unknown> = {};
      if (input.delay_ms !== undefined) options.delayMs = input.delay_ms;
      if (input.error !== undefined) options.error = input.error;
      await group().nack(ref(), options);
      return { result: { ok: true } };
    }
    case "group_extend": {
      const options = input.lease_ms === undefined ? {} : { leaseMs: input.lease_ms as number };
      return { result: { lease_until: await group().extend(ref(), options) } };
    }
    case "group_info":
      return { result: { group: groupInfoJson(await group().info()) } };
    case "group_list":
      return {
        result: {
          groups: (await (pool.groups as () => Promise<never[]>).call(pool)).map(groupInfoJson),
        },
      };
    case "group_delete":
      return { result: { group: groupInfoJson(await group().delete()) } };
    case "group_work":
      return work(pool, input, line);
    default:
      throw new Error(`not a consumer op: ${op}`);
  }
}

/** A worker: claim one, "run the job" (its exit status is the step's), ack or nack; repeat. */
async function work(
  pool: EnginePool,
  input: Record<string, unknown>,
  line: (message: Delivery["message"]) => string,
): Promise<ConsumerResult> {
  const plan = workInput(input);
  const group = groupOf(pool, plan.group as string, groupSettings(input));
  const jobs: { seq: number; attempt: number }[] = [];
  const lines: string[] = [];
  while (jobs.length < (plan.max ?? WORK_LIMIT)) {
    const [delivery] = await group.claim({
      max: 1,
      leaseMs: plan.leaseMs,
      ...(plan.member === undefined ? {} : { member: plan.member as string }),
    });
    if (!delivery) break;
    jobs.push({ seq: delivery.seq, attempt: delivery.attempt });
    lines.push(line(delivery.message));
    if (plan.exit === 0) await group.ack(delivery);
    else await group.nack(delivery, { delayMs: plan.retryDelayMs, error: jobFailure(plan.exit) });
  }
  return { result: { jobs }, lines };
}
