/**
 * A remote pool handle: the local `Pool`'s operations (info, append, appendJson, appendBatch,
 * get, tail, close) over HTTP protocol v0, plus `follow`, the reconnecting tail.
 *
 * Invariants: the same names, options and results as the local API, asynchronous (an unknown
 * option is refused with Usage naming it, before any request); every request
 * addresses the pool by its percent-encoded name; a closed handle refuses every later call with
 * Usage and aborts its running tails and follows; appended data is sent as JSON text and the
 * committed envelope comes back byte for byte as stored. A `producer` option (checked by core's
 * `checkProducer` before sending) makes an append idempotent: a retried one answers the original
 * message marked `duplicate: true`, or a receipt `{ seq, duplicate: true }`. Durable cursors and
 * consumer groups (`cursor`, `cursors`, `group`, `groups`) live in cursors.ts and groups.ts.
 */
import {
  type AppendInput,
  type AppendOptions,
  type BatchAppendOptions,
  type CursorInfo,
  checkAppendCondition,
  checkCondition,
  checkProducerId,
  type EngineKind,
  type EnginePool,
  type GroupInfo,
  type GroupSettings,
  type Message,
  type PoolInfo,
  type ProducerInfo,
  type ProducerOptions,
} from "@spool/core/shared";
import { getProducerState, postAppend, postBatch } from "./appends.js";
import { listCursors, RemoteCursor } from "./cursors.js";
import { usage } from "./errors.js";
import { Follower, type FollowOptions } from "./follow.js";
import { listGroups, RemoteGroup } from "./groups.js";
import { poolPath, protocolError, readText, send, sendJson, type Transport } from "./http.js";
import { type Appended, messageFromBody } from "./message.js";
import { checkOptionKeys, type TailOptions } from "./options.js";
import { RemoteProducer, type RemoteProducerOptions } from "./producer.js";
import { type TailTarget, tailMessages } from "./tail.js";
import {
  dataJson,
  durabilityMember,
  expectedLastSeqMember,
  inputJson,
  poolInfoFromJson,
  producerMembers,
  tagsMember,
} from "./wire.js";

const encoder = new TextEncoder();

/** The options each pool method knows; any other is refused with Usage naming it. */
const KNOWN = {
  signal: ["signal"],
  append: ["tags", "durability", "expectedLastSeq", "producer"],
  appendJson: ["tags", "durability", "trusted", "expectedLastSeq", "producer"],
  appendBatch: ["durability", "expectedLastSeq", "producer"],
  batchItem: ["data", "json", "trusted", "tags"],
} as const;

/**
 * A pool on a Spool server. Get one from `client.createPool`, `client.openPool` or `client.pool`.
 *
 * @example
 * const pool = await client.openPool("build");
 * const msg = await pool.append({ step: "lint", ok: true }, { tags: ["ci"] });
 * for await (const m of pool.tail({ since: msg.seq, max: 1 })) console.log(m.data);
 */
export class RemotePool implements EnginePool {
  /** The pool's name on the server. */
  readonly name: string;
  /** The engine-neutral interface's engine: a pool behind a Spool server. */
  readonly engine: EngineKind = "http";
  readonly #t: Transport;
  readonly #scope = new AbortController();

  /** @internal Made by the client. */
  constructor(transport: Transport, name: string) {
    this.#t = transport;
    this.name = name;
  }

  /** What tails, follows, cursors and groups of this handle address. */
  get #target(): TailTarget {
    return { transport: this.#t, pool: this.name, scope: this.#scope.signal };
  }

  /** True once `close` was called. */
  get closed(): boolean {
    return this.#scope.signal.aborted;
  }

  #check(): void {
    if (this.closed) {
      throw usage(
        `the pool handle of ${this.name} is closed`,
        "open the pool again with client.openPool()",
      );
    }
  }

  /**
   * The pool's size, bounds and usage (the local API's PoolInfo fields).
   *
   * @example
   * const { bounds, messageCount } = await pool.info();
   */
  async info(options: { signal?: AbortSignal } = {}): Promise<PoolInfo> {
    this.#check();
    checkOptionKeys(options, KNOWN.signal, "pool.info()");
    const body = await sendJson(this.#t, {
      method: "GET",
      path: poolPath(this.name, "/info"),
      signal: options.signal,
    });
    return poolInfoFromJson((body as { pool?: unknown }).pool, "GET info");
  }

  /**
   * Appends one JSON value; resolves with the committed message.
   *
   * @example
   * const msg = await pool.append({ step: "lint" }, { tags: ["build"], durability: "flush" });
   * @example
   * // Idempotent: a retry of seq 7 by "ingest" answers the original, marked duplicate: true.
   * const answer = await pool.append({ line: 7 }, { producer: { id: "ingest", seq: 7 } });
   */
  async append<T>(
    data: T,
    options: AppendOptions & { producer: ProducerOptions },
  ): Promise<Appended<T>>;
  async append<T>(data: T, options?: AppendOptions): Promise<Message<T>>;
  async append<T>(data: T, options: AppendOptions = {}): Promise<Appended<T>> {
    this.#check();
    checkOptionKeys(options, KNOWN.append, "pool.append()");
    return this.#appendText<T>(dataJson(data), options);
  }

  /**
   * Appends JSON text (or UTF-8 bytes) as it is, keeping the writer's exact numbers and spelling;
   * with `trusted`, the local parse check is skipped (the server still checks).
   *
   * @example
   * await pool.appendJson('{"big": 12345678901234567890}');
   */
  async appendJson(
    json: string | Uint8Array,
    options: AppendOptions & { trusted?: boolean; producer: ProducerOptions },
  ): Promise<Appended>;
  async appendJson(
    json: string | Uint8Array,
    options?: AppendOptions & { trusted?: boolean },
  ): Promise<Message>;
  async appendJson(
    json: string | Uint8Array,
    options: AppendOptions & { trusted?: boolean } = {},
  ): Promise<Appended> {
    this.#check();
    checkOptionKeys(options, KNOWN.appendJson, "pool.appendJson()");
    return this.#appendText(inputJson({ json, trusted: options.trusted === true }), options);
  }

  async #appendText<T>(text: string, options: AppendOptions): Promise<Appended<T>> {
    const body = `{"data":${text}${tagsMember(options.tags)}${durabilityMember(options.durability)}${expectedLastSeqMember(options.expectedLastSeq)}${producerMembers(options.producer)}}`;
    return postAppend<T>(this.#t, this.name, body);
  }

  /**
   * Appends many messages as one commit (all or none); resolves with them in order. An empty
   * batch appends nothing and resolves with `[]` without a request.
   *
   * @example
   * const [a, b] = await pool.appendBatch([{ data: 1 }, { data: 2, tags: ["x"] }]);
   */
  async appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended<T>[]>;
  async appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options?: BatchAppendOptions,
  ): Promise<Message<T>[]>;
  async appendBatch<T = unknown>(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions = {},
  ): Promise<Appended<T>[]> {
    this.#check();
    if (!Array.isArray(inputs)) {
      throw usage(
        "a batch must be an array of messages",
        "pass a list such as [{ data: 1 }, { data: 2, tags: ['x'] }]",
      );
    }
    checkOptionKeys(options, KNOWN.appendBatch, "pool.appendBatch()");
    inputs.forEach((input, i) => {
      checkOptionKeys(input, KNOWN.batchItem, `pool.appendBatch() (message ${i})`);
    });
    const producer = producerMembers(options.producer);
    if (inputs.length === 0) return this.#emptyBatch(options.expectedLastSeq);
    const items = inputs.map((input) => `{"data":${inputJson(input)}${tagsMember(input.tags)}}`);
    const body = `{"messages":[${items.join(",")}]${durabilityMember(options.durability)}${expectedLastSeqMember(options.expectedLastSeq)}${producer}}`;
    return postBatch<T>(this.#t, this.name, body, inputs.length);
  }

  /**
   * The state the pool keeps for producer `id` (epoch, last producer seq, the pool seq it was
   * stored at, when), or null when it keeps none (never seen, or dropped as the least recently
   * used).
   *
   * @example
   * const last = (await pool.producerState("ingest"))?.lastSeq ?? 0;
   */
  async producerState(
    id: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ProducerInfo | null> {
    this.#check();
    checkOptionKeys(options, KNOWN.signal, "pool.producerState()");
    return getProducerState(this.#t, this.name, checkProducerId(id), options.signal);
  }

  /**
   * A producer that numbers its own appends and retries them until the server acknowledges them:
   * on first use it continues after the last seq the pool keeps for `id` (from 1 for a new
   * producer); concurrent appends are sent together as one batch (one batch in flight at a time);
   * network failures, 5xx and Busy are retried with backoff, safely, because the server
   * deduplicates by producer seq. Each append resolves with its own message (or duplicate).
   *
   * @example
   * const ingest = pool.producer("ingest", { epoch: 1 });
   * await Promise.all(lines.map((line) => ingest.append({ line })));
   * await ingest.close();
   */
  producer(id: string, options: RemoteProducerOptions = {}): RemoteProducer {
    this.#check();
    return new RemoteProducer(this.#target, id, options);
  }

  /**
   * An empty batch appends nothing and sends no append; its condition is still answered (as the
   * local API does), from the pool's info.
   */
  async #emptyBatch<T>(expectedLastSeq: number | undefined): Promise<Message<T>[]> {
    const condition = checkAppendCondition({ expectedLastSeq });
    if (condition === undefined) return [];
    checkCondition({ newest: (await this.info()).bounds?.newest ?? 0 }, condition);
    return [];
  }

  /**
   * The message with `seq`; NotFound (with `seq`) when it was never written or was overwritten.
   *
   * @example
   * const msg = await pool.get(42); console.log(msg.data);
   */
  async get<T = unknown>(seq: number, options: { signal?: AbortSignal } = {}): Promise<Message<T>> {
    this.#check();
    checkOptionKeys(options, KNOWN.signal, "pool.get()");
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
      throw usage(
        `seq must be a whole number ≥ 1, got ${JSON.stringify(seq)}`,
        "pass a seq such as 1",
      );
    }
    const path = poolPath(this.name, `/messages/${seq}`);
    const input = { method: "GET" as const, path, signal: options.signal };
    const response = await send(this.#t, input);
    const bytes = encoder.encode(await readText(response, input));
    try {
      return messageFromBody<T>(bytes, "message");
    } catch (error) {
      throw protocolError(response.status, "GET message", error);
    }
  }

  /**
   * Follows the pool as an async iterable of messages (replay, then live), like the local tail.
   * `break` or aborting `signal` closes the request at once; a failure after the stream started
   * is thrown as a SpoolHttpError. Under gap policy `continue`, each retention gap (messages
   * overwritten before they were read) is reported once to `onGap` as `{from, to, count}`, exact
   * also with a tag filter (the server's gap lines); under `error` the tail fails with
   * RetentionGap whose `seq` is the first missing one.
   *
   * @example
   * for await (const msg of pool.tail({ last: 10, timeoutMs: 5000 })) console.log(msg.seq, msg.data);
   * @example
   * const gaps: Gap[] = [];
   * for await (const msg of pool.tail({ since: 1, tags: ["deploy"], onGap: (g) => gaps.push(g) })) {
   *   console.log(msg.seq); // gaps lists every overwritten range, even of non-matching messages
   * }
   */
  tail<T = unknown>(options: TailOptions = {}): AsyncIterable<Message<T>> {
    this.#check();
    return tailMessages<T>(this.#target, options);
  }

  /**
   * A tail that survives disconnects and server restarts: it reconnects with backoff and resumes
   * at the next seq, never repeating or reordering a message. Observe it with `onStatus`.
   *
   * @example
   * const follower = pool.follow({ onStatus: (s) => console.log(s.state) });
   * for await (const msg of follower) console.log(msg.seq, msg.data);
   */
  follow<T = unknown>(options: FollowOptions = {}): Follower<T> {
    this.#check();
    return new Follower<T>(this.#target, options, (signal) => this.info({ signal }));
  }

  /**
   * A durable cursor of the pool by name (no request; the name is checked by core's rule): a
   * position kept by the pool, shared by every client. A tail or follow with `cursor: name`
   * creates it and starts after what it acked.
   *
   * @example
   * const cursor = pool.cursor("indexer");
   * await cursor.ack(42);
   * console.log((await cursor.info()).committed); // 42
   */
  cursor(name: string): RemoteCursor {
    this.#check();
    return new RemoteCursor(this.#target, name);
  }

  /**
   * The durable cursors the pool keeps, by name.
   *
   * @example
   * for (const c of await pool.cursors()) console.log(c.name, c.committed, c.lag);
   */
  async cursors(options: { signal?: AbortSignal } = {}): Promise<CursorInfo[]> {
    this.#check();
    return listCursors(this.#target, options);
  }

  /**
   * A consumer group of the pool by name, with the settings its claims send (no request; the name
   * and settings are checked by core's rules): `since` (where a new group starts), `maxAttempts`,
   * `deadLetter` (a pool of the same server), `retention`. The first claim creates the group.
   *
   * @example
   * const jobs = pool.group("mailer", { maxAttempts: 5, deadLetter: "failed-jobs" });
   * const [d] = await jobs.claim({ waitMs: 20_000 });
   */
  group(name: string, settings?: GroupSettings): RemoteGroup {
    this.#check();
    return new RemoteGroup(this.#target, name, settings);
  }

  /**
   * The consumer groups the pool keeps, by name.
   *
   * @example
   * for (const g of await pool.groups()) console.log(g.name, g.lag, g.inFlight);
   */
  async groups(options: { signal?: AbortSignal } = {}): Promise<GroupInfo[]> {
    this.#check();
    return listGroups(this.#target, options);
  }

  /**
   * Closes the handle: running tails and follows end, later calls fail with Usage. Closing twice
   * is harmless; the pool itself is untouched.
   *
   * @example
   * pool.close();
   */
  close(): void {
    this.#scope.abort();
  }
}
