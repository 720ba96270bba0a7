/**
 * One WebSocket tail (`GET /v0/pools/{pool}/ws`, spec/http/v0 §4.2) as an async iterator of
 * messages: the `transport: "websocket"` of `pool.tail()` and `pool.follow()`, with the HTTP
 * tail's semantics (tail.ts).
 *
 * Invariants: nothing is opened before the first `next()`; the socket comes from the client's
 * `webSocket` option, else `globalThis.WebSocket` (browsers, Deno, Bun, Node ≥ 22), and the
 * SDK imports no WebSocket package itself; a token goes only into the first frame
 * `{"auth":{"token":…}}` (a browser WebSocket cannot send headers, so every runtime does the
 * same); the iterator counts as connected at the server's opening heartbeat; message frames are
 * taken without a parse (their bytes are the JSONL line's, RemoteMessage.fromLine), gaps go
 * through the same GapCursor as the HTTP tail (exactly once, exact under a filter), an error
 * frame is thrown as its typed SpoolHttpError, an end frame ends iteration with its reason, and a
 * socket that closes without either is a NetworkError (so `follow` reconnects and resumes);
 * frames wait in a queue only as long as the consumer is slower than the socket: above
 * QUEUE_HIGH_WATER bytes the socket is paused where the runtime can (`ws`'s `pause()`, so the
 * server's backpressure takes over), and where it cannot (browsers) the socket is closed at
 * QUEUE_LIMIT bytes and the queue is delivered before the NetworkError that makes `follow`
 * resume after the last message delivered: memory stays bounded either way. `return()`, the
 * signal and the pool handle's close close the socket at once, exactly once.
 */
import { type Gap, HTTP_STATUSES, type TailEnd } from "@spool/core/shared";
import { autoAcking, RemoteCursor } from "./cursors.js";
import {
  errorFromJson,
  errorJsonOf,
  kindOfStatus,
  NetworkError,
  SpoolHttpError,
  usage,
} from "./errors.js";
import { GapCursor } from "./gap-cursor.js";
import { networkError, poolPath, protocolError } from "./http.js";
import type { RemoteMessage } from "./message.js";
import { checkTailOptions, type TailOptions, wsTailQuery } from "./options.js";
import type { TailTarget } from "./tail.js";
import { classifyTailLine } from "./tail-lines.js";

/** What the SDK needs of a WebSocket: the WHATWG interface (browsers, `ws`, Deno, Bun). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(
    type: "open" | "message" | "close" | "error",
    // biome-ignore lint/suspicious/noExplicitAny: each runtime types its events its own way (DOM, ws); any keeps them all assignable
    listener: (event: any) => void,
  ): void;
  /** `ws` only: stop reading from the socket (the server then stops sending). */
  pause?(): void;
  resume?(): void;
}

/** A WebSocket constructor, e.g. `WebSocket` of the `ws` package in Node 20. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Queued frame bytes above which the socket is paused (where the runtime can pause it). */
export const QUEUE_HIGH_WATER = 1024 * 1024;
/** Queued frame bytes at which a socket that cannot pause is closed (then resumed by follow). */
export const QUEUE_LIMIT = 8 * 1024 * 1024;

type Item =
  | { type: "message"; message: RemoteMessage<unknown> }
  | { type: "gap"; gap: Gap }
  | { type: "end"; reason: TailEnd }
  | { type: "error"; error: Error }
  | { type: "closed"; error: Error };

const encoder = new TextEncoder();
const END_REASONS = new Set(["max", "timeout", "caught-up"]);
const WS_STATUS = 101;

/** Classifies one text frame of the server (Item) or returns "heartbeat". */
export function classifyWsFrame(text: string): Item | "heartbeat" {
  if (text.startsWith('{"seq":')) return classifyTailLine<unknown>(encoder.encode(text));
  if (text === '{"heartbeat":{}}') return "heartbeat";
  if (text.startsWith('{"end":')) {
    let reason: unknown;
    try {
      reason = (JSON.parse(text) as { end?: { reason?: unknown } }).end?.reason;
    } catch {
      reason = undefined;
    }
    if (typeof reason === "string" && END_REASONS.has(reason)) {
      return { type: "end", reason: reason as TailEnd };
    }
    throw protocolError(WS_STATUS, `WebSocket tail: malformed end frame ${text.slice(0, 80)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw protocolError(WS_STATUS, "WebSocket tail: a frame is not JSON", error);
  }
  if (typeof value === "object" && value !== null && Object.hasOwn(value, "heartbeat")) {
    return "heartbeat";
  }
  const line = classifyTailLine<unknown>(encoder.encode(text));
  if (line.type === "error") return { type: "error", error: line.error };
  return line;
}

/** The typed error of an error frame, with the status its close code tells (4000 + status). */
function frameError(text: string, code: number | undefined): Error {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return protocolError(WS_STATUS, "WebSocket tail: an error frame is not JSON", error);
  }
  const json = errorJsonOf(value);
  if (!json)
    return protocolError(WS_STATUS, "WebSocket tail: an error frame is not an error envelope");
  const status =
    code !== undefined && code >= 4400 && code <= 4599 ? code - 4000 : HTTP_STATUSES[json.kind];
  return errorFromJson(json, status);
}

/** The ws(s) URL of `target`'s WebSocket tail with `options`. */
function socketUrl(target: TailTarget, options: TailOptions): string {
  const base = target.transport.baseUrl.replace(/^http/, "ws");
  const query = wsTailQuery(options).toString();
  return `${base}${poolPath(target.pool, "/ws")}${query ? `?${query}` : ""}`;
}

/** The bearer token the transport sends, if any. */
function tokenOf(target: TailTarget): string | undefined {
  const match = /^Bearer (.+)$/.exec(target.transport.headers.authorization ?? "");
  return match?.[1];
}

/**
 * The error of a handshake the server refused (an HTTP status instead of the upgrade), when the
 * runtime tells the status (`ws` says "Unexpected server response: 403"; browsers never do).
 */
function refusedError(what: string, cause: unknown): Error | undefined {
  const message = (cause as { message?: unknown } | null)?.message;
  const status =
    typeof message === "string" ? /Unexpected server response: (\d{3})/.exec(message) : null;
  if (!status) return undefined;
  const code = Number(status[1]);
  return new SpoolHttpError(kindOfStatus(code), `${what} was refused with HTTP ${code}`, code, {
    hint:
      code === 403
        ? "the server refused this page's Origin: open it from the server's own pages or add the origin with --cors-origins"
        : code === 404
          ? "this server has no WebSocket tail: use transport: 'http'"
          : "check the request against spec/http/v0/SPEC.md",
  });
}

/** The WebSocket counterpart of TailIterator (tail.ts), one socket per iterator. */
export class WsTailIterator<T> implements AsyncIterableIterator<RemoteMessage<T>> {
  readonly #target: TailTarget;
  readonly #options: TailOptions;
  readonly #controller = new AbortController();
  readonly #cursor: GapCursor;
  #socket: WebSocketLike | undefined;
  #queue: Item[] = [];
  #queuedBytes = 0;
  #paused = false;
  #wake: (() => void) | undefined;
  #started = false;
  #finished = false;
  /** An end or error frame arrived: the close that follows is expected. */
  #final = false;
  /** The error frame, thrown once the close tells its status. */
  #errorFrame: string | undefined;
  #delivered = 0;
  readonly #onAbort = (): void => this.#controller.abort();
  /** Called once the server's opening heartbeat arrived (the tail started). */
  onConnected: (() => void) | undefined;

  constructor(target: TailTarget, options: TailOptions) {
    this.#target = target;
    this.#options = options;
    this.#cursor = new GapCursor({
      since: options.cursor === undefined ? options.since : undefined,
      filtered:
        (options.tags?.length ?? 0) > 0 ||
        (options.where !== undefined && options.where.length > 0),
      onGap: options.onGap,
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  get #what(): string {
    return `WebSocket ${poolPath(this.#target.pool, "/ws")}`;
  }

  async next(): Promise<IteratorResult<RemoteMessage<T>, undefined>> {
    if (this.#finished) return { done: true, value: undefined };
    try {
      if (!this.#started) {
        this.#started = true;
        this.#start();
        if (this.#finished) return { done: true, value: undefined };
      }
      const message = await this.#read();
      if (message) return { done: false, value: message };
      return { done: true, value: undefined };
    } catch (error) {
      if (this.#finished) return { done: true, value: undefined };
      if (this.#options.signal?.aborted) {
        this.#end("aborted");
        return { done: true, value: undefined };
      }
      this.#close();
      if (this.#target.scope?.aborted) {
        throw usage(
          `the pool handle of ${this.#target.pool} is closed`,
          "open the pool again with client.openPool()",
        );
      }
      throw error;
    }
  }

  async return(): Promise<IteratorResult<RemoteMessage<T>, undefined>> {
    this.#close();
    return { done: true, value: undefined };
  }

  /** The lowest seq this tail can deliver next, if known (as TailIterator's). */
  get expected(): number | undefined {
    return this.#cursor.expected;
  }

  #start(): void {
    checkTailOptions(this.#options);
    const { signal } = this.#options;
    const scope = this.#target.scope;
    if (scope?.aborted) {
      throw usage(
        `the pool handle of ${this.#target.pool} is closed`,
        "open the pool again with client.openPool()",
      );
    }
    if (signal?.aborted) {
      this.#end("aborted");
      return;
    }
    const Socket =
      this.#target.transport.webSocket ??
      (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (typeof Socket !== "function") {
      throw usage(
        "no WebSocket available for transport: 'websocket'",
        "pass createClient({ webSocket: WebSocket }) with WebSocket from the ws package (Node 20 has no global one), or use transport: 'http'",
      );
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    scope?.addEventListener("abort", this.#onAbort, { once: true });
    this.#controller.signal.addEventListener("abort", () => this.#kick(), { once: true });
    let socket: WebSocketLike;
    try {
      socket = new Socket(socketUrl(this.#target, this.#options));
    } catch (error) {
      throw networkError(this.#what, error);
    }
    this.#socket = socket;
    const token = tokenOf(this.#target);
    let opened = false;
    let failure: unknown;
    socket.addEventListener("open", () => {
      opened = true;
      if (token !== undefined) socket.send(JSON.stringify({ auth: { token } }));
    });
    socket.addEventListener("message", (event: { data: unknown }) => this.#frame(event.data));
    socket.addEventListener("error", (event: { error?: unknown }) => {
      // `ws` gives the cause; a browser's error event says nothing more than that it failed
      failure = event.error instanceof Error ? event.error : new Error("the connection failed");
    });
    socket.addEventListener("close", (event: { code?: number; reason?: string }) => {
      if (this.#finished) return;
      if (this.#errorFrame !== undefined) {
        this.#push({ type: "error", error: frameError(this.#errorFrame, event.code) }, 0);
        this.#errorFrame = undefined;
        return;
      }
      if (this.#final) return;
      const refused = opened ? undefined : refusedError(this.#what, failure);
      const error =
        refused ??
        (failure !== undefined && !opened
          ? networkError(this.#what, failure)
          : new NetworkError(
              `${this.#what}: the socket closed (code ${event.code ?? "none"}) without an end or error frame`,
              {
                hint: "the connection broke; resume with since = the last seq received + 1",
              },
            ));
      this.#push({ type: "closed", error }, 0);
    });
  }

  /** One frame from the server, classified into the queue. */
  #frame(data: unknown): void {
    if (this.#final || this.#finished) return;
    if (typeof data !== "string") {
      this.#push(
        { type: "error", error: protocolError(WS_STATUS, "WebSocket tail: a binary frame") },
        0,
      );
      this.#final = true;
      return;
    }
    let item: Item | "heartbeat";
    try {
      item = classifyWsFrame(data);
    } catch (error) {
      item = { type: "error", error: error as Error };
    }
    if (item === "heartbeat") {
      if (this.onConnected) {
        const connected = this.onConnected;
        this.onConnected = undefined;
        connected();
      }
      return;
    }
    if (item.type === "error") {
      // The close that follows says the status (4000 + status): 401 and 403 share a kind.
      this.#final = true;
      this.#errorFrame = data;
      return;
    }
    if (item.type === "end") this.#final = true;
    this.#push(item, data.length);
    if (this.#queuedBytes > QUEUE_HIGH_WATER && !this.#paused) {
      const socket = this.#socket;
      if (typeof socket?.pause === "function") {
        socket.pause();
        this.#paused = true;
      } else if (this.#queuedBytes >= QUEUE_LIMIT) {
        // cannot pause (browsers): stop receiving; what is queued is delivered first
        this.#final = true;
        socket?.close(1000, "the consumer fell behind");
        this.#push(
          {
            type: "closed",
            error: new NetworkError(
              `${this.#what}: the consumer fell ${QUEUE_LIMIT} bytes behind`,
              {
                hint: "follow resumes after the last message delivered; read faster or use a tag filter",
              },
            ),
          },
          0,
        );
      }
    }
  }

  #push(item: Item, bytes: number): void {
    (item as Item & { bytes?: number }).bytes = bytes;
    this.#queue.push(item);
    this.#queuedBytes += bytes;
    this.#kick();
  }

  #kick(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #take(): Item | undefined {
    const item = this.#queue.shift();
    if (!item) return undefined;
    this.#queuedBytes -= (item as Item & { bytes?: number }).bytes ?? 0;
    if (this.#paused && this.#queuedBytes <= QUEUE_HIGH_WATER / 4) {
      this.#paused = false;
      this.#socket?.resume?.();
    }
    return item;
  }

  async #read(): Promise<RemoteMessage<T> | undefined> {
    const max = this.#options.max;
    for (;;) {
      if (max !== undefined && this.#delivered >= max) {
        this.#end("max");
        return undefined;
      }
      if (this.#controller.signal.aborted) throw new DOMException("aborted", "AbortError");
      const item = this.#take();
      if (!item) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      switch (item.type) {
        case "message":
          this.#cursor.message(item.message.seq);
          this.#delivered++;
          return item.message as RemoteMessage<T>;
        case "gap":
          this.#cursor.gapLine(item.gap);
          continue;
        case "end":
          this.#end(item.reason);
          return undefined;
        case "error":
        case "closed":
          throw item.error;
      }
    }
  }

  #end(reason: TailEnd): void {
    if (this.#finished) return;
    this.#close();
    this.#options.onEnd?.(reason);
  }

  /** Closes the socket and releases the listeners, once. */
  #close(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#target.scope?.removeEventListener("abort", this.#onAbort);
    this.#controller.abort();
    this.#queue = [];
    this.#queuedBytes = 0;
    try {
      this.#socket?.close(1000);
    } catch {
      // not open yet: the runtime closes it once it is
    }
  }
}

/**
 * A WebSocket tail as an async iterable (`pool.tail({ transport: "websocket" })`).
 *
 * @example
 * for await (const msg of wsTailMessages(target, { since: 1, max: 3 })) console.log(msg.seq);
 */
export function wsTailMessages<T>(
  target: TailTarget,
  options: TailOptions,
): AsyncIterable<RemoteMessage<T>> {
  return {
    [Symbol.asyncIterator]: () => {
      const tail = new WsTailIterator<T>(target, options);
      const name = options.cursor;
      if (options.autoAck !== true || name === undefined) return tail;
      let cursor: RemoteCursor | undefined;
      return autoAcking<T>(tail, () => {
        cursor ??= new RemoteCursor(target, name);
        return cursor;
      }) as AsyncIterableIterator<RemoteMessage<T>>;
    },
  };
}
