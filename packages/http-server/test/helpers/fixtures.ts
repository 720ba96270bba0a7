/**
 * Test fixtures: a temporary pool directory, an app over it, request helpers for `app.fetch`, and
 * a real @hono/node-server on 127.0.0.1 port 0.
 *
 * Invariants: every fixture is torn down by its `dispose` (apps closed, servers closed with their
 * connections, directories removed); nothing listens beyond loopback.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { type CreateAppOptions, createApp, type SpoolApp } from "../../src/index.js";

export interface Fixture {
  dir: string;
  app: SpoolApp;
  dispose(): Promise<void>;
}

export function makeApp(options: CreateAppOptions = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), "spool-http-"));
  const app = createApp({ dir, ...options });
  return {
    dir,
    app,
    async dispose() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Sent {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
  json: any;
}

/** Sends a request through `app.fetch` (no socket). Objects are sent as JSON. */
export async function send(
  app: SpoolApp,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body =
      typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await app.fetch(new Request(`http://spool.test${path}`, init));
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface Served {
  url: string;
  dispose(): Promise<void>;
}

/** Serves `app` with @hono/node-server on 127.0.0.1, port 0. */
export async function serveApp(app: SpoolApp): Promise<Served> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dispose: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Waits until `check` is true (polling), failing after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * inotify watches of this process (core's fs.watch change watchers), read from the kernel:
 * each watch is one `inotify wd:` line in /proc/self/fdinfo of libuv's inotify descriptor.
 * (core's watchers are unref'd, so process.getActiveResourcesInfo() does not list them.)
 */
export function watcherCount(): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fdinfo")) {
    try {
      const info = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8");
      count += info.split("\n").filter((line) => line.startsWith("inotify wd:")).length;
    } catch {
      // the descriptor closed while we looked
    }
  }
  return count;
}
