/**
 * Running child processes for drivers and fixtures: bounded in time, output collected, stdin
 * written and closed.
 *
 * Invariants: every child is killed (SIGKILL) when its time limit passes, and the promise then
 * rejects with the partial output; a child that cannot be started rejects; nothing here ever
 * waits without a limit.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** How a child ended and what it printed. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is closed at once without it). */
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the child after this long (default 30 s). */
  timeoutMs?: number;
}

/**
 * Runs `command args` to completion.
 *
 * @example
 * const r = await runProcess(process.execPath, ["-e", "console.log(1)"], { timeoutMs: 5000 });
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `${command} ${args.join(" ")} did not finish within ${timeoutMs} ms (killed); stdout=${stdout.slice(0, 300)} stderr=${stderr.slice(0, 300)}`,
        ),
      );
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on("error", () => {}); // a child that exits without reading its input
    child.stdin.end(options.input ?? "");
  });
}

/** The built helper process script (dist/child.js), from the source tree or from dist. */
export function childScript(): string {
  for (const candidate of ["./child.js", "../dist/child.js", "../../dist/child.js"]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error("dist/child.js is missing: build @spool/conformance first (pnpm build)");
}
