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
import { serve } from "@hono/node-server";
import { type CreateAppOptions, createApp, type SpoolApp } from "@spool/http-server";

export interface TestServer {
  url: string;
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

type Server = ReturnType<typeof serve>;

function listen(app: SpoolApp, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, () => resolve(server));
    server.once("error", reject);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Starts a server over a fresh temporary directory (or `dir`). */
export async function startServer(
  options: CreateAppOptions = {},
  dir = mkdtempSync(join(tmpdir(), "spool-client-")),
): Promise<TestServer> {
  let app = createApp({ ...options, dir });
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
    async stop() {
      if (!running) return;
      running = false;
      await app.close();
      await close(server);
    },
    async restart() {
      await fixture.stop();
      app = createApp({ ...options, dir });
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
