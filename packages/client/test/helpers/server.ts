/**
 * Test fixtures: a temporary pool directory and a real Spool server (`createApp` from
 * @spool/http-server served by @hono/node-server) on 127.0.0.1, port 0 or a given port, which
 * can be stopped and started again on the same port and directory.
 *
 * Invariants: servers listen on loopback only; `stop()` closes the app (open tails get their
 * final Busy line) and then the socket with all its connections; `dispose()` stops and removes
 * the directory; every wait is bounded.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, upgradeWebSocket, type WebSocketServerLike } from "@hono/node-server";
import { type CreateAppOptions, createApp, type SpoolApp } from "@spool/http-server";
import { WebSocketServer } from "ws";

export interface TestServer {
  url: string;
  /** Cuts every open WebSocket tail's TCP connection (no close frame). */
  dropSockets(): number;
  port: number;
  dir: string;
  app: SpoolApp;
  /** Stops the app and the socket (the directory stays). */
  stop(): Promise<void>;
  /** Starts a new app and socket on the same port and directory. */
  restart(): Promise<void>;
  /** Stops and removes the directory. */
  dispose(): Promise<void>;
}

type Server = ReturnType<typeof serve> & { wss?: WebSocketServer };

function listen(app: SpoolApp, port: number): Promise<Server> {
  // The WebSocket tail too (spec/http/v0 §4.2), as spool serve wires it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  return new Promise((resolve, reject) => {
    const server: Server = serve(
      {
        fetch: app.fetch,
        hostname: "127.0.0.1",
        port,
        websocket: { server: wss as unknown as WebSocketServerLike },
      },
      () => resolve(server),
    );
    server.wss = wss;
    server.once("error", reject);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    for (const socket of server.wss?.clients ?? []) socket.terminate();
    server.close(() => resolve());
  });
}

/** Starts a server over a fresh temporary directory (or `dir`). */
export async function startServer(
  options: CreateAppOptions = {},
  dir = mkdtempSync(join(tmpdir(), "spool-client-")),
): Promise<TestServer> {
  let app = createApp({ websocket: { upgrade: upgradeWebSocket }, ...options, dir });
  let server = await listen(app, 0);
  const port = (server.address() as AddressInfo).port;
  let running = true;
  const fixture: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    get app() {
      return app;
    },
    dropSockets() {
      const clients = [...(server.wss?.clients ?? [])];
      for (const socket of clients) socket.terminate();
      return clients.length;
    },
    async stop() {
      if (!running) return;
      running = false;
      await app.close();
      await close(server);
    },
    async restart() {
      await fixture.stop();
      app = createApp({ websocket: { upgrade: upgradeWebSocket }, ...options, dir });
      server = await listen(app, port);
      running = true;
    },
    async dispose() {
      await fixture.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Waits until `check` is true (polling), failing after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Whatever `promise` throws (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}
