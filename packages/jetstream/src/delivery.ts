/**
 * What a JetStream delivery's reply subject says about it: the delivery count (Spool's attempt),
 * the stream seq, the consumer's own seq and the stored time, read in one pass over the subject.
 *
 * Invariants: both subject forms are read — `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.
 * <dseq>.<ns>.<pending>` (9 tokens) and the form with `<domain>.<account hash>` after `ACK` (11
 * or more) — and anything else is undefined; the time is exact to the nanosecond (seconds and
 * nanoseconds are the decimal text's two parts, no floating point, no BigInt).
 */
import type { Instant } from "@spool/core";

export interface Delivered {
  /** JetStream's delivery count: 1 on first delivery. */
  attempt: number;
  seq: number;
  /** The consumer's delivery seq (contiguous from 1 for a consumer that lost nothing). */
  consumerSeq: number;
  time: Instant;
}

/** The delivery in `reply`, or undefined when it is not a JetStream delivery subject. */
export function deliveryOf(reply: string): Delivered | undefined {
  const t = reply.split(".");
  if (t[0] !== "$JS" || t[1] !== "ACK") return undefined;
  const at = t.length === 9 ? 4 : t.length >= 11 ? 6 : -1;
  if (at < 0) return undefined;
  const attempt = Number(t[at]);
  const seq = Number(t[at + 1]);
  const consumerSeq = Number(t[at + 2]);
  const ns = t[at + 3] ?? "";
  if (!Number.isSafeInteger(seq) || seq < 1 || !Number.isSafeInteger(attempt)) return undefined;
  if (!/^\d{10,}$/.test(ns)) return undefined;
  return {
    attempt,
    seq,
    consumerSeq,
    time: { sec: Number(ns.slice(0, -9)), nanos: Number(ns.slice(-9)) },
  };
}
