/**
 * The raw JetStream pull and ack protocol a group uses (groups.ts): one pull request to a durable
 * consumer (`$JS.API.CONSUMER.MSG.NEXT`), with `no_wait` or a bounded wait, and the acks a
 * delivery's reply subject takes (`+ACK`, `-NAK {"delay"}`, `+TERM`), each confirmed by the
 * server (an ack with a reply is answered once it is applied).
 *
 * Invariants: a pull answers at most `batch` messages and never waits past its `expires` (plus
 * a bounded margin, then Io); a status answer (404 no messages, 408 timeout, 409) ends it; the
 * delivery's attempt, stream seq and stored time come from its reply subject (both the v1 and
 * the v2, domain-carrying, forms); an ack that the server does not confirm is Io.
 */
import { SpoolError, type StoredMessage } from "@spool/core";
import type { PoolContext } from "./context.js";
import { type Delivered, deliveryOf } from "./delivery.js";
import { toSpoolError } from "./errors.js";
import { messageOf, tagsOf } from "./stored.js";

/** One message a pull delivered. */
export interface Pulled {
  seq: number;
  /** JetStream's delivery count: the Spool attempt. */
  attempt: number;
  /** The subject its acks go to. */
  reply: string;
  message: StoredMessage;
}

/** How long an ack or a pull answer may take beyond its own wait before it is Io. */
const ANSWER_MS = 10_000;

/** The attempt, seq and stored time of a delivery, from its reply subject (Io when unreadable). */
export function ackInfo(reply: string): Delivered {
  const delivered = deliveryOf(reply);
  if (delivered) return delivered;
  throw new SpoolError("Io", `JetStream sent a delivery with an unreadable reply ${reply}`, {
    hint: "check that the NATS server is a JetStream server (nats-server 2.9 or later)",
  });
}

/**
 * Pulls up to `batch` messages from consumer `consumer`: at once (`waitMs` 0: what is pending now)
 * or waiting up to `waitMs` for the first; `signal` ends the wait early.
 */
export async function pull(
  ctx: PoolContext,
  consumer: string,
  batch: number,
  waitMs: number,
  signal?: AbortSignal,
): Promise<Pulled[]> {
  const inbox = `_INBOX.${crypto.randomUUID().replaceAll("-", "")}`;
  const sub = ctx.nc.subscribe(inbox);
  const out: Pulled[] = [];
  // (On 2.9 a `no_wait` pull with `expires` waits until it expires: no_wait goes alone.)
  const request = waitMs > 0 ? { batch, expires: waitMs * 1_000_000 } : { batch, no_wait: true };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = (): void => sub.unsubscribe();
  try {
    signal?.addEventListener("abort", onAbort, { once: true });
    timer = setTimeout(() => sub.unsubscribe(), waitMs + ANSWER_MS);
    ctx.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${ctx.stream}.${consumer}`, JSON.stringify(request), {
      reply: inbox,
    });
    for await (const m of sub) {
      const status = m.headers?.code ?? 0;
      if (status !== 0 || m.reply === undefined || m.reply === "") {
        if (status === 404 || status === 408 || status === 409 || status === 100) break;
        throw new SpoolError("Io", `JetStream answered a group's pull with ${status}`, {
          path: ctx.path,
          hint: "retry the claim",
        });
      }
      const { attempt, seq, time } = ackInfo(m.reply);
      out.push({
        seq,
        attempt,
        reply: m.reply,
        message: messageOf(seq, time, tagsOf(m.headers), m.data),
      });
      if (out.length >= batch) break;
    }
  } catch (error) {
    throw toSpoolError(error, ctx.path, `a claim on pool ${ctx.name}`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    if (!sub.isClosed()) sub.unsubscribe();
  }
  return out;
}

/** Sends `body` (`+ACK`, `-NAK {...}`, `+TERM`) to a delivery's reply and waits for the server. */
export async function ackWith(ctx: PoolContext, reply: string, body: string): Promise<void> {
  try {
    await ctx.nc.request(reply, body, { timeout: ANSWER_MS });
  } catch (error) {
    throw toSpoolError(error, ctx.path, `an ack on pool ${ctx.name}`);
  }
}

/** The `-NAK` body that makes JetStream redeliver after `ms`. */
export function nakAfter(ms: number): string {
  return ms <= 0 ? "-NAK" : `-NAK ${JSON.stringify({ delay: ms * 1_000_000 })}`;
}
