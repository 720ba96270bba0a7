/**
 * The settings of `pool.producer(id, options)`: the options, checked and with their defaults, and
 * which failures a producer retries.
 *
 * Invariants: every option is checked when the producer is made (Usage for an unknown or bad
 * one), so sending never meets a bad setting; a retry is only ever of a failure after which the
 * server may or may not have committed (safe: it deduplicates by producer seq), never of one it
 * refused for good.
 */
import {
  checkCount,
  checkDurability,
  type Durability,
  type SpoolError,
  usage,
} from "@spool/core/shared";
import { type BackoffOptions, resolveBackoff } from "./backoff.js";
import { isNetworkError, isTlsError } from "./errors.js";
import { checkOptionKeys } from "./options.js";
import { durabilityMember } from "./wire.js";

/** Options of `pool.producer(id, options)`. */
export interface RemoteProducerOptions {
  /** Raise it when restarting a producer to fence off its older incarnation. Default 0. */
  epoch?: number;
  /** Durability of every batch (`fast` or `flush`). Default: the server's (`fast`). */
  durability?: Durability;
  /** Longest wait, in ms, for more appends before sending the next batch while one is in flight. Default 1. */
  lingerMs?: number;
  /** Most messages per batch. Default 1000. */
  maxBatchMessages?: number;
  /** About the most bytes of message JSON per batch. Default 1 MiB. */
  maxBatchBytes?: number;
  /** Delays between retries (default 50 ms growing to 2 s; `maxAttempts` default: never give up). */
  backoff?: BackoffOptions;
  /** Aborting it closes the producer (as `close()`), with the signal's reason. */
  signal?: AbortSignal;
  /** Called before each retry with the error that caused it and the attempt number (from 1). */
  onRetry?: (error: SpoolError, attempt: number) => void;
}

const OPTION_KEYS = [
  "epoch",
  "durability",
  "lingerMs",
  "maxBatchMessages",
  "maxBatchBytes",
  "backoff",
  "signal",
  "onRetry",
];

/** The checked options of a producer. */
export interface ProducerSettings {
  /** The batch body's durability member (empty for the server's default). */
  durability: string;
  lingerMs: number;
  maxMessages: number;
  maxBytes: number;
  backoff: ReturnType<typeof resolveBackoff>;
  onRetry: RemoteProducerOptions["onRetry"];
}

/** The settings of `options` (Usage for an unknown or bad option). */
export function producerSettings(options: RemoteProducerOptions): ProducerSettings {
  checkOptionKeys(options, OPTION_KEYS, "pool.producer()");
  if (options.onRetry !== undefined && typeof options.onRetry !== "function") {
    throw usage("onRetry must be a function", "pass onRetry: (error, attempt) => …");
  }
  return {
    durability: durabilityMember(
      options.durability === undefined ? undefined : checkDurability(options.durability),
    ),
    lingerMs: checkCount("lingerMs", options.lingerMs, 0) ?? 1,
    maxMessages: checkCount("maxBatchMessages", options.maxBatchMessages, 1) ?? 1000,
    maxBytes: checkCount("maxBatchBytes", options.maxBatchBytes, 1) ?? 1024 * 1024,
    backoff: resolveBackoff({ initialMs: 50, maxMs: 2000, ...options.backoff }),
    onRetry: options.onRetry,
  };
}

/**
 * Whether a failed batch may be sent again: no answer (but not a refused certificate), Busy, an
 * I/O failure, a request timeout (408), too many requests (429), or a 5xx that is not a damaged
 * pool. Safe because the server deduplicates by producer seq.
 */
export function retryable(error: SpoolError): boolean {
  if (isTlsError(error)) return false;
  if (isNetworkError(error)) return true;
  if (error?.isSpoolError !== true) return false;
  if (error.kind === "Busy" || error.kind === "Io") return true;
  const status = (error as { status?: unknown }).status;
  if (typeof status !== "number") return false;
  if (status === 408 || status === 429) return true;
  return status >= 500 && error.kind !== "Corrupt";
}
