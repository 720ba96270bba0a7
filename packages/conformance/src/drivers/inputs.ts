/**
 * Reading a step's input the same way in every driver, and the receipt shape append ops return.
 *
 * Invariants: values pass through as the manifest wrote them (a bad-input step may give a
 * string where a number belongs, and the surface, not the driver, must refuse it); only the
 * shapes a driver needs to act at all (a batch's message list, a writer count) are checked, and
 * a malformed one is a manifest error, thrown as a plain Error.
 */
import type { Envelope, TailOptions } from "@spool/core";

/** `input[key]` as the surface should receive it (unchecked on purpose). */
export function optionalNumber(input: Record<string, unknown>, key: string): number | undefined {
  return input[key] === undefined ? undefined : (input[key] as number);
}

export function optionalString(input: Record<string, unknown>, key: string): string | undefined {
  return input[key] === undefined ? undefined : (input[key] as string);
}

export function optionalStrings(input: Record<string, unknown>, key: string): string[] | undefined {
  return input[key] === undefined ? undefined : (input[key] as string[]);
}

/** The normalised result of an append: the envelope without `data` (a CLI receipt's shape). */
export function receipt(envelope: Envelope): {
  seq: number;
  time: string;
  meta: { tags: string[] };
} {
  return { seq: envelope.seq, time: envelope.time, meta: { tags: [...envelope.meta.tags] } };
}

/**
 * A conditional append's `expected_last_seq`, as given (a bad value must reach the surface as it
 * is, so it is passed through untyped), or undefined.
 */
export function expectedLastSeqInput(input: Record<string, unknown>): unknown {
  return input.expected_last_seq;
}

/**
 * An idempotent producer's `producer: {id, seq, epoch?}`, as given (passed through untyped, so a
 * bad one reaches the surface as it is), or undefined.
 */
export function producerInput(input: Record<string, unknown>): unknown {
  return input.producer;
}

/** A producer input's fields, read without checking them (undefined when absent). */
export function producerFields(value: unknown): {
  id: unknown;
  seq: unknown;
  epoch: unknown;
} {
  const p = (value !== null && typeof value === "object" ? value : {}) as Record<string, unknown>;
  return { id: p.id, seq: p.seq, epoch: p.epoch };
}

/**
 * The normalised answer of one appended message: a receipt for a message committed now; for a
 * producer's duplicate, the answer whole (the original envelope with `duplicate: true`, data
 * included, or `{seq, duplicate: true}` when the pool no longer holds the original).
 */
export function appendAnswer(envelope: unknown): Record<string, unknown> {
  const e = envelope as Envelope & { duplicate?: unknown };
  if (e !== null && typeof e === "object" && e.duplicate === true) return { ...e };
  return receipt(e);
}

/** Whether an append answer is a producer's duplicate. */
export function isDuplicate(answer: unknown): boolean {
  return (
    answer !== null &&
    typeof answer === "object" &&
    (answer as Record<string, unknown>).duplicate === true
  );
}

/**
 * An `append_batch` input: `{messages: [{data, tags?}], durability?, expected_last_seq?,
 * producer?}`.
 */
export function batchInput(input: Record<string, unknown>): {
  messages: { data: unknown; tags?: string[] }[];
  durability: string | undefined;
  expectedLastSeq: unknown;
  producer: unknown;
} {
  const messages = input.messages;
  if (!Array.isArray(messages)) throw new Error("append_batch needs input.messages (an array)");
  return {
    messages: messages.map((m) => {
      const item = m as { data?: unknown; tags?: string[] };
      return item.tags === undefined ? { data: item.data } : { data: item.data, tags: item.tags };
    }),
    durability: optionalString(input, "durability"),
    expectedLastSeq: expectedLastSeqInput(input),
    producer: producerInput(input),
  };
}

/** A `concurrent_append` input: `{writers, count, tags?}`, both counts whole and ≥ 1. */
export function concurrentInput(input: Record<string, unknown>): {
  writers: number;
  count: number;
  tags: string[];
} {
  const { writers, count } = input;
  if (!Number.isSafeInteger(writers) || (writers as number) < 1 || (writers as number) > 64)
    throw new Error("concurrent_append needs input.writers, a whole number from 1 to 64");
  if (!Number.isSafeInteger(count) || (count as number) < 1 || (count as number) > 10_000)
    throw new Error("concurrent_append needs input.count, a whole number from 1 to 10000");
  return {
    writers: writers as number,
    count: count as number,
    tags: optionalStrings(input, "tags") ?? [],
  };
}

/** The data of message `n` of writer `writer` in a `concurrent_append`. */
export function writerData(writer: number, n: number): { writer: number; n: number } {
  return { writer, n };
}

type TailInput = Pick<
  TailOptions,
  "since" | "sinceTime" | "last" | "max" | "tags" | "where" | "gapPolicy"
>;

/**
 * The start, stop and filter options of a manifest `tail` step (`since`, `since_time`, `last`,
 * `max`, `tags`, `where`, `gap_policy`).
 */
export function tailInputOptions(input: Record<string, unknown>): TailInput {
  const options: TailInput = {};
  const sinceTime = optionalString(input, "since_time");
  if (sinceTime !== undefined) options.sinceTime = sinceTime;
  if (input.where !== undefined) options.where = input.where as string | string[];
  const since = optionalNumber(input, "since");
  const last = optionalNumber(input, "last");
  const max = optionalNumber(input, "max");
  const tags = optionalStrings(input, "tags");
  const gapPolicy = optionalString(input, "gap_policy");
  if (since !== undefined) options.since = since;
  if (last !== undefined) options.last = last;
  if (max !== undefined) options.max = max;
  if (tags !== undefined) options.tags = tags;
  if (gapPolicy !== undefined)
    options.gapPolicy = gapPolicy as NonNullable<TailOptions["gapPolicy"]>;
  return options;
}

/**
 * A `tail` step's durable cursor: `cursor` (its name, as given) and `auto_ack` (the library's
 * `autoAck`), only the keys the step gives.
 */
export function cursorTailOptions(
  input: Record<string, unknown>,
): Pick<TailOptions, "cursor" | "autoAck"> {
  const options: Pick<TailOptions, "cursor" | "autoAck"> = {};
  if (input.cursor !== undefined) options.cursor = input.cursor as string;
  if (input.auto_ack !== undefined) options.autoAck = input.auto_ack as boolean;
  return options;
}

/**
 * The bytes of a `json_hex` input (raw bytes, which may be invalid UTF-8 on purpose).
 *
 * @example
 * hexBytes("22ff22") // Uint8Array [0x22, 0xff, 0x22]
 */
export function hexBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error("json_hex takes pairs of hex digits");
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
