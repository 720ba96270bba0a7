/**
 * Child processes for multi-process tests: spawn a fixture script under the same Node binary,
 * collect its stdout as complete lines (a line cut short by a kill is kept apart, never parsed
 * as data), wait for a line or for the exit, and make sure no child outlives its test.
 *
 * Fixtures import the BUILT package (dist/), so `assertBuilt` refuses to run against a dist
 * older than src: a stale build would test yesterday's code.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const testDir = dirname(dirname(fileURLToPath(import.meta.url)));
const packageDir = dirname(testDir);

/** Absolute path of a script in test/fixtures. */
export function fixture(name: string): string {
  return join(testDir, "fixtures", name);
}

/** Newest modification time of the files under `dir`, unit tests excluded. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (!entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Throws unless dist/index.js exists and is newer than every source file in src/. */
export function assertBuilt(): void {
  const dist = join(packageDir, "dist", "index.js");
  if (!existsSync(dist))
    throw new Error(`${dist} is missing: run \`npx tsup\` in packages/core first`);
  if (statSync(dist).mtimeMs < newestMtime(join(packageDir, "src"))) {
    throw new Error(`${dist} is older than src/: run \`npx tsup\` in packages/core first`);
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  readonly pid: number;
  readonly proc: ChildProcess;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  /** Stdout text after the last newline (what a kill cut short). */
  partial(): string;
  stderr(): string;
  /** Resolves with the first line (from line `from` on) that matches; rejects on exit or timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, from?: number): Promise<string>;
  readonly exited: Promise<Exit>;
  /** True once the process has exited. */
  done(): boolean;
  send(text: string): void;
  kill(signal: NodeJS.Signals): void;
}

const live = new Set<Child>();

export interface StartOptions {
  env?: Record<string, string>;
}

/** Starts `node <script> ...args` with piped stdio. */
export function startChild(
  script: string,
  args: readonly string[],
  options: StartOptions = {},
): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  if (proc.pid === undefined) throw new Error(`could not start ${script}`);
  const lines: string[] = [];
  let rest = "";
  let err = "";
  let finished = false;
  const waiters = new Set<() => void>();
  proc.stdout.setEncoding("utf8");
  proc.stderr.setEncoding("utf8");
  proc.stdout.on("data", (chunk: string) => {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const part of parts) lines.push(part);
    for (const wake of [...waiters]) wake();
  });
  proc.stderr.on("data", (chunk: string) => {
    if (err.length < 64 * 1024) err += chunk;
  });
  proc.stdin.on("error", () => {}); // the child may die before reading its input
  const exited = new Promise<Exit>((resolve) => {
    proc.on("close", (code, signal) => {
      finished = true;
      live.delete(child);
      for (const wake of [...waiters]) wake();
      resolve({ code, signal });
    });
  });
  const child: Child = {
    pid: proc.pid,
    proc,
    lines,
    partial: () => rest,
    stderr: () => err,
    exited,
    done: () => finished,
    waitForLine(match, timeoutMs, from = 0) {
      return new Promise<string>((resolve, reject) => {
        let seen = from;
        const check = (): void => {
          for (; seen < lines.length; seen++) {
            const line = lines[seen] as string;
            if (match(line)) {
              settle(() => resolve(line));
              return;
            }
          }
          if (finished)
            settle(() =>
              reject(new Error(`${script} exited before the expected line; stderr: ${err}`)),
            );
        };
        const timer = setTimeout(
          () =>
            settle(() =>
              reject(
                new Error(
                  `timed out after ${timeoutMs} ms waiting for a line from ${script}; stderr: ${err}`,
                ),
              ),
            ),
          timeoutMs,
        );
        const settle = (fn: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          fn();
        };
        waiters.add(check);
        check();
      });
    },
    send(text) {
      if (!finished && proc.stdin.writable) proc.stdin.write(text);
    },
    kill(signal) {
      if (!finished) proc.kill(signal);
    },
  };
  live.add(child);
  return child;
}

/** Resolves with the exit, or kills the child and rejects after `timeoutMs`. */
export async function waitExit(child: Child, timeoutMs: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `child ${child.pid} did not exit within ${timeoutMs} ms; stderr: ${child.stderr()}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills every child still running (afterEach): no process outlives its test. */
export async function killAllChildren(): Promise<void> {
  const running = [...live];
  for (const child of running) child.kill("SIGKILL");
  await Promise.all(running.map((child) => child.exited));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
