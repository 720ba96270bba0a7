/**
 * One job of `spool work`: the command run once for one delivered message, with the message's
 * envelope on stdin (one JSONL line, the bytes `spool fetch` prints) and the delivery in its
 * environment (SPOOL_POOL, SPOOL_GROUP, SPOOL_SEQ, SPOOL_ATTEMPT, SPOOL_MEMBER).
 *
 * Invariants: the child's stdout is spool's stdout (inherited, untouched); its stderr is passed
 * through to spool's stderr as it comes, and its last line is kept for the failure text; a job
 * that cannot start (not on PATH, not executable) reports why instead of an exit status; a child
 * that does not read its stdin is not an error; the job ends when the child exits (a grandchild
 * keeping stderr open does not hold it).
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { SpoolError } from "@spool/core";

/** What the job's environment says about its delivery. */
export interface JobEnv {
  /** The pool reference as given to `spool work`. */
  pool: string;
  group: string;
  seq: number;
  attempt: number;
  member: string;
}

/** How a job ended. */
export type JobEnd =
  | { ok: true }
  | {
      ok: false;
      code: number | null;
      signal: NodeJS.Signals | null;
      /** The failure text a nack records. */
      error: string;
      /** Set when the command could not be started at all. */
      startError?: SpoolError;
    };

/** Stderr lines longer than this are not quoted in the failure text. */
const SHORT_LINE = 200;
/** Stderr bytes kept to find the last line. */
const TAIL_BYTES = 4096;
/** How long a job waits for the rest of stderr after the child exited. */
const STDERR_GRACE_MS = 100;

/** A started job: `end` resolves when the child exited; `kill` signals it. */
export interface Job {
  readonly end: Promise<JobEnd>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Checks that `command` can be started (on PATH, or a path to an executable file): the first
 * job's failure would otherwise cost every message an attempt.
 */
export function checkCommand(command: string, path = process.env.PATH ?? ""): void {
  const candidates = command.includes("/")
    ? [command]
    : path
        .split(delimiter)
        .filter((dir) => isAbsolute(dir))
        .map((dir) => join(dir, command));
  let found = false;
  for (const file of candidates) {
    try {
      accessSync(file, constants.F_OK);
      found = true;
      accessSync(file, constants.X_OK);
      return;
    } catch {}
  }
  if (found) {
    throw new SpoolError("Permission", `command is not executable: ${command}`, {
      hint: "check the file's mode (chmod +x)",
    });
  }
  throw new SpoolError("NotFound", `command not found: ${command}`, {
    hint: "check the command name and PATH (the command comes after --)",
  });
}

/** The failure text of a child's end: `exit code N` or `signal S`, and a short last stderr line. */
export function failureText(
  code: number | null,
  signal: NodeJS.Signals | null,
  lastLine: string,
): string {
  const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
  return lastLine !== "" && lastLine.length <= SHORT_LINE ? `${how}: ${lastLine}` : how;
}

/** The last non-empty line of `text`, trimmed. */
export function lastLineOf(text: string): string {
  const lines = text.split("\n").map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i] !== "") return lines[i] as string;
  return "";
}

/** Starts one job; `input` is the envelope line written to its stdin. */
export function startJob(
  argv: readonly string[],
  input: Uint8Array,
  env: JobEnv,
  stderr: (chunk: Buffer) => void,
): Job {
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, {
    stdio: ["pipe", "inherit", "pipe"],
    env: {
      ...process.env,
      SPOOL_POOL: env.pool,
      SPOOL_GROUP: env.group,
      SPOOL_SEQ: String(env.seq),
      SPOOL_ATTEMPT: String(env.attempt),
      SPOOL_MEMBER: env.member,
    },
  });
  let tail = "";
  const stderrEnded = new Promise<void>((resolve) => {
    if (!child.stderr) return resolve();
    child.stderr.on("data", (chunk: Buffer) => {
      stderr(chunk);
      tail = (tail + chunk.toString("utf8")).slice(-TAIL_BYTES);
    });
    child.stderr.on("end", resolve);
    child.stderr.on("error", () => resolve());
  });
  child.stdin?.on("error", () => {}); // a child that does not read its stdin
  child.stdin?.end(input);
  const end = new Promise<JobEnd>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      const startError =
        error.code === "ENOENT"
          ? new SpoolError("NotFound", `command not found: ${command}`, {
              hint: "check the command name and PATH (the command comes after --)",
              cause: error,
            })
          : error.code === "EACCES"
            ? new SpoolError("Permission", `command is not executable: ${command}`, {
                hint: "check the file's mode (chmod +x)",
                cause: error,
              })
            : new SpoolError("Io", `cannot start ${command}: ${error.message}`, {
                hint: "check the command and the system's process limits",
                cause: error,
              });
      resolve({ ok: false, code: null, signal: null, error: startError.message, startError });
    });
    child.once("exit", (code, signal) => {
      void Promise.race([stderrEnded, delay(STDERR_GRACE_MS)]).then(() =>
        resolve(
          code === 0
            ? { ok: true }
            : { ok: false, code, signal, error: failureText(code, signal, lastLineOf(tail)) },
        ),
      );
    });
  });
  return {
    end,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
