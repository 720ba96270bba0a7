// The shipped page (dist/ui, from `vite build`): what the server's CSP and the size budget
// need. index.html has no inline script or style and points only at files under /ui/assets/
// that exist; the bundle has no eval or Function constructor; the script and style together
// stay under 48 KB gzipped (Preact and the SDK included; it was ~33 KB when this was written).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, expect, it } from "vitest";
import { consoleDir } from "../src/index.js";
import { assertBuilt } from "./helpers/spool.js";

let index: string;
let assets: string[];
beforeAll(() => {
  assertBuilt();
  index = readFileSync(join(consoleDir, "index.html"), "utf8");
  assets = readdirSync(join(consoleDir, "assets"));
});

it("index.html loads only hashed files of /ui/assets, with no inline script or style", () => {
  const refs = [...index.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
  expect(refs.length).toBeGreaterThanOrEqual(2);
  for (const ref of refs) {
    expect(ref).toMatch(/^\/ui\/assets\/[A-Za-z0-9._-]+-[A-Za-z0-9_-]{8}\.(js|css|svg)$/);
    expect(assets).toContain(ref.slice("/ui/assets/".length));
  }
  for (const script of index.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    expect(script[1]?.trim()).toBe("");
    expect(script[0]).toMatch(/\ssrc="/);
  }
  expect(index).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="/i);
});

it("the bundle evaluates no strings and stays small", () => {
  let gzipped = 0;
  for (const name of assets.filter((n) => /\.(js|css)$/.test(n))) {
    const bytes = readFileSync(join(consoleDir, "assets", name));
    if (name.endsWith(".js")) expect(bytes.toString()).not.toMatch(/\beval\(|new Function\(/);
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  console.info(`console page: ${(gzipped / 1024).toFixed(1)} KiB of script and style, gzipped`);
  expect(gzipped).toBeLessThan(48 * 1024);
});
