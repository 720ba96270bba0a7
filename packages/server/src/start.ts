/**
 * `startServer`: runs `@spool/http-server`'s app on `@hono/node-server` (HTTP, or HTTPS with
 * `https.createServer`) with request logging and enveloped answers to requests Node's HTTP parser
 * refuses, and returns a handle whose `close()` shuts down gracefully.
 *
 * Invariants: nothing is created or bound when @spool/core's addon cannot be loaded; the socket
 * is bound only after the configuration's files (tokens, TLS, pool
 * directory) loaded cleanly; bind failures are SpoolErrors (address in use: Busy; privileged
 * port: Permission); `close()` is idempotent and always resolves: it stops accepting, ends open
 * tails (each gets a final Busy error line, or frame and close code 1001 for a WebSocket tail,
 * from `app.close()`), closes idle keep-alive
 * connections at once and every other connection after the grace period, then closes the
 * engine's connection when the pools are on one (`--engine`). No signal handlers are installed
 * here (see launch.ts).
 */
import { existsSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  createAdaptorServer,
  getRequestListener,
  RequestError,
  type ServerType,
  upgradeWebSocket,
  type WebSocketServerLike,
} from "@hono/node-server";
import { consoleDir } from "@spool/console";
import { requireNativeAddon, SpoolError } from "@spool/core";
import {
  type CreateAppOptions,
  createApp,
  DEFAULT_LIMITS,
  type SpoolApp,
  unexpectedErrorResponse,
  unreadableRequestResponse,
} from "@spool/http-server";
import { createMcpEndpoint } from "@spool/mcp";
import { WebSocketServer } from "ws";
import { loadServerAssets, type ServerAssets } from "./assets.js";
import type { EngineConfig, ServerConfig } from "./config.js";
import { createLogger, type Logger } from "./log.js";
import { urlHost } from "./loopback.js";
import { connectEngine, type NatsEngine } from "./nats.js";
import { answerRefusedRequests } from "./refused-requests.js";
import { withRequestLog } from "./request-log.js";

/** A running server. */
export interface ServerHandle {
  /** Base URL, e.g. `https://127.0.0.1:9700`. */
  url: string;
  host: string;
  /** The bound port (the real one when the config asked for 0). */
  port: number;
  /** The TLS certificate's SHA-256 fingerprint, when serving HTTPS. */
  fingerprint: string | undefined;
  /** What was loaded: tokens, TLS material, pool directory state, warnings. */
  assets: ServerAssets;
  app: SpoolApp;
  /** The web console's URL (`URL/ui/`), undefined when the console is not built. */
  consoleUrl: string | undefined;
  /** Graceful shutdown (idempotent); resolves when every connection is closed. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
}

/**
 * Starts a server for `config` (see `resolveServerConfig`).
 *
 * @example
 * const server = await startServer(resolveServerConfig({ flags: { port: 0 } }));
 * console.log(server.url);
 * await server.close();
 */
export async function startServer(
  config: ServerConfig,
  options: StartOptions = {},
): Promise<ServerHandle> {
  const log = options.log ?? createLogger({ format: config.logFormat, quiet: config.quiet });
  requireNativeAddon(); // an unusable install stops here, before the pool directory is made
  const assets = await loadServerAssets(config, { create: true });
  const engine = config.engine ? await connectConfiguredEngine(config.engine) : undefined;
  const archive = config.archive
    ? (await import("./archive.js")).serveArchive(config.archive, { dir: config.dir, engine }, log)
    : undefined;
  const served = archive?.engine ?? engine;
  const appOptions: CreateAppOptions = {
    ...(served ? { engine: served, replicas: config.replicas } : { dir: config.dir }),
    access: config.access,
    tokens: assets.tokens.map((t) =>
      t.access === undefined ? { token: t.token } : { token: t.token, access: t.access },
    ),
    limits: config.limits,
    onInternalError: (error) =>
      log.error("internal error", {
        kind: (error as SpoolError).kind ?? "Internal",
        error: error.message,
      }),
  };
  if (config.corsOrigins.length > 0) appOptions.cors = { origins: config.corsOrigins };
  if (config.defaultPoolSize !== undefined) appOptions.defaultPoolSize = config.defaultPoolSize;
  if (config.metrics === "off") appOptions.metrics = false;
  else if (config.metrics === "public") appOptions.metrics = { public: true };
  if (config.exposePaths) appOptions.exposePaths = true;
  // The web console at /ui (spec/http §11): @spool/console's built page, when it is built.
  if (existsSync(join(consoleDir, "index.html"))) appOptions.ui = { dir: consoleDir };
  else log.warn("the web console is not built: /ui is off", { dir: consoleDir });
  // MCP for agents at /mcp (spec/mcp/v0): tokens, access modes and limits are the app's.
  appOptions.mcp = createMcpEndpoint({
    maxBodyBytes: config.limits.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
  });
  // The WebSocket tail (spec/http §4.2): hono's upgrade helper of @hono/node-server.
  appOptions.websocket = { upgrade: upgradeWebSocket };
  let app: SpoolApp;
  try {
    app = createApp(appOptions);
  } catch (error) {
    await archive?.stop();
    await engine?.close();
    throw error;
  }

  const fetch = withRequestLog(app.fetch as Parameters<typeof withRequestLog>[0], log);
  // Requests the adapter cannot turn into a web Request (no Host header, `OPTIONS *`) get the
  // envelope too, not the adapter's bare 400: Node's own Host check is off so they reach it.
  const listener = getRequestListener(fetch, {
    errorHandler: (error: unknown): Response =>
      error instanceof RequestError
        ? unreadableRequestResponse(error)
        : unexpectedErrorResponse(error),
  });
  const server: ServerType = assets.tls
    ? createHttpsServer(
        { cert: assets.tls.cert, key: assets.tls.key, requireHostHeader: false },
        listener,
      )
    : createHttpServer({ requireHostHeader: false }, listener);
  answerRefusedRequests(server);
  const wss = attachWebSockets(server, fetch);
  try {
    await listen(server, config.host, config.port);
  } catch (error) {
    await app.close();
    await archive?.stop();
    await engine?.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `${assets.tls ? "https" : "http"}://${urlHost(config.host)}:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= shutdown(server, app, config.shutdownGraceMs, wss)
      .then(() => archive?.stop())
      .then(() => engine?.close());
    return closing;
  };
  const consoleUrl = appOptions.ui ? `${url}/ui/` : undefined;
  return {
    url,
    host: config.host,
    port,
    fingerprint: assets.tls?.fingerprint,
    assets,
    app,
    consoleUrl,
    close,
  };
}

/** Connects to the configured engine (Io naming the URL when no server answers). */
export function connectConfiguredEngine(engine: EngineConfig): Promise<NatsEngine> {
  return connectEngine(engine.url, engine.access, { names: engine.names, name: "spool-server" });
}

/** Client frames of a WebSocket tail are one small auth frame: larger ones close the socket (1009). */
const WS_MAX_PAYLOAD = 64 * 1024;

/**
 * Upgrades WebSocket requests on `server` (the `ws` server of @hono/node-server's WebSocket
 * support: the upgrade request runs through `fetch`, so the app's middleware, auth and logging
 * apply). @hono/node-server attaches its upgrade handling only to a server it creates, so it is
 * handed this one to "create" (its own request listener stays unused: `server` has ours).
 */
function attachWebSockets(server: ServerType, fetch: Parameters<typeof getRequestListener>[0]) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  createAdaptorServer({
    fetch,
    // ws's types leave `options.noServer` optional; it is set (true) above.
    websocket: { server: wss as unknown as WebSocketServerLike },
    createServer: (() => server) as unknown as typeof createHttpServer,
  });
  return wss;
}

function listen(server: ServerType, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      reject(bindError(error, host, port));
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

function bindError(error: NodeJS.ErrnoException, host: string, port: number): SpoolError {
  const where = `${host}:${port}`;
  switch (error.code) {
    case "EADDRINUSE":
      return new SpoolError("Busy", `cannot listen on ${where}: the address is in use`, {
        hint: "stop the other server on that port, or pick another with --port (0 picks a free one)",
        cause: error,
      });
    case "EACCES":
    case "EPERM":
      return new SpoolError("Permission", `cannot listen on ${where}: permission denied`, {
        hint: "ports below 1024 need privileges; use a port ≥ 1024 (e.g. --port 9700) behind a proxy",
        cause: error,
      });
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new SpoolError("Usage", `cannot listen on ${where}: no such local address`, {
        hint: "--host must be an address of this machine (127.0.0.1, ::1, or one of its interfaces)",
        cause: error,
      });
    default:
      return new SpoolError("Io", `cannot listen on ${where}: ${error.message}`, {
        hint: "check --host and --port",
        cause: error,
      });
  }
}

type ClosableServer = ServerType & {
  closeIdleConnections?: () => void;
  closeAllConnections?: () => void;
};

async function shutdown(
  server: ServerType,
  app: SpoolApp,
  graceMs: number,
  wss: WebSocketServer,
): Promise<void> {
  const s = server as ClosableServer;
  const closed = new Promise<void>((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
  await app.close();
  // connections whose response just ended (tails after their final line) turn idle over the
  // next moments: keep closing idle ones until all are gone or the grace period is over
  s.closeIdleConnections?.();
  const sweep = setInterval(() => s.closeIdleConnections?.(), 50);
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([closed, grace]);
  clearInterval(sweep);
  clearTimeout(timer);
  s.closeAllConnections?.();
  // WebSocket tails got their final frame and close from app.close(); a client that never
  // answered the close handshake is cut off here (upgraded sockets are no HTTP connections).
  for (const socket of wss.clients) socket.terminate();
  await closed;
}
