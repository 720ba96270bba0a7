/**
 * Test helpers: temporary directories, a child process of the real `spool-server` bin with its
 * stderr read line by line, bounded waits, and raw bytes over a TCP socket (for requests no HTTP
 * client would send).
 *
 * Invariants: every wait has a timeout; every child is killed by `killAll` (call it in
 * afterEach); temporary directories are removed by `cleanup`; servers bind 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BIN = join(PACKAGE_DIR, "bin", "spool-server.js");

const dirs: string[] = [];

/** A fresh temporary directory, removed by `cleanup`. */
export function tempDir(prefix = "spool-server-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The environment of a child: no inherited Spool settings. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("SPOOL_")) env[k] = v;
  }
  return { ...env, ...extra };
}

export interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** stderr lines parsed as JSON (non-JSON lines skipped). */
  logs: () => Record<string, unknown>[];
  /** Resolves with the first JSON log line matching `test`. */
  waitForLog(
    test: (line: Record<string, unknown>) => boolean,
    ms?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) within `ms`. */
  exited(ms?: number): Promise<number | string>;
}

const children = new Set<ChildProcess>();

/** Spawns a node script (default: the bin) with `args`. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv, script = BIN): Child {
  // The bin imports dist; in-process tests import src (the @spool/source condition) instead.
  if (script === BIN && !existsSync(join(PACKAGE_DIR, "dist", "index.js")))
    throw new Error("build @spool/server first (npx -y pnpm@10.34.8 build)");
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    for (const w of [...waiters]) w();
  });
  const exit = new Promise<number | string>((res) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      res(code ?? signal ?? "unknown");
      for (const w of [...waiters]) w();
    });
  });
  const logs = (): Record<string, unknown>[] =>
    err
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    logs,
    waitForLog(test, ms = 10_000) {
      return new Promise((res, rej) => {
        const check = (): void => {
          const found = logs().find(test);
          if (found) {
            done();
            res(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            rej(new Error(`child exited before the log line; stderr=${err.slice(0, 2000)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          rej(new Error(`timed out waiting for a log line; stderr=${err.slice(0, 2000)}`));
        }, ms);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exited(ms = 10_000) {
      return Promise.race([
        exit,
        new Promise<never>((_, rej) =>
          setTimeout(() => rej(new Error(`child did not exit within ${ms} ms`)), ms).unref(),
        ),
      ]);
    },
  };
}

/** Waits until `check` is true (polling every 10 ms), failing after `ms`. */
export async function until(check: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Kills every child still running (afterEach). */
export function killAll(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** Runs the bin to completion (bounded) and returns its exit code and output. */
export async function runBin(
  args: string[],
  env: NodeJS.ProcessEnv,
  ms = 15_000,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawnNode(args, env);
  const code = await child.exited(ms);
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

export interface RawAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `bytes` as is to 127.0.0.1:`port` (then destroys the socket after `destroyAfterMs`, if
 * given) and parses what came back once the connection closed; rejects after `ms`.
 */
export function rawExchange(
  port: number,
  bytes: string,
  options: { destroyAfterMs?: number; ms?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(bytes);
      if (options.destroyAfterMs !== undefined) {
        setTimeout(() => socket.destroy(), options.destroyAfterMs);
      }
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${options.ms ?? 5000} ms`));
    }, options.ms ?? 5000);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", () => {
      // a reset after the answer leaves the answer to parse
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = text.slice(0, Math.max(end, 0)).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1] ?? 0);
      resolve({ status, headers, body: end < 0 ? "" : text.slice(end + 4) });
    });
  });
}
