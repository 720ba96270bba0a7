/**
 * The `api` driver: runs steps in process through the engine-neutral pool interface
 * (spec/api/v0 §3.13): by default the file engine over the session's pool directory, or any
 * `PoolEngine` the caller supplies (a JetStream cluster), so one suite checks every engine.
 *
 * Invariants: every op opens and closes its own pool handle (no handle outlives a step, so
 * `delete` sees only the handles a manifest asked for); results are built from core's own wire
 * spelling (`poolInfoJson`, `poolListEntryJson`, the envelope's `toJSON`); only SpoolErrors
 * become `error` outcomes, anything else thrown is reported as an Internal error with a
 * violation; concurrent writers are real child processes (dist/child.js), driven in lockstep;
 * cursor and group ops are api-consumers.ts, through the step's own pool handle's
 * `cursor`/`group` (any engine that has them); an op an engine does not have (consumers where
 * the engine lacks them, child-process writers off the file engine) is `skipped` with the
 * reason, never faked.
 */

import { spawn } from "node:child_process";
import {
  type Appended,
  type AppendOptions,
  type EngineCreateOptions,
  type EnginePool,
  FileEngine,
  FileEnginePool,
  type Gap,
  isSpoolError,
  type PoolEngine,
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
import { consumerOp, hasConsumerOp } from "./api-consumers.js";
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

async function withPool<T>(
  engine: PoolEngine,
  ref: string,
  use: (pool: EnginePool) => T | Promise<T>,
): Promise<T> {
  const pool = await engine.open(ref);
  try {
    return await use(pool);
  } finally {
    await pool.close();
  }
}

/** The file pool under `pool`, or undefined on another engine. */
function filePool(pool: EnginePool) {
  return pool instanceof FileEnginePool ? pool.pool : undefined;
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
  engine: PoolEngine,
  ref: string,
  input: Record<string, unknown>,
): Promise<{ result: { messages: unknown[]; gaps: Gap[] }; lines: string[] }> {
  const gaps: Gap[] = [];
  const options: TailOptions = {
    ...tailInputOptions(input),
    ...cursorTailOptions(input),
    follow: false,
    onGap: (gap) => gaps.push(gap),
  };
  return withPool(engine, ref, async (pool) => {
    const messages: unknown[] = [];
    const lines: string[] = [];
    for await (const message of pool.tail(options)) {
      messages.push(message.toJSON());
      lines.push(jsonLine(message));
    }
    const result = { messages, gaps: gaps.map(({ from, to, count }) => ({ from, to, count })) };
    return { result, lines };
  });
}

async function concurrent(path: string, input: Record<string, unknown>) {
  const { writers, count, tags } = concurrentInput(input);
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

async function runStep(step: DriverStep, engine: PoolEngine): Promise<Outcome> {
  const { input } = step;
  switch (step.op) {
    case "create": {
      const options: EngineCreateOptions = {};
      const size = input.size;
      const indexCapacity = optionalNumber(input, "index_capacity");
      if (typeof size === "string" || typeof size === "number") options.size = size;
      if (indexCapacity !== undefined) options.indexCapacity = indexCapacity;
      const pool = await engine.create(need(step.pool, "create"), options);
      try {
        return { status: "ok", result: { pool: poolInfoJson(await pool.info()) } };
      } finally {
        await pool.close();
      }
    }
    case "info":
      return {
        status: "ok",
        result: {
          pool: await withPool(engine, need(step.pool, "info"), async (p) =>
            poolInfoJson(await p.info()),
          ),
        },
      };
    case "list":
      return { status: "ok", result: { pools: (await engine.list()).map(poolListEntryJson) } };
    case "delete":
      await engine.delete(need(step.pool, "delete"), { force: input.force === true });
      return { status: "ok", result: { ok: true } };
    case "append": {
      const options = appendOptions(input);
      const message: Appended = await withPool(engine, need(step.pool, "append"), (pool) =>
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
      const committed: Appended[] = await withPool(
        engine,
        need(step.pool, "append_batch"),
        (pool) =>
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
      const state = await withPool(engine, need(step.pool, "producer_state"), (pool) =>
        pool.producerState(id),
      );
      return { status: "ok", result: { producer: state ? producerInfoJson(state) : null } };
    }
    case "get": {
      const seq = input.seq as number;
      return withPool(engine, need(step.pool, "get"), async (pool) => {
        const message = await pool.get(seq);
        return { status: "ok", result: { message: message.toJSON() }, lines: [jsonLine(message)] };
      });
    }
    case "tail":
      return { status: "ok", ...(await tail(engine, need(step.pool, "tail"), input)) };
    case "concurrent_append": {
      // NotFound etc. before any child starts; the writers are processes on the pool's file.
      const path = await withPool(
        engine,
        need(step.pool, "concurrent_append"),
        (pool) => filePool(pool)?.path,
      );
      if (path === undefined) {
        return { status: "skipped", reason: `writer processes need a file pool (${engine.kind})` };
      }
      return { status: "ok", result: await concurrent(path, input) };
    }
    default:
      if (CONSUMER_OPS.has(step.op))
        return withPool(engine, need(step.pool, step.op), async (pool) => {
          if (!hasConsumerOp(pool, step.op)) {
            return {
              status: "skipped",
              reason: `the ${engine.kind} engine has no ${step.op.split("_")[0]}s`,
            } satisfies Outcome;
          }
          return {
            status: "ok",
            ...(await consumerOp(pool, step.op, input, jsonLine)),
          } satisfies Outcome;
        });
      return { status: "skipped", reason: `the api driver does not know op ${step.op}` };
  }
}

/**
 * The in-process driver over @spool/core.
 *
 * @example
 * const report = await runSuite({ manifests, drivers: [apiDriver()] });
 */
export function apiDriver(
  options: {
    /** The driver's name in reports (default `api`). */
    name?: string;
    /** The engine a session's steps run on (default: the file engine over its pool dir). */
    engine?: (context: SessionContext) => PoolEngine | Promise<PoolEngine>;
  } = {},
): Driver {
  const engineOf = options.engine ?? ((context) => new FileEngine({ dir: context.poolDir }));
  return {
    name: options.name ?? "api",
    surface: "api",
    async open(context: SessionContext): Promise<DriverSession> {
      const engine = await engineOf(context);
      return {
        async run(step) {
          try {
            return await runStep(step, engine);
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
        async close() {
          await engine.close();
        },
      };
    },
  };
}
