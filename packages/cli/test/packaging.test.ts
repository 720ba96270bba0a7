// Packaging, as a new user meets it: the release script packs every public package (the CLI's
// tarball self-contained, @spool/core with its prebuilt addon), then the tarballs are installed
// with npm (in a project, and the CLI alone with -g), with npx, and with pnpm, on a PATH without
// python3, make or a C compiler. Each install runs `spool --help`, a feed/follow round trip,
// `spool serve` answering a request, and an ESM script importing @spool/core and
// @spool/client; with the addon removed, every command fails before touching a pool and its
// hint names the installing package manager's fix.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, PACKAGE_DIR, type RunResult, tempDir } from "./helpers.js";

const ROOT = resolve(PACKAGE_DIR, "..", "..");
const PNPM = ["-y", "pnpm@10.34.8"];
/** Tools a source build of the addon would need: none may be reachable during these installs. */
const BUILD_TOOLS =
  /^(python[0-9.]*|make|gmake|cc|c\+\+|gcc.*|g\+\+.*|clang.*|cpp.*|.*-linux-gnu-.*)$/;

let dir: string;
let cleanup: () => void;
let tarballs: Map<string, string>;
let env: NodeJS.ProcessEnv;

/** A bin directory with every program on PATH except the build tools. */
function pathWithoutBuildTools(into: string): string {
  mkdirSync(into);
  for (const from of (process.env.PATH ?? "").split(delimiter)) {
    if (!from || !existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      if (BUILD_TOOLS.test(name) || existsSync(join(into, name))) continue;
      symlinkSync(join(from, name), join(into, name));
    }
  }
  return into;
}

function sh(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<RunResult> {
  const child = spawn(cmd, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  return collect(child, timeoutMs);
}

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

function project(name: string): string {
  const app = join(dir, name);
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: `spool-${name}`, private: true, version: "1.0.0", type: "module" }),
  );
  return app;
}

/** Runs the installed `spool` (given as [command, ...args]) through every job a user starts with. */
async function useSpool(spool: string[], cwd: string, what: string): Promise<void> {
  const run = (...args: string[]) => sh(spool[0]!, [...spool.slice(1), ...args], cwd, 30_000);
  const pools = join(cwd, `pools-${what}`);
  expect(ok(await run("--help"), `${what}: spool --help`).stdout).toContain("spool feed");
  ok(
    await run("feed", "demo", '{"hello":"tarball"}', "--tag", "pack", "--create", "--dir", pools),
    `${what}: feed`,
  );
  const followed = ok(
    await run("follow", "demo", "--dir", pools, "--tail", "1", "--no-follow", "--jsonl"),
    `${what}: follow`,
  );
  expect(JSON.parse(followed.stdout)).toMatchObject({ seq: 1, data: { hello: "tarball" } });

  const server = spawn(spool[0]!, [...spool.slice(1), "serve", "--dir", pools, "--port", "0"], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`${what}: no banner: ${out}`)), 20_000);
      server.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const found = /listening on (http:\/\/\S+)/.exec(out);
        if (found) {
          clearTimeout(timer);
          resolveUrl(found[1]!);
        }
      });
      server.on("exit", (code) => reject(new Error(`${what}: serve exited ${code}: ${out}`)));
    });
    const answer = await fetch(`${url}/v0/pools/demo/messages/1`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ message: { seq: 1, data: { hello: "tarball" } } });
  } finally {
    server.kill("SIGTERM");
  }
}

/** An ESM script in `cwd` using both libraries: core for a local pool, the client's name rule. */
async function useLibraries(cwd: string, what: string): Promise<void> {
  writeFileSync(
    join(cwd, "use.mjs"),
    [
      'import { Pool } from "@spool/core";',
      'import { createClient } from "@spool/client";',
      `const pool = Pool.create(${JSON.stringify(join(cwd, "lib.spool"))});`,
      "const receipt = pool.append({ from: 'esm' });",
      "const client = createClient({ baseUrl: 'http://127.0.0.1:9' });",
      "console.log(JSON.stringify({ seq: receipt.seq, data: pool.get(1).data, client: typeof client.openPool }));",
    ].join("\n"),
  );
  const r = ok(await sh("node", ["use.mjs"], cwd, 30_000), `${what}: ESM script`);
  expect(JSON.parse(r.stdout)).toEqual({ seq: 1, data: { from: "esm" }, client: "function" });
}

/** Removes every prebuilt addon under `from` (as on a platform with none) and checks the failure. */
async function withoutAddon(
  spool: string[],
  cwd: string,
  from: string,
  fix: string,
): Promise<void> {
  const gone = removePrebuilds(from);
  expect(gone).toBeGreaterThan(0);
  const pools = join(cwd, "pools-no-addon");
  for (const args of [
    ["pool", "create", "x", "--dir", pools],
    ["feed", "x", "{}", "--create", "--dir", pools],
  ]) {
    const r = await sh(spool[0]!, [...spool.slice(1), ...args], cwd, 30_000);
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stderr.trim()) as { error: { kind: string; hint: string } };
    expect(error.kind).toBe("Internal");
    expect(error.hint).toContain(fix);
    expect(error.hint).toContain("python3, make and a C compiler");
  }
  expect(existsSync(pools)).toBe(false);
}

function removePrebuilds(from: string): number {
  let removed = 0;
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isSymbolicLink() || !entry.isDirectory()) continue;
      if (entry.name === "prebuilds" && existsSync(join(at, "binding.gyp"))) {
        rmSync(path, { recursive: true });
        removed++;
      } else walk(path);
    }
  };
  walk(from);
  return removed;
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  const bin = pathWithoutBuildTools(join(dir, "bin"));
  env = {
    ...process.env,
    PATH: bin,
    npm_config_cache: join(dir, "npm-cache"),
    npm_config_update_notifier: "false",
    SPOOL_DIR: join(dir, "default-pools"),
  };
  const out = join(dir, "tarballs");
  // Packing runs with the full PATH: a release machine builds the addon it ships.
  const packed = await collect(
    spawn("node", ["scripts/release.mjs", "pack", "--no-build", "--out", out], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    }),
    240_000,
  );
  ok(packed, "release pack");
  tarballs = new Map(
    readdirSync(out).map((f) => [f.replace(/-\d+\.\d+\.\d+.*\.tgz$/, ""), join(out, f)]),
  );
}, 300_000);
afterAll(() => cleanup());

describe("packaging", () => {
  it("has no build tools on the install PATH", async () => {
    for (const tool of ["python3", "make", "cc", "gcc", "g++"]) {
      expect((await sh("sh", ["-c", `command -v ${tool}`], dir, 5_000)).code).not.toBe(0);
    }
  });

  it("packs every public package, the CLI self-contained and core with its prebuilt addon", () => {
    expect([...tarballs.keys()].sort()).toEqual([
      "spool",
      "spool-archive",
      "spool-client",
      "spool-conformance",
      "spool-console",
      "spool-core",
      "spool-http-server",
      "spool-jetstream",
      "spool-mcp",
      "spool-server",
      "spool-tui",
    ]);
  });

  it("npm: the CLI tarball alone, installed with -g", { timeout: 300_000 }, async () => {
    const prefix = join(dir, "global");
    ok(
      await sh("npm", ["install", "-g", "--prefix", prefix, tarballs.get("spool")!], dir),
      "npm install -g spool",
    );
    const spool = [join(prefix, "bin", "spool")];
    await useSpool(spool, dir, "npm -g");
    await withoutAddon(
      spool,
      dir,
      join(prefix, "lib", "node_modules"),
      "npm install -g --allow-scripts=@spool/core",
    );
  });

  it("npx: runs the CLI tarball", { timeout: 300_000 }, async () => {
    const r = ok(
      await sh("npx", ["--yes", "--package", tarballs.get("spool")!, "spool", "version"], dir),
      "npx spool version",
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      spool: expect.any(String),
      core: expect.any(String),
    });
  });

  it("npm: every tarball in a project", { timeout: 300_000 }, async () => {
    const app = project("npm-app");
    ok(
      await sh("npm", ["install", "--no-audit", "--no-fund", ...tarballs.values()], app),
      "npm install",
    );
    const spool = [join(app, "node_modules", ".bin", "spool")];
    await useSpool(spool, app, "npm");
    await useLibraries(app, "npm");
    await withoutAddon(
      spool,
      app,
      join(app, "node_modules"),
      "npm install-scripts approve @spool/core",
    );
  });

  it("pnpm: every tarball in a project (dependency builds not approved)", {
    timeout: 300_000,
  }, async () => {
    const app = project("pnpm-app");
    // pnpm resolves a tarball's dependencies on the registry unless told where they are: the
    // overrides are how a pnpm user installs packages that are not published.
    const files = Object.fromEntries(
      [...tarballs].map(([key, file]) => [
        key === "spool" ? "spool" : `@spool/${key.slice(6)}`,
        `file:${file}`,
      ]),
    );
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({
        name: "spool-pnpm-app",
        private: true,
        type: "module",
        dependencies: files,
        pnpm: { overrides: files },
      }),
    );
    ok(
      await sh("npx", [...PNPM, "install", "--store-dir", join(dir, "pnpm-store")], app),
      "pnpm install",
    );
    const spool = [join(app, "node_modules", ".bin", "spool")];
    await useSpool(spool, app, "pnpm");
    await useLibraries(app, "pnpm");
    await withoutAddon(spool, app, join(app, "node_modules", ".pnpm"), "pnpm approve-builds");
  });
});
