/**
 * Bundling code that uses the SDK, the way an app would: esbuild over the package's built
 * `dist/index.js` (what npm users get), minified, for the browser.
 *
 * Invariants: refuses a missing or stale dist (older than src/) with a clear message instead of
 * testing old code; builds in memory (nothing written); loopback-free and bounded.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const distEntry = join(packageDir, "dist", "index.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Throws unless dist/index.js exists and is newer than every file in src/. */
export function assertBuilt(): void {
  if (!existsSync(distEntry)) {
    throw new Error(`${distEntry} is missing: run \`npx -y pnpm@10.34.8 build\` first`);
  }
  if (statSync(distEntry).mtimeMs < newestMtime(join(packageDir, "src"))) {
    throw new Error(`${distEntry} is older than src/: run \`npx -y pnpm@10.34.8 build\` first`);
  }
}

export interface Bundle {
  code: string;
  bytes: number;
  gzipBytes: number;
}

/** Bundles `source` (an ES module that imports "@spool/client") for the browser, minified. */
export async function bundle(source: string): Promise<Bundle> {
  assertBuilt();
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, sourcefile: "app.js", loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    alias: { "@spool/client": distEntry },
  });
  const code = result.outputFiles[0]?.text ?? "";
  const bytes = new TextEncoder().encode(code).length;
  return { code, bytes, gzipBytes: gzipSync(code, { level: 9 }).length };
}
