/**
 * A remote pool handle: the local `Pool`'s operations (info, append, appendJson, appendBatch,
 * get, tail, close) over HTTP protocol v0, plus `follow`, the reconnecting tail.
 *
 * Invariants: the same names, options and results as the local API, asynchronous (an unknown
 * option is refused with Usage naming it, before any request); every request
 * addresses the pool by its percent-encoded name; a closed handle refuses every later call with
 * Usage and aborts its running tails and follows; appended data is sent as JSON text and the
 * committed envelope comes back byte for byte as stored.
 */
import {
  type AppendInput,
  type AppendOptions,
  type BatchAppendOptions,
  checkAppendCondition,
  checkCondition,
  type Message,
  type PoolInfo,
} from "@spool/core/shared";
import { usage } from "./errors.js";
import { Follower, type FollowOptions } from "./follow.js";
import { poolPath, protocolError, readText, send, sendJson, type Transport } from "./http.js";
import { messageFromBody, RemoteMessage } from "./message.js";
import { checkOptionKeys, type TailOptions } from "./options.js";
import { tailMessages } from "./tail.js";
import {
  dataJson,
  durabilityMember,
  expectedLastSeqMember,
  inputJson,
  poolInfoFromJson,
  tagsMember,
} from "./wire.js";

const encoder = new TextEncoder();

/** The options each pool method knows; any other is refused with Usage naming it. */
const KNOWN = {
  signal: ["signal"],
  append: ["tags", "durability", "expectedLastSeq"],
  appendJson: ["tags", "durability", "trusted", "expectedLastSeq"],
  appendBatch: ["durability", "expectedLastSeq"],
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
export class RemotePool {
  /** The pool's name on the server. */
  readonly name: string;
  readonly #t: Transport;
  readonly #scope = new AbortController();

  /** @internal Made by the client. */
  constructor(transport: Transport, name: string) {
    this.#t = transport;
    this.name = name;
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
   */
  async append<T>(data: T, options: AppendOptions = {}): Promise<Message<T>> {
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
    options: AppendOptions & { trusted?: boolean } = {},
  ): Promise<Message> {
    this.#check();
    checkOptionKeys(options, KNOWN.appendJson, "pool.appendJson()");
    return this.#appendText(inputJson({ json, trusted: options.trusted === true }), options);
  }

  async #appendText<T>(text: string, options: AppendOptions): Promise<Message<T>> {
    const body = `{"data":${text}${tagsMember(options.tags)}${durabilityMember(options.durability)}${expectedLastSeqMember(options.expectedLastSeq)}}`;
    const path = poolPath(this.name, "/append");
    const response = await send(this.#t, { method: "POST", path, body });
    const bytes = encoder.encode(await readText(response, { method: "POST", path }));
    try {
      return messageFromBody<T>(bytes, "message");
    } catch (error) {
      throw protocolError(response.status, "POST append", error);
    }
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
    options: BatchAppendOptions = {},
  ): Promise<Message<T>[]> {
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
    if (inputs.length === 0) return this.#emptyBatch(options.expectedLastSeq);
    const items = inputs.map((input) => `{"data":${inputJson(input)}${tagsMember(input.tags)}}`);
    const body = `{"messages":[${items.join(",")}]${durabilityMember(options.durability)}${expectedLastSeqMember(options.expectedLastSeq)}}`;
    const answer = await sendJson(this.#t, {
      method: "POST",
      path: poolPath(this.name, "/append_batch"),
      body,
    });
    const list = (answer as { messages?: unknown }).messages;
    if (!Array.isArray(list) || list.length !== inputs.length) {
      throw protocolError(200, "POST append_batch: the answer does not list every message");
    }
    try {
      return list.map((envelope) => RemoteMessage.fromEnvelope<T>(envelope));
    } catch (error) {
      throw protocolError(200, "POST append_batch", error);
    }
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
    return tailMessages<T>(
      { transport: this.#t, pool: this.name, scope: this.#scope.signal },
      options,
    );
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
    return new Follower<T>(
      { transport: this.#t, pool: this.name, scope: this.#scope.signal },
      options,
      (signal) => this.info({ signal }),
    );
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
