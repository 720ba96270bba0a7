/**
 * JetStream publishes without the client's per-request machinery. `js.publish` makes, for every
 * message, a request object, a deferred, a timer and (when it settles) an Error it never throws;
 * at thousands of appends in flight that was a quarter of an append's CPU. A connection's
 * publisher instead keeps one wildcard reply subscription, publishes each message with a reply
 * subject of its own token, matches the PubAck by token and times requests out with one sweep.
 *
 * Invariants:
 * - Every publish settles exactly once: with its PubAck, with the JetStream API error the server
 *   answered (a `JetStreamApiError`, so `apiCode` reads it as for `js.publish`), with no
 *   responders (no stream takes the subject), with a timeout (TIMEOUT_MS unless told), or when the
 *   connection closes. A reply that comes after its publish settled is dropped.
 * - The wire is what `js.publish` sends: the same subject, payload and headers, one PUB each,
 *   in call order; nothing is retried here (a timed-out publish may still have been stored,
 *   exactly as with `js.publish`).
 */
import { JetStreamApiError, type PubAck } from "@nats-io/jetstream";
import {
  ClosedConnectionError,
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  NoRespondersError,
  type Subscription,
  TimeoutError,
} from "@nats-io/transport-node";

/** How long a publish waits for its PubAck by default (the JetStream client's default). */
export const TIMEOUT_MS = 5000;
/** How often unanswered publishes are checked against their deadline. */
const SWEEP_MS = 250;

interface Pending {
  subject: string;
  deadline: number;
  resolve: (ack: PubAck) => void;
  reject: (error: unknown) => void;
}

const decoder = new TextDecoder();

/** The PubAck (or the error) in a reply to a JetStream publish. */
function answerOf(msg: Msg, subject: string): PubAck | Error {
  if (msg.data.length === 0 && msg.headers?.code === 503) return new NoRespondersError(subject);
  let body: {
    stream?: string;
    seq?: number;
    duplicate?: boolean;
    domain?: string;
    error?: unknown;
  };
  try {
    body = JSON.parse(decoder.decode(msg.data));
  } catch {
    return new Error(`JetStream answered a publish on ${subject} with something not JSON`);
  }
  if (body.error)
    return new JetStreamApiError(body.error as ConstructorParameters<typeof JetStreamApiError>[0]);
  if (typeof body.stream !== "string" || body.stream === "" || !Number.isSafeInteger(body.seq)) {
    return new Error(`JetStream answered a publish on ${subject} with an invalid ack`);
  }
  const ack: PubAck = {
    stream: body.stream,
    seq: body.seq as number,
    duplicate: body.duplicate === true,
    domain: body.domain ?? "",
  };
  return ack;
}

/** The publishes of one connection that wait for their PubAck. */
export class Publisher {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #sub: Subscription;
  readonly #pending = new Map<string, Pending>();
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #timeoutMs: number;
  #next = 0;

  constructor(nc: NatsConnection, timeoutMs = TIMEOUT_MS) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    this.#prefix = `${createInbox()}.`;
    this.#sub = nc.subscribe(`${this.#prefix}*`, {
      callback: (error, msg) => (error ? this.#failAll(error) : this.#answered(msg)),
    });
    this.#sweep = setInterval(() => this.#expire(), SWEEP_MS);
    this.#sweep.unref?.();
    nc.closed()
      .then(() => this.#failAll(new ClosedConnectionError()))
      .catch(() => {});
  }

  /** Publishes `data` on `subject` and answers JetStream's PubAck (rejects as js.publish does). */
  publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<PubAck> {
    return new Promise((resolve, reject) => {
      const token = (this.#next++).toString(36);
      try {
        this.#nc.publish(subject, data, {
          reply: this.#prefix + token,
          ...(headers ? { headers } : {}),
        });
      } catch (error) {
        reject(error);
        return;
      }
      this.#pending.set(token, {
        subject,
        deadline: Date.now() + this.#timeoutMs,
        resolve,
        reject,
      });
    });
  }

  #answered(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length);
    const pending = this.#pending.get(token);
    if (!pending) return;
    this.#pending.delete(token);
    const answer = answerOf(msg, pending.subject);
    if (answer instanceof Error) pending.reject(answer);
    else pending.resolve(answer);
  }

  #expire(): void {
    if (this.#pending.size === 0) return;
    const now = Date.now();
    for (const [token, pending] of this.#pending) {
      // Deadlines grow in insertion order: the first one not due ends the sweep.
      if (pending.deadline > now) break;
      this.#pending.delete(token);
      pending.reject(new TimeoutError());
    }
  }

  #failAll(error: unknown): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of all) pending.reject(error);
    if (this.#nc.isClosed()) {
      clearInterval(this.#sweep);
      try {
        this.#sub.unsubscribe();
      } catch {
        // the connection closed: its subscriptions went with it
      }
    }
  }
}

const byConnection = new WeakMap<NatsConnection, Publisher>();

/** The publisher of `nc` (made on first use). */
export function publisherOf(nc: NatsConnection): Publisher {
  let publisher = byConnection.get(nc);
  if (!publisher) {
    publisher = new Publisher(nc);
    byConnection.set(nc, publisher);
  }
  return publisher;
}
