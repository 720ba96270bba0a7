/**
 * `spool tap POOL -- CMD ARGS...`: run a command, pass its stdin through, echo its output, and
 * record every stdout and stderr line as a message, plus a `start` and an `exit` message.
 *
 * Invariants: messages are appended in the order the lines were read (one queue for both
 * streams); line data is `{"stream":"stdout"|"stderr","line":…}` tagged with the stream name;
 * `start` is `{"event":"start","command":[…],"pid":N}` and `exit` is
 * `{"event":"exit","code":N|null,"signal":S|null,"elapsed_ms":N}`; SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT are forwarded to the child; the status is the child's code, or 128 + signal number.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { StringDecoder } from "node:string_decoder";
import { type AppendInput, checkTag, isSpoolError, SpoolError } from "@spool/core";
import * as z from "zod/mini";
import type { CommandModule } from "../lib/command.js";
import { toSpoolError, usage } from "../lib/errors.js";
import { Output, setStdoutClosedHandler } from "../lib/io.js";
import { notice } from "../lib/notices.js";
import { commandOptions } from "../lib/option-table.js";
import {
  CREATE_OPTIONS,
  createRequest,
  ENGINE_OPTIONS,
  engineAccess,
  POOL_OPERAND,
  TAG_OPTION,
} from "../lib/shared-options.js";
import { openTarget, type PoolTarget } from "../lib/target.js";

const OPTIONS = commandOptions(
  "tap",
  { pool: POOL_OPERAND },
  {
    ...CREATE_OPTIONS,
    ...ENGINE_OPTIONS,
    tag: { ...TAG_OPTION, describe: "Extra tag for every message (repeatable)" },
    silent: { type: "boolean", describe: "Record without echoing the command's output" },
  },
  // the command line after `--`
  { "--": z.array(z.string()) },
);

const MAX_LINE = 64 * 1024;
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;

export const command: CommandModule = {
  builder: (y) =>
    OPTIONS.builder(y).example(
      "spool tap dev -- npm run dev",
      "record a dev server's output in the pool `dev`",
    ),

  async run(raw, ctx) {
    const args = OPTIONS.parse({
      ...raw,
      "--": ((raw["--"] as unknown[] | undefined) ?? []).map(String),
    });
    const [cmd, ...cmdArgs] = args["--"];
    if (cmd === undefined)
      throw usage("tap needs a command to run after --", "example: spool tap dev -- npm run dev");
    for (const tag of args.tag) checkTag(tag);
    const target = await openTarget(args.pool, {
      dir: ctx.dir,
      create: createRequest(args, "tap"),
      engine: engineAccess(args),
    });
    const recorder = new Recorder(target, args.tag, (error) =>
      notice(
        ctx.io,
        "record_error",
        { error: error.toJSON() },
        `cannot record output: ${error.message}`,
      ),
    );
    const echo = { stdout: !args.silent, stderr: !args.silent };
    // Echo goes through buffered writers that are flushed before exit and that report a full
    // pipe: the child's stream is paused until it drains (like tee), so a slow reader neither
    // loses output at exit nor makes memory grow. A reader going away stops the echo.
    const paused: Partial<Record<"stdout" | "stderr", () => void>> = {};
    const stopEcho = (name: "stdout" | "stderr"): void => {
      echo[name] = false;
      paused[name]?.();
    };
    setStdoutClosedHandler(() => stopEcho("stdout"));
    const sinks = {
      stdout: ctx.io.out,
      stderr: new Output(process.stderr, () => stopEcho("stderr")),
    };
    const started = performance.now();
    const child = await start(cmd, cmdArgs);
    recorder.push([
      {
        data: { event: "start", command: [cmd, ...cmdArgs], pid: child.pid ?? null },
        tags: ["start", ...args.tag],
      },
    ]);
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = FORWARDED.map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const streams = (["stdout", "stderr"] as const).map((name) => {
      const source = child[name];
      const lines = new LineSplitter();
      source?.on("data", (chunk: Buffer) => {
        recorder.lines(name, lines.push(chunk));
        const wait = echo[name] ? sinks[name].write(chunk) : undefined;
        if (wait && source) {
          source.pause();
          const resume = (): void => {
            if (paused[name] !== resume) return;
            delete paused[name];
            source.resume();
          };
          paused[name] = resume;
          void wait.then(resume);
        }
      });
      return new Promise<void>(
        (resolve) =>
          source?.on("end", () => {
            recorder.lines(name, lines.end());
            resolve();
          }) ?? resolve(),
      );
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("exit", (c, s) => resolve([c, s])),
    );
    await Promise.all(streams);
    for (const [sig, handler] of handlers) process.off(sig, handler);
    recorder.push([
      {
        data: { event: "exit", code, signal, elapsed_ms: Math.round(performance.now() - started) },
        tags: ["exit", ...args.tag],
      },
    ]);
    await recorder.done();
    await sinks.stderr.flush();
    target.close();
    if (code !== null) return code;
    return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
  },
};

/** Starts the child; a command that cannot start is an error of spool (NotFound/Permission). */
function start(cmd: string, cmdArgs: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { stdio: ["inherit", "pipe", "pipe"] });
    child.once("spawn", () => resolve(child));
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT")
        reject(
          new SpoolError("NotFound", `command not found: ${cmd}`, {
            hint: "check the command name and PATH",
            cause: error,
          }),
        );
      else if (error.code === "EACCES")
        reject(
          new SpoolError("Permission", `command is not executable: ${cmd}`, {
            hint: "check the file's mode (chmod +x)",
            cause: error,
          }),
        );
      else reject(toSpoolError(error));
    });
  });
}

/** Splits a byte stream into text lines (without `\n` or a trailing `\r`); caps line length. */
class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  #carry = "";
  push(chunk: Buffer): string[] {
    const text = this.#carry + this.#decoder.write(chunk);
    const parts = text.split("\n");
    this.#carry = parts.pop() ?? "";
    const lines: string[] = [];
    // a complete line longer than MAX_LINE is split too, not only the unfinished carry
    for (const part of parts) lines.push(...capped(part.endsWith("\r") ? part.slice(0, -1) : part));
    while (this.#carry.length > MAX_LINE) {
      lines.push(this.#carry.slice(0, MAX_LINE));
      this.#carry = this.#carry.slice(MAX_LINE);
    }
    return lines;
  }
  end(): string[] {
    const rest = this.#carry + this.#decoder.end();
    this.#carry = "";
    return rest === "" ? [] : capped(rest.endsWith("\r") ? rest.slice(0, -1) : rest);
  }
}

/** `line` in pieces of at most MAX_LINE characters. */
function capped(line: string): string[] {
  if (line.length <= MAX_LINE) return [line];
  const pieces: string[] = [];
  for (let i = 0; i < line.length; i += MAX_LINE) pieces.push(line.slice(i, i + MAX_LINE));
  return pieces;
}

/**
 * Appends in arrival order through one queue; a batch refused as Usage is retried line by line;
 * reports the first failure and keeps going.
 */
class Recorder {
  #queue: Promise<void> = Promise.resolve();
  #failed = false;
  constructor(
    readonly target: PoolTarget,
    readonly tags: readonly string[],
    readonly report: (error: SpoolError) => void,
  ) {}
  lines(stream: "stdout" | "stderr", lines: readonly string[]): void {
    if (lines.length === 0) return;
    const tags = [stream, ...this.tags];
    this.push(lines.map((line) => ({ data: { stream, line }, tags })));
  }
  push(inputs: AppendInput[]): void {
    this.#queue = this.#queue.then(async () => {
      try {
        await this.target.append(inputs);
        return;
      } catch (error) {
        if (inputs.length === 1 || !isSpoolError(error, "Usage")) return this.#fail(error);
      }
      for (const input of inputs) {
        try {
          await this.target.append([input]); // one bad line (e.g. too large) must not lose the others
        } catch (error) {
          this.#fail(error);
        }
      }
    });
  }
  #fail(error: unknown): void {
    if (!this.#failed) this.report(toSpoolError(error));
    this.#failed = true;
  }
  done(): Promise<void> {
    return this.#queue;
  }
}
