/**
 * `createClient(options)`: the entry point of the SDK. It holds the server's base URL, the token
 * and the fetch to use, and offers the pool lifecycle (create, open, list, delete) plus handles.
 *
 * Invariants: options are checked once (Usage with a hint: an http(s) base URL, string headers);
 * the token goes only into `Authorization: Bearer`; no request is sent by `createClient` or
 * `client.pool()`; every operation maps to exactly one request of protocol v0.
 */
import {
  type CreateOptions,
  type PoolListEntry,
  parseSize,
  validatePoolName,
} from "@spool/core/shared";
import { usage } from "./errors.js";
import { poolPath, protocolError, sendJson, type Transport } from "./http.js";
import { checkOptionKeys } from "./options.js";
import { RemotePool } from "./pool.js";
import { listEntryFromJson, poolInfoFromJson } from "./wire.js";
import type { WebSocketConstructor } from "./ws-tail.js";

/** Options of `createClient`. */
export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:9700` (a path prefix is kept). */
  baseUrl: string | URL;
  /** Bearer token, when the server requires one (`undefined` or `null`: none). */
  token?: string | null | undefined;
  /** The fetch to use (default: the global fetch); e.g. a hono app's `app.fetch` in tests. */
  fetch?: typeof fetch | undefined;
  /** Extra headers sent with every request (not with WebSocket tails, which take none). */
  headers?: Readonly<Record<string, string>> | undefined;
  /**
   * The WebSocket constructor for tails and follows with `transport: "websocket"`; default the
   * global `WebSocket` (browsers, Deno, Bun, Node ≥ 22). In Node 20 pass `WebSocket` of the `ws`
   * package (an optional peer dependency), whose `pause()` also gives the tail backpressure.
   */
  webSocket?: WebSocketConstructor | undefined;
}

/** Options of `client.createPool`: the pool's size (bytes, or text such as `64M`). */
export type RemoteCreateOptions = Pick<CreateOptions, "size">;

/**
 * A client of one Spool server.
 *
 * @example
 * const client = createClient({ baseUrl: "http://127.0.0.1:9700", token: "s3cret" });
 * const pools = await client.listPools();
 */
export class SpoolClient {
  readonly #t: Transport;

  /** @internal Use `createClient`. */
  constructor(transport: Transport) {
    this.#t = transport;
  }

  /** The base URL requests go to. */
  get baseUrl(): string {
    return this.#t.baseUrl;
  }

  /**
   * A handle to a pool by name, without a request (errors show on first use).
   *
   * @example
   * await client.pool("build").append({ ok: true });
   */
  pool(name: string): RemotePool {
    return new RemotePool(this.#t, checkName(name));
  }

  /**
   * Creates a pool (AlreadyExists, 409, if it exists; never truncates) and returns its handle.
   *
   * @example
   * const pool = await client.createPool("build", { size: "4M" });
   */
  async createPool(name: string, options: RemoteCreateOptions = {}): Promise<RemotePool> {
    name = checkName(name);
    checkOptionKeys(options, ["size"], "client.createPool()");
    const size = options.size === undefined ? undefined : parseSize(options.size);
    const body = JSON.stringify(
      size === undefined ? { pool: name } : { pool: name, size_bytes: size },
    );
    const answer = await sendJson(this.#t, { method: "POST", path: "/v0/pools", body });
    poolInfoFromJson((answer as { pool?: unknown }).pool, "POST pools");
    return new RemotePool(this.#t, name);
  }

  /**
   * Opens an existing pool (NotFound, 404, if absent) and returns its handle.
   *
   * @example
   * const pool = await client.openPool("build");
   */
  async openPool(name: string): Promise<RemotePool> {
    name = checkName(name);
    const body = JSON.stringify({ pool: name });
    const answer = await sendJson(this.#t, { method: "POST", path: "/v0/pools/open", body });
    poolInfoFromJson((answer as { pool?: unknown }).pool, "POST pools/open");
    return new RemotePool(this.#t, name);
  }

  /**
   * Lists the server's pools, sorted by name; a pool that cannot be read has `error` instead of
   * `info`.
   *
   * @example
   * for (const p of await client.listPools()) console.log(p.name, p.info?.messageCount ?? p.error?.kind);
   */
  async listPools(): Promise<PoolListEntry[]> {
    const answer = await sendJson(this.#t, { method: "GET", path: "/v0/pools" });
    const pools = (answer as { pools?: unknown }).pools;
    if (!Array.isArray(pools)) throw protocolError(200, "GET pools: the answer holds no pool list");
    return pools.map((entry) => listEntryFromJson(entry, "GET pools"));
  }

  /**
   * Deletes a pool (NotFound if absent; Busy, 423, while it is in use).
   *
   * @example
   * await client.deletePool("build");
   */
  async deletePool(name: string): Promise<void> {
    name = checkName(name);
    await sendJson(this.#t, { method: "DELETE", path: poolPath(name) });
  }
}

/** A pool name as every surface spells it (core's rule: `build.spool` is the pool `build`). */
function checkName(name: unknown): string {
  return validatePoolName(name);
}

/**
 * Creates a client of a Spool server.
 *
 * @example
 * import { createClient } from "@spool/client";
 * const client = createClient({ baseUrl: "http://127.0.0.1:9700" });
 * const pool = await client.openPool("build");
 * await pool.append({ step: "lint", ok: true });
 */
export function createClient(options: ClientOptions): SpoolClient {
  checkOptionKeys(options, ["baseUrl", "token", "fetch", "headers", "webSocket"], "createClient()");
  if (options.webSocket !== undefined && typeof options.webSocket !== "function") {
    throw usage(
      "webSocket must be a WebSocket constructor",
      "pass the WebSocket class, e.g. import WebSocket from 'ws'; createClient({ baseUrl, webSocket: WebSocket })",
    );
  }
  const raw = options?.baseUrl;
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw usage(
      `invalid baseUrl ${JSON.stringify(raw)}`,
      "pass the server's URL, e.g. http://127.0.0.1:9700",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usage(
      `baseUrl must be http(s), got ${url.protocol}`,
      "pass the server's URL, e.g. http://127.0.0.1:9700",
    );
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.headers ?? {})) {
    if (typeof value !== "string") {
      throw usage(`header ${key} must be a string`, "pass headers as { name: 'value' }");
    }
    headers[key.toLowerCase()] = value;
  }
  if (options.token !== undefined && options.token !== null) {
    if (typeof options.token !== "string" || options.token.length === 0) {
      throw usage("token must be a non-empty string", "pass the bearer token the server was given");
    }
    headers.authorization = `Bearer ${options.token}`;
  }
  if (typeof (options.fetch ?? globalThis.fetch) !== "function") {
    throw usage("no fetch available", "pass options.fetch, or use a runtime with a global fetch");
  }
  const base = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  return new SpoolClient({
    baseUrl: base,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    headers,
    webSocket: options.webSocket,
  });
}
