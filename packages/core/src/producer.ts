/**
 * Idempotent producers (spec/api/v0 §3.7): what a producer is, how its options are checked, and
 * the one rule that decides what an append by a producer does against the state the pool keeps
 * for it. Node-free, so the SDK checks a producer's options with the same rule and words.
 *
 * Invariants: a producer is `(id, epoch, seq)`; for a batch of n messages the seqs are
 * `seq .. seq + n − 1`. Against the kept state (same epoch): seqs already committed are
 * duplicates (never written again), the rest must start at exactly the next seq, else Conflict
 * carrying `expectedSeq`; a lower epoch is Conflict carrying the current `epoch`; a higher epoch
 * (or a producer the pool does not know) starts afresh at any seq. The decision writes nothing:
 * the file engine applies it under the writer lock and commits the new state with the frames.
 */
import { SpoolError } from "./errors.js";
import { formatTime } from "./time.js";

/** Longest producer id, in bytes (ASCII). */
export const MAX_PRODUCER_ID_BYTES = 64;
/** What a producer id may hold: letters, digits and `. _ - : / @`, 1–64 of them. */
export const PRODUCER_ID_PATTERN = /^[A-Za-z0-9._\-:/@]{1,64}$/;

/** A producer, as an append's options give it. */
export interface ProducerOptions {
  /** Who is producing: 1–64 of `A–Z a–z 0–9 . _ - : / @`. */
  id: string;
  /** Raised by a restarted producer to fence off its older incarnation. Default 0. */
  epoch?: number;
  /** The producer's own number of this message (of the batch's first message). */
  seq: number;
}

/** A checked producer. */
export interface ProducerClaim {
  id: string;
  epoch: number;
  seq: number;
}

/** What the pool keeps per producer. */
export interface ProducerState {
  id: string;
  epoch: number;
  /** The last producer seq committed. */
  lastSeq: number;
  /** The pool seq `lastSeq` was stored at. */
  lastPoolSeq: number;
  /** The first producer seq of the last commit (`batchFirstSeq..lastSeq` are known by pool seq). */
  batchFirstSeq: number;
  /** When the last commit was made. */
  timeSec: number;
  timeNanos: number;
}

/** What `info` and `producerState` show of a kept producer. */
export interface ProducerInfo {
  id: string;
  epoch: number;
  /** The last producer seq committed. */
  lastSeq: number;
  /** The pool seq it was stored at. */
  lastPoolSeq: number;
  /** When it was committed (RFC 3339 UTC with nanoseconds). */
  lastTime: string;
}

/** A kept producer as `info` shows it. */
export function producerInfo(state: ProducerState): ProducerInfo {
  return {
    id: state.id,
    epoch: state.epoch,
    lastSeq: state.lastSeq,
    lastPoolSeq: state.lastPoolSeq,
    lastTime: formatTime(state.timeSec, state.timeNanos),
  };
}

/** A kept producer on the wire (snake_case, as HTTP and the CLI's --json show it). */
export interface ProducerInfoJson {
  id: string;
  epoch: number;
  last_seq: number;
  last_pool_seq: number;
  last_time: string;
}

export function producerInfoJson(info: ProducerInfo): ProducerInfoJson {
  return {
    id: info.id,
    epoch: info.epoch,
    last_seq: info.lastSeq,
    last_pool_seq: info.lastPoolSeq,
    last_time: info.lastTime,
  };
}

/** A kept producer from its wire spelling, or undefined when the shape is wrong. */
export function producerInfoFromJson(value: unknown): ProducerInfo | undefined {
  const j = value as Partial<ProducerInfoJson> | null;
  if (
    typeof j !== "object" ||
    j === null ||
    typeof j.id !== "string" ||
    typeof j.epoch !== "number" ||
    typeof j.last_seq !== "number" ||
    typeof j.last_pool_seq !== "number" ||
    typeof j.last_time !== "string"
  )
    return undefined;
  return {
    id: j.id,
    epoch: j.epoch,
    lastSeq: j.last_seq,
    lastPoolSeq: j.last_pool_seq,
    lastTime: j.last_time,
  };
}

/** What an append by a producer does. */
export interface ProducerDecision {
  /** How many of the batch's first messages are duplicates (already committed). */
  duplicates: number;
}

function usage(message: string, hint: string): SpoolError {
  return new SpoolError("Usage", message, { hint });
}

/** Checks a producer id (Usage when it is not 1–64 of the allowed characters). */
export function checkProducerId(id: unknown, name = "producer id"): string {
  if (typeof id !== "string" || !PRODUCER_ID_PATTERN.test(id)) {
    const shown = typeof id === "string" && id.length > 80 ? `${id.slice(0, 80)}…` : id;
    throw usage(
      `${name} must be 1–${MAX_PRODUCER_ID_BYTES} characters of A–Z a–z 0–9 . _ - : / @, got ${JSON.stringify(shown)}`,
      "name the producer by something short and stable, such as ingest-1 or host:worker",
    );
  }
  return id;
}

function checkWhole(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw usage(
      `${name} must be a whole number ≥ 0, got ${JSON.stringify(value)}`,
      `pass ${name} as a whole number such as 1`,
    );
  }
  return value;
}

/**
 * The producer of an append's options, checked, or undefined without one. Usage for anything but
 * `{ id, seq, epoch? }` with a valid id and whole numbers.
 */
export function checkProducer(value: unknown): ProducerClaim | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usage(
      `producer must be an object { id, seq, epoch? }, got ${JSON.stringify(value)}`,
      "pass producer: { id: 'ingest', seq: 1 }",
    );
  }
  const { id, seq, epoch } = value as Record<string, unknown>;
  // No rest spread here: this runs on every producer append.
  for (const key in value) {
    if (key !== "id" && key !== "seq" && key !== "epoch") {
      throw usage(
        `unknown producer field ${JSON.stringify(key)}`,
        "a producer has id, seq and epoch only",
      );
    }
  }
  return {
    id: checkProducerId(id),
    seq: checkWhole("producer seq", seq),
    epoch: epoch === undefined ? 0 : checkWhole("producer epoch", epoch),
  };
}

/**
 * What an append of `count` messages by `claim` does, given the state the pool keeps for the
 * producer (undefined: unknown). Throws Conflict for a stale epoch or a seq past the next.
 */
export function decideProducer(
  kept: ProducerState | undefined,
  claim: ProducerClaim,
  count: number,
  path?: string,
): ProducerDecision {
  if (kept === undefined || claim.epoch > kept.epoch) return { duplicates: 0 };
  if (claim.epoch < kept.epoch) {
    throw new SpoolError(
      "Conflict",
      `producer ${claim.id} has epoch ${kept.epoch}; epoch ${claim.epoch} is fenced off: nothing was appended`,
      {
        path,
        epoch: kept.epoch,
        hint: "a newer incarnation of this producer is writing; stop this one, or restart it with an epoch above the current one",
      },
    );
  }
  const next = kept.lastSeq + 1;
  if (claim.seq > next) {
    throw new SpoolError(
      "Conflict",
      `producer ${claim.id} is at seq ${kept.lastSeq}; the next must be ${next}, not ${claim.seq}: nothing was appended`,
      {
        path,
        expectedSeq: next,
        hint: "messages between are missing: send from the expected seq (in the error), or restart the producer with a higher epoch",
      },
    );
  }
  return { duplicates: Math.min(count, next - claim.seq) };
}

/**
 * The pool seq producer seq `seq` was stored at, when the kept state still knows it (seqs of the
 * producer's last commit); undefined for older ones.
 */
export function poolSeqOf(kept: ProducerState, seq: number): number | undefined {
  if (seq < kept.batchFirstSeq || seq > kept.lastSeq) return undefined;
  return kept.lastPoolSeq - (kept.lastSeq - seq);
}
