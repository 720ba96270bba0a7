/**
 * WebSocket test fixtures: an app with the WebSocket tail mounted (@hono/node-server's upgrade
 * helper) served on 127.0.0.1 port 0 with a `ws` WebSocketServer, and a client that collects a
 * tail's frames.
 *
 * Invariants: loopback only; `dispose` closes the app (ending its tails), every client socket,
 * the WebSocket server and the HTTP server, and removes the pool directory; every wait is
 * bounded in time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, upgradeWebSocket, type WebSocketServerLike } from "@hono/node-server";
import WebSocket, { WebSocketServer } from "ws";
import { type CreateAppOptions, createApp, type SpoolApp } from "../../src/index.js";

export interface WsServed {
  dir: string;
  app: SpoolApp;
  port: number;
  url: string;
  wss: WebSocketServer;
  /** `ws://127.0.0.1:PORT/v0/pools/NAME/ws?QUERY` */
  wsUrl(pool: string, query?: string): string;
  dispose(): Promise<void>;
}

export async function serveWs(options: CreateAppOptions = {}): Promise<WsServed> {
  const dir = mkdtempSync(join(tmpdir(), "spool-ws-"));
  const app = createApp({ dir, websocket: { upgrade: upgradeWebSocket }, ...options });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: "127.0.0.1",
        port: 0,
        websocket: { server: wss as unknown as WebSocketServerLike },
      },
      () => resolve(s),
    );
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    dir,
    app,
    port,
    url,
    wss,
    wsUrl: (pool, query) =>
      `ws://127.0.0.1:${port}/v0/pools/${encodeURIComponent(pool)}/ws${query ? `?${query}` : ""}`,
    async dispose() {
      await app.close();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a client saw of one WebSocket tail. */
export interface Seen {
  /** Every text frame, as received. */
  frames: string[];
  /** Close code and reason (once closed). */
  code?: number | undefined;
  reason?: string | undefined;
  /** The HTTP status of a refused handshake. */
  status?: number | undefined;
}

/**
 * Opens `url`, sends `first` (if any) once open, and collects frames until the socket closes,
 * `until(frames)` is true (the client then closes with 1000), or `ms` pass (then it rejects).
 */
export function collect(
  url: string,
  options: {
    headers?: Record<string, string>;
    first?: string;
    until?: (frames: string[]) => boolean;
    ms?: number;
  } = {},
): Promise<Seen> {
  const ms = options.ms ?? 5000;
  return new Promise((resolve, reject) => {
    const seen: Seen = { frames: [] };
    const ws = new WebSocket(url, { headers: options.headers ?? {} });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no close within ${ms} ms; frames: ${seen.frames.slice(-5).join(" | ")}`));
    }, ms);
    ws.on("unexpected-response", (_req, res) => {
      seen.status = res.statusCode;
      clearTimeout(timer);
      ws.terminate();
      resolve(seen);
    });
    ws.on("open", () => {
      if (options.first !== undefined) ws.send(options.first);
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        reject(new Error("binary frame"));
        return;
      }
      seen.frames.push(data.toString("utf8"));
      if (options.until?.(seen.frames)) ws.close(1000);
    });
    ws.on("error", () => {});
    ws.on("close", (code, reason) => {
      clearTimeout(timer);
      seen.code = code;
      seen.reason = reason.toString();
      resolve(seen);
    });
  });
}

/** Appends `n` messages `{"i": k}` (k from `from`) through the app, in one batch. */
export async function appendMany(app: SpoolApp, pool: string, n: number, from = 0): Promise<void> {
  const messages = Array.from({ length: n }, (_, k) => ({ data: { i: from + k } }));
  const res = await app.fetch(
    new Request(`http://spool.test/v0/pools/${pool}/append_batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer rw" },
      body: JSON.stringify({ messages }),
    }),
  );
  if (res.status !== 200) throw new Error(`append_batch: ${res.status} ${await res.text()}`);
}

/** Creates `pool` of `size` bytes through the app. */
export async function createPool(app: SpoolApp, pool: string, size = 1024 * 1024): Promise<void> {
  const res = await app.fetch(
    new Request("http://spool.test/v0/pools", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer rw" },
      body: JSON.stringify({ pool, size_bytes: size }),
    }),
  );
  if (res.status !== 200) throw new Error(`create: ${res.status} ${await res.text()}`);
}
