/**
 * The web console at `/ui` (Spool addition, outside the pool protocol): the static files of a
 * built page (`createApp({ ui: { dir } })`, e.g. @spool/console's `consoleDir`), answered from
 * memory.
 *
 * Invariants: the directory is read once, when the app is made (index.html is required; files
 * directly under assets/ are the only others served), so no request can name a file outside
 * that set: there is no path to resolve and nothing to traverse; `GET /ui` redirects to `/ui/`
 * (308), which answers index.html; every answer carries a strict Content-Security-Policy (only
 * this origin; no inline script or style, no frames, no plugins) besides the protocol headers;
 * hashed assets are cached for a year (`immutable`), index.html is revalidated every time; the
 * files need no token (they hold no pool data; the page asks for a token when the API wants one).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { SpoolError } from "@spool/core";
import type { Hono } from "hono";
import { protocolResponse } from "../responses.js";

export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

interface StaticFile {
  bytes: Uint8Array<ArrayBuffer>;
  type: string;
}

/** The files of a built console: index.html and assets/*, read into memory. */
export function loadUi(dir: string): { index: StaticFile; assets: Map<string, StaticFile> } {
  const hint =
    "build the console first (`pnpm build`, or `vite build` in packages/console) or pass the directory that holds its index.html";
  let index: StaticFile;
  try {
    index = fileOf(join(dir, "index.html"));
  } catch (error) {
    throw new SpoolError("Usage", `the web console directory ${dir} has no readable index.html`, {
      hint,
      cause: error,
    });
  }
  const assets = new Map<string, StaticFile>();
  const assetDir = join(dir, "assets");
  let names: string[] = [];
  try {
    names = readdirSync(assetDir);
  } catch {
    // a page without assets (everything in index.html would break the CSP, but is allowed)
  }
  for (const name of names) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) continue;
    const path = join(assetDir, name);
    if (!statSync(path).isFile()) continue;
    assets.set(name, fileOf(path));
  }
  return { index, assets };
}

function fileOf(path: string): StaticFile {
  const data = readFileSync(path);
  const bytes = new Uint8Array(data.byteLength);
  bytes.set(data);
  return { bytes, type: TYPES[extname(path).toLowerCase()] ?? "application/octet-stream" };
}

function answer(file: StaticFile, cache: string): Response {
  return protocolResponse(file.bytes, 200, file.type, {
    "content-security-policy": UI_CSP,
    "x-frame-options": "DENY",
    "cache-control": cache,
  });
}

export function uiRoutes(app: Hono, dir: string): void {
  const { index, assets } = loadUi(dir);
  app.get("/ui", () =>
    protocolResponse(null, 308, "text/plain; charset=utf-8", { location: "/ui/" }),
  );
  app.get("/ui/", () => answer(index, "no-cache"));
  app.get("/ui/assets/:file", (c) => {
    const file = assets.get(c.req.param("file"));
    if (file === undefined) {
      throw new SpoolError("NotFound", `no such console file: ${c.req.path}`, {
        hint: "reload /ui/: the console was probably rebuilt and its file names changed",
      });
    }
    return answer(file, "public, max-age=31536000, immutable");
  });
}
