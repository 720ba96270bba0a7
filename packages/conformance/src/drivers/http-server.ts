/**
 * The real server an `http` session talks to: `createApp` from @spool/http-server served by
 * @hono/node-server on 127.0.0.1, port 0, over the session's pool directory.
 *
 * Invariants: the socket is loopback only and bound once per session; `restart()` replaces the
 * app behind the socket with a fresh one over the same directory and options (the equivalent of
 * restarting the server process: the old app's tails end and its cached pools are closed, the
 * new app opens pools afresh); `close()` ends the app, drops every connection and always
 * resolves within its time limit. The app mounts the WebSocket tail (for the ws driver).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, upgradeWebSocket, type WebSocketServerLike } from "@hono/node-server";
import { type CreateAppOptions, createApp, type SpoolApp } from "@spool/http-server";
import { WebSocketServer } from "ws";

const CLOSE_LIMIT_MS = 5_000;

function bounded(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** A Spool server on a loopback port. */
export class SessionServer {
  readonly #options: CreateAppOptions;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  #app: SpoolApp;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;

  private constructor(
    options: CreateAppOptions,
    app: SpoolApp,
    server: Server,
    wss: WebSocketServer,
    port: number,
  ) {
    this.#options = options;
    this.#app = app;
    this.#server = server;
    this.#wss = wss;
    this.url = `http://127.0.0.1:${port}`;
  }

  /**
   * Starts a server for `options` on 127.0.0.1, port 0.
   *
   * @example
   * const server = await SessionServer.start({ dir: "/tmp/pools" });
   * await server.close();
   */
  static async start(given: CreateAppOptions): Promise<SessionServer> {
    // The WebSocket tail too (spec/http/v0 §4.2), for the ws driver, as spool serve mounts it.
    const options: CreateAppOptions = { websocket: { upgrade: upgradeWebSocket }, ...given };
    const app = createApp(options);
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    let current: SessionServer | undefined;
    const { server, port } = await new Promise<{ server: Server; port: number }>(
      (resolve, reject) => {
        const server = serve(
          {
            // The app is looked up per request, so `restart()` can replace it behind the socket.
            fetch: (request, env) => (current ? current.#app : app).fetch(request, env),
            hostname: "127.0.0.1",
            port: 0,
            websocket: { server: wss as unknown as WebSocketServerLike },
          },
          (info: AddressInfo) => resolve({ server, port: info.port }),
        ) as Server;
        server.once("error", reject);
      },
    );
    current = new SessionServer(options, app, server, wss, port);
    return current;
  }

  /** The app serving right now. */
  get app(): SpoolApp {
    return this.#app;
  }

  /** Replaces the app with a fresh one over the same directory (a server restart). */
  async restart(): Promise<void> {
    const old = this.#app;
    this.#app = createApp(this.#options);
    await bounded(old.close(), CLOSE_LIMIT_MS);
  }

  /** Stops the app and the socket, dropping open connections. */
  async close(): Promise<void> {
    await bounded(this.#app.close(), CLOSE_LIMIT_MS);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    for (const socket of this.#wss.clients) socket.terminate();
    await bounded(closed, CLOSE_LIMIT_MS);
  }
}
