/**
 * Test fixtures of the browser tests: a real `spool serve` from the built CLI
 * (packages/cli/dist/cli.js) on a free loopback port over a temp pool directory, and other
 * processes using its pools (the CLI on the directory, a load generator over HTTP).
 *
 * Invariants: refuses a missing CLI build or console build with a message saying what to build;
 * every child is killed and the directory removed by `dispose()`; every wait is bounded.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../../cli/dist/cli.js", import.meta.url));
export const BUILT_PAGE = fileURLToPath(new URL("../../dist/ui/index.html", import.meta.url));
export const LOAD = fileURLToPath(new URL("./load.mjs", import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`build the CLI first: ${CLI} is missing`);
  if (!existsSync(BUILT_PAGE)) {
    throw new Error(
      `build the console first (cd packages/console && npx vite build): ${BUILT_PAGE} is missing`,
    );
  }
}

export interface SpoolServer {
  url: string;
  dir: string;
  /** Runs the CLI on the server's pool directory (another process than server and test). */
  cli(...args: string[]): Promise<string>;
  /** Starts a child process that appends `rate` messages/s for `seconds` s to `pool`. */
  load(pool: string, rate: number, seconds: number, token: string): ChildProcess;
  dispose(): Promise<void>;
}

export async function startSpool(tokens: Record<string, string>): Promise<SpoolServer> {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), "spool-console-"));
  const pools = join(dir, "pools");
  const tokenFile = join(dir, "tokens.txt");
  writeFileSync(
    tokenFile,
    Object.entries(tokens)
      .map(([token, access]) => `${token} ${access}`)
      .join("\n"),
    { mode: 0o600 },
  );
  const children = new Set<ChildProcess>();
  const server = spawn(
    process.execPath,
    [CLI, "serve", "--dir", pools, "--port", "0", "--token-file", tokenFile, "--quiet"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(server);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`spool serve did not start: ${seen}`)), 15_000);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"msg":"listening","url":"([^"]+)"/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    server.stdout?.on("data", onData);
    server.stderr?.on("data", onData);
    server.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`spool serve exited with ${code}: ${seen}`));
    });
  });
  return {
    url,
    dir: pools,
    cli: (...args) =>
      new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          [CLI, ...args, "--dir", pools],
          { timeout: 15_000 },
          (error, stdout, stderr) =>
            error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout),
        );
      }),
    load(pool, rate, seconds, token) {
      const child = spawn(
        process.execPath,
        [LOAD, url, pool, String(rate), String(seconds), token],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      children.add(child);
      return child;
    },
    async dispose() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the child's stdout when it exits 0 (rejects otherwise, or after `ms`). */
export function finished(child: ChildProcess, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => reject(new Error(`process still running after ${ms} ms`)), ms);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`process exited with ${code}`));
    });
  });
}
