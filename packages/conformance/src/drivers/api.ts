/**
 * The `api` driver: runs steps in process through @spool/core's public API, in the session's
 * pool directory.
 *
 * Invariants: every op opens and closes its own pool handle (no handle outlives a step, so
 * `delete` sees only the handles a manifest asked for); results are built from core's own wire
 * spelling (`poolInfoJson`, `poolListEntryJson`, the envelope's `toJSON`); only SpoolErrors
 * become `error` outcomes, anything else thrown is reported as an Internal error with a
 * violation; concurrent writers are real child processes (dist/child.js), driven in lockstep;
 * cursor and group ops are api-consumers.ts, on the step's own handle.
 */

import { spawn } from "node:child_process";
import {
  type Appended,
  type AppendOptions,
  createPool,
  deletePool,
  type Gap,
  isSpoolError,
  listPools,
  openPool,
  type Pool,
  type ProducerOptions,
  poolInfoJson,
  poolListEntryJson,
  producerInfoJson,
  type SpoolErrorJson,
  spoolErrorFromJson,
  type TailOptions,
} from "@spool/core";
import { lockstep } from "../lockstep.js";
import { childScript } from "../process.js";
import { consumerOp } from "./api-consumers.js";
import { CONSUMER_OPS } from "./consumer-inputs.js";
import {
  appendAnswer,
  batchInput,
  concurrentInput,
  cursorTailOptions,
  expectedLastSeqInput,
  hexBytes,
  isDuplicate,
  optionalNumber,
  optionalString,
  optionalStrings,
  producerInput,
  tailInputOptions,
} from "./inputs.js";
import type { Driver, DriverSession, DriverStep, Outcome, SessionContext } from "./types.js";

function withPool<T>(ref: string, dir: string, use: (pool: Pool) => T): T {
  const pool = openPool(ref, { dir });
  try {
    return use(pool);
  } finally {
    pool.close();
  }
}

/** The message's JSONL line as core renders it (its stored bytes spliced), without the newline. */
function jsonLine(message: { toJsonLine(): Uint8Array }): string {
  const line = message.toJsonLine();
  return new TextDecoder("utf-8", { fatal: true }).decode(line.subarray(0, line.length - 1));
}

function need(pool: string | undefined, op: string): string {
  if (pool === undefined) throw new Error(`step ${op} needs a pool`);
  return pool;
}

async function tail(
  ref: string,
  dir: string,
  input: Record<string, unknown>,
): Promise<{ result: { messages: unknown[]; gaps: Gap[] }; lines: string[] }> {
  const gaps: Gap[] = [];
  const options: TailOptions = {
    ...tailInputOptions(input),
    ...cursorTailOptions(input),
    follow: false,
    onGap: (gap) => gaps.push(gap),
  };
  const pool = openPool(ref, { dir });
  try {
    const messages: unknown[] = [];
    const lines: string[] = [];
    for await (const message of pool.tail(options)) {
      messages.push(message.toJSON());
      lines.push(jsonLine(message));
    }
    const result = { messages, gaps: gaps.map(({ from, to, count }) => ({ from, to, count })) };
    return { result, lines };
  } finally {
    pool.close();
  }
}

async function concurrent(ref: string, dir: string, input: Record<string, unknown>) {
  const { writers, count, tags } = concurrentInput(input);
  const path = withPool(ref, dir, (pool) => pool.path); // NotFound etc. before any child starts
  const script = childScript();
  const runs = await lockstep(
    () =>
      spawn(process.execPath, [script, "append", path, JSON.stringify(tags)], {
        stdio: ["pipe", "pipe", "pipe"],
      }),
    writers,
    count,
    60_000,
  );
  const failed = runs.find((r) => r.code !== 0);
  if (failed) {
    const line = failed.stderr.trim().split("\n")[0] ?? "";
    const parsed = line.startsWith('{"error"')
      ? (JSON.parse(line) as { error: SpoolErrorJson })
      : undefined;
    if (parsed) throw spoolErrorFromJson(parsed.error);
    throw new Error(`a writer process failed (${failed.code}): ${failed.stderr.trim()}`);
  }
  return { appended: runs.reduce((sum, r) => sum + r.stdout.split("\n").length - 1, 0) };
}

function appendOptions(input: Record<string, unknown>): AppendOptions {
  const options: AppendOptions = {};
  const tags = optionalStrings(input, "tags");
  const durability = optionalString(input, "durability");
  if (tags !== undefined) options.tags = tags;
  if (durability !== undefined)
    options.durability = durability as NonNullable<AppendOptions["durability"]>;
  const expected = expectedLastSeqInput(input);
  if (expected !== undefined) options.expectedLastSeq = expected as number;
  const producer = producerInput(input);
  if (producer !== undefined) options.producer = producer as ProducerOptions;
  return options;
}

/**
 * The outcome of an append's answers: receipts for what was committed, a producer's duplicates
 * whole, and the JSONL lines of the duplicates (as core renders them) when there are any.
 */
function answered(answers: readonly Appended[], one: boolean): Outcome {
  const results = answers.map((a) => appendAnswer(a.toJSON()));
  const lines = answers.filter((_a, i) => isDuplicate(results[i])).map(jsonLine);
  const result = one ? { message: results[0] } : { messages: results };
  return { status: "ok", result, ...(lines.length > 0 ? { lines } : {}) };
}

async function runStep(step: DriverStep, dir: string): Promise<Outcome> {
  const { input } = step;
  switch (step.op) {
    case "create": {
      const options: Parameters<typeof createPool>[1] = { dir };
      const size = input.size;
      const indexCapacity = optionalNumber(input, "index_capacity");
      if (typeof size === "string" || typeof size === "number") options.size = size;
      if (indexCapacity !== undefined) options.indexCapacity = indexCapacity;
      const pool = createPool(need(step.pool, "create"), options);
      try {
        return { status: "ok", result: { pool: poolInfoJson(pool.info()) } };
      } finally {
        pool.close();
      }
    }
    case "info":
      return {
        status: "ok",
        result: { pool: withPool(need(step.pool, "info"), dir, (p) => poolInfoJson(p.info())) },
      };
    case "list":
      return { status: "ok", result: { pools: listPools({ dir }).map(poolListEntryJson) } };
    case "delete":
      deletePool(need(step.pool, "delete"), { dir, force: input.force === true });
      return { status: "ok", result: { ok: true } };
    case "append": {
      const options = appendOptions(input);
      const message: Appended = withPool(need(step.pool, "append"), dir, (pool) =>
        typeof input.json_hex === "string"
          ? pool.appendJson(hexBytes(input.json_hex), options)
          : typeof input.json === "string"
            ? pool.appendJson(input.json, options)
            : pool.append(input.data, options),
      );
      return answered([message], true);
    }
    case "append_batch": {
      const { messages, durability, expectedLastSeq, producer } = batchInput(input);
      const committed: Appended[] = withPool(need(step.pool, "append_batch"), dir, (pool) =>
        pool.appendBatch(
          messages.map((m) => ({ data: m.data, tags: m.tags })),
          {
            ...(durability === undefined ? {} : { durability: durability as "fast" | "flush" }),
            ...(expectedLastSeq === undefined
              ? {}
              : { expectedLastSeq: expectedLastSeq as number }),
            ...(producer === undefined ? {} : { producer: producer as ProducerOptions }),
          },
        ),
      );
      return answered(committed, false);
    }
    case "producer_state": {
      const id = input.id as string;
      const state = withPool(need(step.pool, "producer_state"), dir, (pool) =>
        pool.producerState(id),
      );
      return { status: "ok", result: { producer: state ? producerInfoJson(state) : null } };
    }
    case "get": {
      const seq = input.seq as number;
      return withPool(need(step.pool, "get"), dir, (pool) => {
        const message = pool.get(seq);
        return { status: "ok", result: { message: message.toJSON() }, lines: [jsonLine(message)] };
      });
    }
    case "tail":
      return { status: "ok", ...(await tail(need(step.pool, "tail"), dir, input)) };
    case "concurrent_append":
      return {
        status: "ok",
        result: await concurrent(need(step.pool, "concurrent_append"), dir, input),
      };
    default:
      if (CONSUMER_OPS.has(step.op))
        return withPool(need(step.pool, step.op), dir, (pool) => ({
          status: "ok",
          ...consumerOp(pool, step.op, input, jsonLine),
        }));
      return { status: "skipped", reason: `the api driver does not know op ${step.op}` };
  }
}

/**
 * The in-process driver over @spool/core.
 *
 * @example
 * const report = await runSuite({ manifests, drivers: [apiDriver()] });
 */
export function apiDriver(): Driver {
  return {
    name: "api",
    async open(context: SessionContext): Promise<DriverSession> {
      return {
        async run(step) {
          try {
            return await runStep(step, context.poolDir);
          } catch (error) {
            if (isSpoolError(error)) return { status: "error", error: error.toJSON() };
            const message = error instanceof Error ? error.message : String(error);
            return {
              status: "error",
              error: { kind: "Internal", message },
              violations: [`threw something that is not a SpoolError: ${message}`],
            };
          }
        },
        async close() {},
      };
    },
  };
}
