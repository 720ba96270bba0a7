/**
 * Test helpers: run the built CLI (dist/cli.js) as a child process, with or without a
 * pseudo-terminal (util-linux `script`), in a temporary SPOOL_DIR.
 *
 * Invariants: every run is bounded in time (killed after its timeout, which fails the test);
 * no run inherits the developer's SPOOL_DIR, NO_COLOR or FORCE_COLOR; temp dirs are removed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { type CreateAppOptions, createApp, type SpoolApp } from "@spool/http-server";
import { expect } from "vitest";

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CLI = join(PACKAGE_DIR, "dist", "cli.js");

if (!existsSync(CLI))
  throw new Error(`build the CLI first (cd packages/cli && npx tsup): ${CLI} is missing`);

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  cwd?: string;
}

/** The environment every test run starts from. */
export function baseEnv(
  dir: string,
  extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SPOOL_DIR: dir };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.SPOOL_DEBUG;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * Collects a child's output and exit; kills it after `timeoutMs`. Writes `input` and closes
 * stdin, except with `input === null`, which leaves stdin to the caller.
 */
export function collect(
  child: ChildProcess,
  timeoutMs: number,
  input?: string | Buffer | null,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `timed out after ${timeoutMs} ms; stdout=${stdout.slice(0, 500)} stderr=${stderr.slice(0, 500)}`,
        ),
      );
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    if (child.stdin && input !== null) {
      child.stdin.on("error", () => {});
      if (input !== undefined) child.stdin.end(input);
      else child.stdin.end();
    }
  });
}

/** Runs `node dist/cli.js ...args` with pipes for stdin, stdout and stderr. */
export function run(
  dir: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: baseEnv(dir, options.env),
    cwd: options.cwd ?? dir,
    stdio: ["pipe", "pipe", "pipe"],
  });
  return collect(child, options.timeoutMs ?? 20_000, options.input);
}

/** Starts the CLI without waiting (for followers); call `collect` on the result. */
export function start(
  dir: string,
  args: readonly string[],
  options: RunOptions = {},
): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: baseEnv(dir, options.env),
    cwd: options.cwd ?? dir,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Quotes one word for sh. */
export function shq(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The shell command line that runs the CLI with `args`. */
export function cliLine(args: readonly string[]): string {
  return [process.execPath, CLI, ...args].map(shq).join(" ");
}

/**
 * Runs a shell command line under a pseudo-terminal (stdin, stdout and stderr all a TTY) with
 * `script -qfec`. Output arrives with CRLF line ends; they are normalised to LF.
 */
export async function runTty(
  dir: string,
  commandLine: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const child = spawn("script", ["-qfec", commandLine, "/dev/null"], {
    env: baseEnv(dir, { TERM: "xterm-256color", ...options.env }),
    cwd: options.cwd ?? dir,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const result = await collect(child, options.timeoutMs ?? 20_000, options.input);
  return { ...result, stdout: result.stdout.replaceAll("\r\n", "\n") };
}

/** Parses JSON lines. */
export function jsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);
}

/** A fresh temporary pool directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "spool-cli-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Text without ANSI colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` is true (polling), failing after `timeoutMs`. */
export async function waitFor(
  check: () => boolean,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Like waitFor, with an async check. */
export async function waitForAsync(
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** An envelope as the CLI prints it in JSONL. */
export type Envelope = { seq: number; time: string; meta: { tags: string[] }; data: unknown };

/** Creates pool `name` in `dir` and feeds it `messages` (one JSON text each), asserting success. */
export async function createPool(
  dir: string,
  name: string,
  messages: string[] = [],
  size = "1M",
): Promise<void> {
  expect((await run(dir, ["pool", "create", name, "--size", size])).code).toBe(0);
  if (messages.length > 0) {
    const fed = await run(dir, ["feed", name, "-q"], { input: `${messages.join("\n")}\n` });
    expect(fed.code).toBe(0);
  }
}

/** A Spool HTTP app served on 127.0.0.1, port 0, for remote-pool tests. */
export interface ServedApp {
  app: SpoolApp;
  base: string;
  close(): Promise<void>;
}

/** Serves `createApp(options)` with @hono/node-server; `close` stops the app and the socket. */
export async function serveApp(options: CreateAppOptions): Promise<ServedApp> {
  const app = createApp(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  return {
    app,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await app.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
