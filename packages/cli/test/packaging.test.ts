// Packaging: pack the CLI and @spool/core as their registry tarballs (pnpm rewrites workspace:*
// to real versions), install both into an empty directory with npm (core builds its native
// addon at install), and use the installed `spool` through npx: create, feed, follow, --where.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, PACKAGE_DIR, type RunResult, tempDir } from "./helpers.js";

const CORE_DIR = resolve(PACKAGE_DIR, "..", "core");
const CLIENT_DIR = resolve(PACKAGE_DIR, "..", "client");
const HTTP_SERVER_DIR = resolve(PACKAGE_DIR, "..", "http-server");
const SERVER_DIR = resolve(PACKAGE_DIR, "..", "server");
const PNPM = ["-y", "pnpm@10.34.8"];

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

function sh(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 180_000,
): Promise<RunResult> {
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  return collect(child, timeoutMs);
}

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe("packaging", () => {
  it("installs from packed tarballs and runs through npx", { timeout: 300_000 }, async () => {
    const packs = join(dir, "packs");
    const app = join(dir, "app");
    const pools = join(dir, "pools");
    mkdirSync(packs);
    mkdirSync(app);
    ok(
      await sh("npx", [...PNPM, "pack", "--pack-destination", packs], CORE_DIR),
      "pnpm pack @spool/core",
    );
    for (const [name, from] of [
      ["@spool/client", CLIENT_DIR],
      ["@spool/http-server", HTTP_SERVER_DIR],
      ["@spool/server", SERVER_DIR],
      ["spool", PACKAGE_DIR],
    ] as const) {
      ok(
        await sh("npx", [...PNPM, "pack", "--pack-destination", packs], from),
        `pnpm pack ${name}`,
      );
    }
    const tarballs = readdirSync(packs).map((f) => join(packs, f));
    expect(tarballs.length).toBe(5);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "spool-pack-test", private: true, version: "1.0.0" }),
    );
    ok(
      await sh("npm", ["install", "--no-audit", "--no-fund", ...tarballs], app, {}, 240_000),
      "npm install",
    );

    const env = { SPOOL_DIR: pools };
    const spool = (...args: string[]) =>
      sh("npx", ["--no-install", "spool", ...args], app, env, 30_000);
    expect(ok(await spool("pool", "create", "demo", "--json"), "pool create").stdout).toContain(
      '"name":"demo"',
    );
    const receipt = JSON.parse(
      ok(await spool("feed", "demo", '{"hello":"npx"}', "--tag", "pack"), "feed").stdout,
    ) as { seq: number };
    expect(receipt.seq).toBe(1);
    ok(await spool("feed", "demo", '{"hello":"again"}'), "feed again");
    const followed = ok(
      await spool(
        "follow",
        "demo",
        "--tail",
        "5",
        "--replay",
        "0",
        "--jsonl",
        "--where",
        '.data.hello == "npx"',
      ),
      "follow",
    );
    expect(JSON.parse(followed.stdout)).toMatchObject({
      seq: 1,
      meta: { tags: ["pack"] },
      data: { hello: "npx" },
    });
    expect(ok(await spool("serve", "check", "--port", "0"), "serve check").stdout).toMatch(
      /^configuration OK/,
    );
    expect(JSON.parse(ok(await spool("version"), "version").stdout)).toMatchObject({
      spool: expect.any(String),
      core: expect.any(String),
    });
  });
});
