/**
 * Runs the blocks of one Markdown file in order, in one sandbox (or, where a block starts a new
 * `sandbox`, in independent sequences that run concurrently): a fresh temp directory with
 * HOME, SPOOL_DIR and the working directory inside it, the shims of ./shims.ts first on PATH,
 * and, started on first need, a `spool serve` on a free loopback port (blocks that name
 * 127.0.0.1:9700 are rewritten to it). Each block runs with `bash -c` under
 * `set -e -o pipefail`, stdin closed, and a hard time limit that kills its whole process group.
 *
 * Rewrites applied to block text (and only these): `127.0.0.1:9700` → the sandbox server;
 * pool sizes over 8M (`--size`, `--create-size`) → `8M`, so examples sized for production
 * do not write hundreds of MiB per run.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Block, extractBlocks, SHELL_LANGS } from "./extract.js";
import { writeShims } from "./shims.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../../..");
export const CLI = join(REPO_ROOT, "packages/cli/bin/spool.js");
const PACKAGE_DIR = join(REPO_ROOT, "packages/docs-test");

export interface RunDocOptions {
  /** The hard limit for one block; past it the block fails. */
  blockTimeoutMs?: number;
}

export type Outcome = "passed" | "failed" | "skipped" | "checked" | "not-run";

export interface BlockResult {
  block: Block;
  outcome: Outcome;
  /** Why it failed, or the skip reason. */
  detail?: string;
  stdout?: string;
  stderr?: string;
  /** How long a run block took. */
  ms?: number;
}

const SERVER_REF = "127.0.0.1:9700";

export async function runDoc(
  markdown: string,
  options: RunDocOptions = {},
): Promise<BlockResult[]> {
  const sequences: Block[][] = [[]];
  for (const block of extractBlocks(markdown)) {
    if (block.directives.sandbox !== undefined && sequences.at(-1)!.length > 0) sequences.push([]);
    sequences.at(-1)!.push(block);
  }
  const results = await Promise.all(sequences.map((blocks) => runSequence(blocks, options)));
  return results.flat();
}

async function runSequence(blocks: Block[], options: RunDocOptions): Promise<BlockResult[]> {
  const sandbox = new Sandbox(options);
  try {
    const results: BlockResult[] = [];
    for (const block of blocks) results.push(await sandbox.run(block));
    return results;
  } finally {
    await sandbox.close();
  }
}

export function runDocFile(path: string, options?: RunDocOptions): Promise<BlockResult[]> {
  return runDoc(readFileSync(path, "utf8"), options);
}

/** Block text as run: the server address and oversized pool sizes rewritten. */
export function rewrite(code: string, port: number | undefined): string {
  let out = code.replace(/(--(?:create-)?size[\s=]+)(\d+)([KMGT])\b/g, (all, flag, n, unit) =>
    unit === "K" || (unit === "M" && Number(n) <= 8) ? all : `${flag}8M`,
  );
  if (port !== undefined) out = out.replaceAll(SERVER_REF, `127.0.0.1:${port}`);
  return out;
}

class Sandbox {
  readonly root = mkdtempSync(join(tmpdir(), "spool-doctest-"));
  readonly work = join(this.root, "work");
  readonly env: NodeJS.ProcessEnv;
  private server?: { child: ChildProcess; port: number };
  private readonly blockTimeoutMs: number;

  constructor(options: RunDocOptions) {
    this.blockTimeoutMs = options.blockTimeoutMs ?? 30_000;
    const bin = join(this.root, "bin");
    const home = join(this.root, "home");
    for (const dir of [bin, home, this.work]) mkdirSync(dir, { recursive: true });
    const curl = execFileSync("bash", ["-c", "command -v curl || echo /usr/bin/curl"], {
      encoding: "utf8",
    }).trim();
    writeShims(bin, { node: process.execPath, cli: CLI, curl });
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env))
      if (key.startsWith("SPOOL_") || key === "NO_COLOR" || key === "FORCE_COLOR") delete env[key];
    this.env = {
      ...env,
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      HOME: home,
      SPOOL_DIR: join(this.root, "pools"),
      NO_COLOR: "1",
    };
  }

  async run(block: Block): Promise<BlockResult> {
    const { directives: d } = block;
    if (block.errors.length > 0)
      return { block, outcome: "failed", detail: block.errors.join("; ") };
    if (d.skip !== undefined) return { block, outcome: "skipped", detail: d.skip };
    if (block.lang === "json") {
      try {
        JSON.parse(block.code);
        return { block, outcome: "checked" };
      } catch (error) {
        return { block, outcome: "failed", detail: `not valid JSON: ${(error as Error).message}` };
      }
    }
    const missing = d.needs.filter((command) => !onPath(command, this.env.PATH ?? ""));
    if (missing.length > 0)
      return { block, outcome: "skipped", detail: `needs ${missing.join(", ")} (not installed)` };
    const runsNode = block.lang === "js" && d.runNode === true;
    if (!SHELL_LANGS.has(block.lang) && !runsNode) return { block, outcome: "not-run" };

    const port = block.code.includes(SERVER_REF) ? await this.serverPort() : undefined;
    const code = block.lang === "console" ? block.code.replace(/^\$ /gm, "") : block.code;
    // A js block runs as a module inside this package, so `@spool/*` imports resolve.
    const moduleDir = runsNode ? mkdtempSync(join(PACKAGE_DIR, ".snippets-")) : undefined;
    if (moduleDir) writeFileSync(join(moduleDir, "block.mjs"), rewrite(code, port));
    const body = moduleDir
      ? `"${process.execPath}" "${join(moduleDir, "block.mjs")}"`
      : rewrite(code, port);
    const script = ["set -e -o pipefail", ...d.setup, body].join("\n");
    const env = { ...this.env };
    const failures = join(this.root, `failures-${block.line}.txt`);
    if (d.longRunning !== undefined) {
      env.DOCTEST_LONG_RUNNING = "1";
      if (this.server?.child.pid) env.DOCTEST_SERVER_PID = String(this.server.child.pid);
      env.DOCTEST_FAILURES = failures;
    }
    const started = Date.now();
    const { status, stdout, stderr } = await runBash(script, this.work, env, this.blockTimeoutMs);
    const ms = Date.now() - started;
    if (moduleDir) rmSync(moduleDir, { recursive: true, force: true });
    const problems: string[] = [];
    const expected = d.exit ?? 0;
    if (status !== expected) problems.push(`exit status ${status}, expected ${expected}`);
    if (existsSync(failures)) problems.push(readFileSync(failures, "utf8").trim());
    for (const text of d.stdout) if (!contains(stdout, text)) problems.push(`stdout lacks ${text}`);
    for (const text of d.stderr) if (!contains(stderr, text)) problems.push(`stderr lacks ${text}`);
    return problems.length > 0
      ? { block, outcome: "failed", detail: problems.join("; "), stdout, stderr, ms }
      : { block, outcome: "passed", stdout, stderr, ms };
  }

  private async serverPort(): Promise<number> {
    if (this.server) return this.server.port;
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, "serve", "--port", String(port), "--quiet"], {
      cwd: this.work,
      env: this.env,
      stdio: "ignore",
    });
    this.server = { child, port };
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return port;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`spool serve did not come up on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    const child = this.server?.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

function onPath(command: string, path: string): boolean {
  return path.split(":").some((dir) => dir !== "" && existsSync(join(dir, command)));
}

function contains(output: string, wanted: string | RegExp): boolean {
  return typeof wanted === "string" ? output.includes(wanted) : wanted.test(output);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

interface BashResult {
  status: number | string;
  stdout: string;
  stderr: string;
}

function runBash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<BashResult> {
  return new Promise((resolveRun) => {
    const child = spawn("bash", ["-c", script], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGKILL");
    }, timeoutMs);
    // Background commands of a long-running block keep the output open until they are
    // stopped; "close" waits for them, and the time limit covers them too.
    let exit: [number | null, NodeJS.Signals | null] = [null, null];
    child.on("exit", (code, signal) => {
      exit = [code, signal];
    });
    child.on("close", () => {
      killGroup("SIGKILL"); // anything left that closed its output but kept running
      clearTimeout(timer);
      const [code, signal] = exit;
      const status = timedOut ? `killed after ${timeoutMs} ms` : (code ?? `signal ${signal}`);
      resolveRun({ status, stdout, stderr });
    });
  });
}
