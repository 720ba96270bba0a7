/**
 * The WebSocket tail: `GET /v0/pools/{pool}/ws`, upgraded through the runtime's hono upgrade
 * helper (options `websocket`; spec/http/v0 §4.2), running the same tail as `/tail` and `/events` (tail-request.ts,
 * streaming.ts) in the frames of ws-framing.ts.
 *
 * Invariants:
 * - Before the upgrade only what must not reach a socket is refused, with an HTTP status: a
 *   request that is no upgrade (426), a browser `Origin` that is neither the server's own, a
 *   loopback origin nor a CORS origin (403: browsers send WebSockets cross-site without CORS),
 *   and a server shutting down (423). Everything else is answered on the socket, since browsers
 *   never see a handshake's status: one error frame, then close code 4000 + status.
 * - Authentication is the HTTP tail's (same tokens, same access modes: a write-only token cannot
 *   tail, a cursor needs read-write), from the `Authorization` header of the upgrade or, without
 *   one, from the first frame `{"auth":{"token":…}}` within `limits.wsAuthTimeoutMs`; nothing of
 *   the pool is read and no tail slot is taken before it passed. The query is the tail query,
 *   parsed by the same schema; its errors come after the auth errors, as over HTTP.
 * - The tail holds a tail slot (Busy, 4423, when all are taken) and a pool lease until it ends,
 *   released on every path (end, error, client gone, shutdown) by streaming.ts's `settle`.
 * - Backpressure: the next chunk is read from the pool only while the socket's buffered bytes
 *   are at most WS_HIGH_WATER_BYTES; above, the tail waits until the last frame sent was written
 *   to the socket (or the socket closed). So a client that stops reading holds at most the high
 *   water mark plus one chunk (~64 KiB, or one message) in this process, and falls behind in the
 *   pool (a gap frame when it resumes past overwritten messages) instead of growing memory.
 * - `close()` ends every WebSocket tail: a Busy error frame, then close code 1001 (also for a
 *   socket still waiting for its auth frame).
 */
import { SpoolError } from "@spool/core";
import type { Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import type { Operation } from "./auth.js";
import type { AppContext } from "./context.js";
import { toSpoolError, withStatus } from "./errors.js";
import { mcpOriginAllowed } from "./mcp-mount.js";
import { remoteError } from "./remote.js";
import type { SettleReason } from "./streaming.js";
import { openTail, type TailRequest, tailStart } from "./tail-request.js";
import { HEARTBEAT_MS, parse, poolParam, queryObject, wsTailQuery } from "./validation.js";
import {
  authFrameToken,
  authTimeoutError,
  closeCodeOf,
  isAuthFrame,
  WS_CLOSE,
  wsFraming,
} from "./ws-framing.js";

/** Buffered bytes on a socket above which the tail stops reading the pool until it drains. */
export const WS_HIGH_WATER_BYTES = 1024 * 1024;

/** What the tail needs of a socket (the `ws` WebSocket under @hono/node-server). */
interface TailSocket {
  /** Sends `data` as one text frame; `written` runs once it was handed to the OS (or failed). */
  send(data: Uint8Array, written?: () => void): void;
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  /** Groups the frames of one chunk into one write (a no-op where the runtime cannot). */
  cork(): void;
  uncork(): void;
}

interface WsLike {
  readonly bufferedAmount: number;
  send(data: Uint8Array, options: { binary: boolean }, cb: (error?: Error) => void): void;
  _socket?: { cork?(): void; uncork?(): void } | undefined;
}

const text = new TextDecoder();

/** The socket under hono's WSContext: `ws` directly, else the context's own send (no backpressure). */
function socketOf(ws: WSContext<unknown>): TailSocket {
  const raw = ws.raw as Partial<WsLike> | undefined;
  const close = (code: number, reason: string): void => {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  };
  if (raw && typeof raw.bufferedAmount === "number" && typeof raw.send === "function") {
    const socket = raw as WsLike;
    const ignore = (): void => {};
    return {
      send: (data, written) => {
        try {
          socket.send(data, { binary: false }, written ?? ignore);
        } catch {
          written?.();
        }
      },
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      close,
      cork: () => socket._socket?.cork?.(),
      uncork: () => socket._socket?.uncork?.(),
    };
  }
  return {
    send: (data, written) => {
      ws.send(text.decode(data));
      if (written) queueMicrotask(written);
    },
    bufferedAmount: 0,
    close,
    cork: () => {},
    uncork: () => {},
  };
}

/**
 * Whether a browser page at `origin` may open a WebSocket tail: the server's own origin (the web
 * console at /ui), a loopback origin, or one of the CORS origins.
 */
export function wsOriginAllowed(
  origin: string,
  host: string | undefined,
  corsOrigins: readonly string[] | undefined,
): boolean {
  if (mcpOriginAllowed(origin, corsOrigins)) return true;
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** Mounts `GET /v0/pools/{pool}/ws` with the runtime's upgrade helper. */
export function wsTailRoutes(app: Hono, ctx: AppContext, upgrade: UpgradeWebSocket<unknown>): void {
  const schema = wsTailQuery(ctx.options.limits.maxTailTimeoutMs);
  const keys = Object.keys(schema.shape);

  app.get("/v0/pools/:pool/ws", async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw withStatus(
        new SpoolError("Usage", "GET /v0/pools/{pool}/ws is a WebSocket endpoint", {
          hint: "open it with a WebSocket client (Upgrade: websocket), or use /tail (JSON Lines) or /events (SSE)",
        }),
        426,
      );
    }
    const origin = c.req.header("origin");
    if (origin !== undefined && !wsOriginAllowed(origin, c.req.header("host"), ctx.options.cors)) {
      throw new SpoolError("Permission", `origin ${origin} may not open a WebSocket tail`, {
        hint: "open it from the server's own pages, a loopback page, or add the page's origin with --cors-origins",
      });
    }
    const url = new URL(c.req.url);
    let request: TailRequest | SpoolError;
    try {
      const pool = poolParam(c.req.param("pool"));
      const query = parse(schema, queryObject(url, ["tag", "where"], keys), "query");
      request = {
        pool,
        start: tailStart(query),
        framing: wsFraming(),
        format: "ws",
        heartbeatMs: query.heartbeat_ms ?? HEARTBEAT_MS.default,
      };
    } catch (error) {
      request = toSpoolError(error);
    }
    const op: Operation = url.searchParams.has("cursor") ? "consume" : "read";
    const session = new WsTailSession(ctx, request, op, c.req.header("authorization"));
    return upgrade(c, {
      onOpen: (_event, ws) => session.open(ws),
      onMessage: (event) => session.frame(event.data),
      onClose: () => session.gone(),
      onError: () => session.gone(),
    });
  });
}

/** One WebSocket tail, from the open socket to its close; see the module invariants. */
class WsTailSession {
  readonly #ctx: AppContext;
  readonly #request: TailRequest | SpoolError;
  readonly #op: Operation;
  readonly #header: string | undefined;
  #socket: TailSocket | undefined;
  #state: "opening" | "auth" | "tail" | "done" = "opening";
  /** Frames received so far (an auth frame is allowed first only). */
  #frames = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Aborted when the client went away: the tail stream settles `client`. */
  readonly #gone = new AbortController();
  readonly #onShutdown = (): void => this.#shutdown();

  constructor(
    ctx: AppContext,
    request: TailRequest | SpoolError,
    op: Operation,
    header: string | undefined,
  ) {
    this.#ctx = ctx;
    this.#request = request;
    this.#op = op;
    this.#header = header;
  }

  open(ws: WSContext<unknown>): void {
    this.#socket = socketOf(ws);
    if (this.#gone.signal.aborted) return;
    if (this.#ctx.shutdown.aborted) {
      this.#shutdown();
      return;
    }
    this.#ctx.shutdown.addEventListener("abort", this.#onShutdown, { once: true });
    if (this.#header !== undefined || this.#ctx.options.tokens.length === 0) {
      this.#authorize(this.#header);
      return;
    }
    this.#state = "auth";
    const ms = this.#ctx.options.limits.wsAuthTimeoutMs;
    this.#timer = setTimeout(() => this.#fail(authTimeoutError(ms)), ms);
    this.#timer.unref?.();
  }

  frame(data: unknown): void {
    const first = this.#frames++ === 0;
    if (this.#state === "auth") {
      clearTimeout(this.#timer);
      let token: string;
      try {
        token = authFrameToken(data);
      } catch (error) {
        this.#fail(toSpoolError(error));
        return;
      }
      this.#authorize(`Bearer ${token}`);
      return;
    }
    // A client that always sends its token first is fine where none was needed.
    if (first && isAuthFrame(data)) return;
    if (this.#state === "done") return;
    this.#fail(
      new SpoolError("Usage", "a WebSocket tail takes no frames from the client after auth", {
        hint: 'send only {"auth":{"token":"…"}} as the first frame; the tail itself is set by the query',
      }),
    );
  }

  /** The socket closed or failed: stop everything (the stream settles `client`). */
  gone(): void {
    if (this.#gone.signal.aborted) return;
    clearTimeout(this.#timer);
    this.#ctx.shutdown.removeEventListener("abort", this.#onShutdown);
    this.#state = "done";
    this.#gone.abort();
  }

  #authorize(header: string | undefined): void {
    try {
      const mode = this.#ctx.auth.authenticate(header);
      this.#ctx.auth.authorize(mode, this.#op);
    } catch (error) {
      this.#fail(toSpoolError(error));
      return;
    }
    if (this.#request instanceof SpoolError) {
      this.#fail(this.#request);
      return;
    }
    this.#state = "tail";
    void this.#run(this.#request);
  }

  /** Runs the tail: frames while the socket keeps up, then the close code of how it ended. */
  async #run(request: TailRequest): Promise<void> {
    const ctx = this.#ctx;
    let ended!: (reason: SettleReason) => void;
    const end = new Promise<SettleReason>((resolve) => {
      ended = resolve;
    });
    let stream: ReadableStream<Uint8Array>;
    try {
      stream = await openTail(ctx, request, this.#gone.signal, ended);
    } catch (error) {
      this.#fail(toSpoolError(error));
      return;
    }
    // The shutdown (or the client's leaving) ends the stream through the slot and the signal.
    ctx.shutdown.removeEventListener("abort", this.#onShutdown);
    const socket = this.#socket as TailSocket;
    const closed = new Promise<void>((resolve) => {
      this.#gone.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    const reader = stream.getReader();
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done || this.#gone.signal.aborted) break;
        const written = sendLines(socket, next.value);
        if (socket.bufferedAmount > WS_HIGH_WATER_BYTES) await Promise.race([written, closed]);
      }
    } catch {
      // the stream failed after its final record: settle reported the reason
    } finally {
      reader.cancel().catch(() => {});
    }
    const reason = await end;
    if (this.#gone.signal.aborted) return;
    this.#state = "done";
    if (reason.type === "end") socket.close(WS_CLOSE.end, reason.end);
    else if (reason.type === "shutdown") socket.close(WS_CLOSE.shutdown, "shutdown");
    else if (reason.type === "error") socket.close(closeCodeOf(reason.error), reason.error.kind);
  }

  /** An error before the tail started: one error frame, then the close code of its status. */
  #fail(error: SpoolError): void {
    if (this.#state === "done") return;
    this.#state = "done";
    clearTimeout(this.#timer);
    this.#ctx.shutdown.removeEventListener("abort", this.#onShutdown);
    const shown = remoteError(error, "tail", this.#ctx.remote);
    this.#ctx.metrics?.error(shown.kind);
    const socket = this.#socket;
    if (!socket || this.#gone.signal.aborted) return;
    socket.send(Buffer.from(JSON.stringify({ error: shown.toJSON() })));
    socket.close(
      this.#ctx.shutdown.aborted && shown.kind === "Busy" ? WS_CLOSE.shutdown : closeCodeOf(shown),
      shown.kind,
    );
  }

  /** The app closes while the socket waits for its auth frame or its tail to open. */
  #shutdown(): void {
    if (this.#state === "tail") return; // the tail slot's abort ends it
    this.#fail(
      new SpoolError("Busy", "the server is shutting down", {
        hint: "reconnect later and resume with since_seq set to the last seq you received + 1",
      }),
    );
  }
}

/**
 * Sends each line of `chunk` as one text frame, in one socket write; resolves once the last
 * frame was written to the socket.
 */
function sendLines(socket: TailSocket, chunk: Uint8Array): Promise<void> {
  const bytes = Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let lastStart = -1;
  let lastEnd = -1;
  socket.cork();
  try {
    for (let start = 0; start < bytes.length; ) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      if (end > start) {
        if (lastStart >= 0) socket.send(bytes.subarray(lastStart, lastEnd));
        lastStart = start;
        lastEnd = end;
      }
      start = end + 1;
    }
    if (lastStart < 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      socket.send(bytes.subarray(lastStart, lastEnd), resolve);
    });
  } finally {
    socket.uncork();
  }
}
