/**
 * Base pools for the corruption suite: small pools (16K-64K; fresh, half full, wrapped many
 * times, batched, tagged, with a tiny index, empty) built with the public API, together with
 * what was written for every seq, so any message read back later can be checked byte for byte.
 *
 * Every payload carries its own seq (`{"seq":N,...}`), so a message returned under the wrong seq
 * is caught even where two payloads would otherwise look alike.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Message, Pool, StoredMessage } from "../../src/index.js";
import { describePool, type OracleView } from "./corrupt-format.js";
import type { Prng } from "./prng.js";

/** What was committed for one seq, as the append returned it. */
export interface Original {
  seq: number;
  data: Buffer;
  tags: string[];
  time: string;
  line: Buffer;
}

export interface BaseSpec {
  id: string;
  size: string;
  indexCapacity?: number;
  messages: number;
  /** Length range of the random text inside each payload. */
  minLen: number;
  maxLen: number;
  tagChance: number;
  batchChance: number;
  /** Chance a message is appended as (multi-line) JSON text rather than a value. */
  jsonChance: number;
  /** When set, every payload has exactly this text length (equal-sized frames). */
  fixedLen?: number;
}

export interface BasePool {
  spec: BaseSpec;
  bytes: Buffer;
  view: OracleView;
  originals: Map<number, Original>;
  bounds: { oldest: number; newest: number } | null;
  /** Seq the next append must get. */
  nextSeq: number;
}

export const BASE_SPECS: readonly BaseSpec[] = [
  {
    id: "16K-fresh",
    size: "16K",
    messages: 14,
    minLen: 0,
    maxLen: 120,
    tagChance: 0.3,
    batchChance: 0,
    jsonChance: 0.3,
  },
  {
    id: "16K-wrapped",
    size: "16K",
    messages: 700,
    minLen: 0,
    maxLen: 220,
    tagChance: 0.3,
    batchChance: 0.1,
    jsonChance: 0.2,
  },
  {
    id: "16K-tiny-index",
    size: "16K",
    indexCapacity: 4,
    messages: 400,
    minLen: 10,
    maxLen: 160,
    tagChance: 0.2,
    batchChance: 0.2,
    jsonChance: 0.1,
  },
  {
    id: "16K-equal-frames",
    size: "16K",
    messages: 300,
    minLen: 0,
    maxLen: 0,
    fixedLen: 47,
    tagChance: 0,
    batchChance: 0,
    jsonChance: 0,
  },
  {
    id: "16K-empty",
    size: "16K",
    messages: 0,
    minLen: 0,
    maxLen: 0,
    tagChance: 0,
    batchChance: 0,
    jsonChance: 0,
  },
  {
    id: "32K-batches",
    size: "32K",
    messages: 500,
    minLen: 0,
    maxLen: 300,
    tagChance: 0.5,
    batchChance: 0.6,
    jsonChance: 0.2,
  },
  {
    id: "32K-half",
    size: "32K",
    messages: 40,
    minLen: 20,
    maxLen: 200,
    tagChance: 0.3,
    batchChance: 0.2,
    jsonChance: 0.3,
  },
  {
    id: "64K-wrapped",
    size: "64K",
    messages: 400,
    minLen: 50,
    maxLen: 1500,
    tagChance: 0.3,
    batchChance: 0.1,
    jsonChance: 0.1,
  },
  {
    id: "64K-big",
    size: "64K",
    messages: 60,
    minLen: 2000,
    maxLen: 7000,
    tagChance: 0.2,
    batchChance: 0,
    jsonChance: 0,
  },
];

const TAGS = ["build", "deploy:prod", "ci", "é-tag", "x"];

/** The envelope line of a message (core's StoredMessage splices it from the stored bytes). */
/** What an append returned, kept to check later reads against. */
export function originalOf(message: Message): Original {
  return {
    seq: message.seq,
    data: Buffer.from(message.dataBytes),
    tags: [...message.tags],
    time: message.time,
    line: lineOf(message),
  };
}

export function lineOf(message: Message): Buffer {
  if (!(message instanceof StoredMessage)) throw new Error("expected a StoredMessage");
  return message.toJsonLine();
}

function payloadText(prng: Prng, spec: BaseSpec, seq: number): { value: unknown; text: string } {
  const len = spec.fixedLen ?? prng.int(spec.minLen, spec.maxLen);
  const k = spec.fixedLen === undefined ? prng.text(len) : "q".repeat(len);
  const value = { seq, k };
  // Multi-line, spaced JSON text: core must store it on one line.
  const text = `{\n  "seq": ${seq},\n  "k": ${JSON.stringify(k)}\n}`;
  return { value, text };
}

/** Builds a base pool in `dir` with the public API and reads its bytes back. */
export function buildBasePool(dir: string, spec: BaseSpec, prng: Prng): BasePool {
  const path = join(dir, `${spec.id}.spool`);
  const pool = Pool.create(
    path,
    spec.indexCapacity === undefined
      ? { size: spec.size }
      : { size: spec.size, indexCapacity: spec.indexCapacity },
  );
  const originals = new Map<number, Original>();
  let next = 1;
  const record = (message: Message, expectedSeq: number): void => {
    if (message.seq !== expectedSeq)
      throw new Error(
        `base ${spec.id}: append returned seq ${message.seq}, expected ${expectedSeq}`,
      );
    originals.set(message.seq, originalOf(message));
  };
  try {
    while (next <= spec.messages) {
      const tags = (): string[] =>
        prng.chance(spec.tagChance)
          ? [prng.pick(TAGS), ...(prng.chance(0.3) ? [`${prng.pick(TAGS)}2`] : [])]
          : [];
      if (prng.chance(spec.batchChance)) {
        const n = Math.min(prng.int(2, 5), spec.messages - next + 1);
        const inputs = Array.from({ length: n }, (_, i) => {
          const { value, text } = payloadText(prng, spec, next + i);
          return prng.chance(spec.jsonChance)
            ? { json: text, tags: tags() }
            : { data: value, tags: tags() };
        });
        const messages = pool.appendBatch(inputs);
        for (const [i, m] of messages.entries()) record(m, next + i);
        next += n;
      } else {
        const { value, text } = payloadText(prng, spec, next);
        const m = prng.chance(spec.jsonChance)
          ? pool.appendJson(text, { tags: tags() })
          : pool.append(value, { tags: tags() });
        record(m, next);
        next++;
      }
    }
    const bounds = pool.info().bounds;
    pool.close();
    const bytes = readFileSync(path);
    const view = describePool(bytes);
    const viewBounds =
      view.current.oldest > view.current.newest
        ? null
        : { oldest: view.current.oldest, newest: view.current.newest };
    if (JSON.stringify(viewBounds) !== JSON.stringify(bounds))
      throw new Error(
        `base ${spec.id}: oracle bounds ${JSON.stringify(viewBounds)} != info ${JSON.stringify(bounds)}`,
      );
    return { spec, bytes, view, originals, bounds, nextSeq: next };
  } finally {
    pool.close();
  }
}

/** Why `message` is not what was written for its seq, or undefined when it is. */
export function mismatch(
  message: Message,
  originals: ReadonlyMap<number, Original>,
): string | undefined {
  const original = originals.get(message.seq);
  if (!original) return `seq ${message.seq} was never written`;
  if (!Buffer.from(message.dataBytes).equals(original.data)) {
    return `seq ${message.seq}: data bytes differ (got ${JSON.stringify(Buffer.from(message.dataBytes).toString("utf8").slice(0, 80))})`;
  }
  if (JSON.stringify(message.tags) !== JSON.stringify(original.tags))
    return `seq ${message.seq}: tags differ`;
  if (message.time !== original.time)
    return `seq ${message.seq}: time ${message.time} != ${original.time}`;
  let carried: unknown;
  try {
    carried = (message.data as { seq?: unknown } | null)?.seq;
  } catch (error) {
    return `seq ${message.seq}: data does not decode: ${String(error)}`;
  }
  if (carried !== message.seq) return `seq ${message.seq}: payload carries seq ${String(carried)}`;
  if (!lineOf(message).equals(original.line)) return `seq ${message.seq}: JSON line differs`;
  return undefined;
}
