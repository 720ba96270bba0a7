/**
 * Terminal facts and the buffered, backpressure-aware stdout writer every command uses.
 *
 * Invariants: whether a stream is a terminal is decided once per process; colour follows
 * `--color` (auto: only on a terminal, never with NO_COLOR, always with FORCE_COLOR); writes to
 * stdout are batched per tick, wait for 'drain' when the pipe is full (memory stays bounded), and
 * a closed pipe (EPIPE, e.g. `spool follow x | head -1`) ends the process quietly with status 0,
 * unless a command chose otherwise (feed and tap keep working and stop printing); `afterWrites`
 * callbacks run, in order, once the stream has written everything queued before them (true), or
 * once it is known it never will (false: the reader went away).
 */
import { fstatSync, statSync } from "node:fs";

/** `--color` values. */
export type ColorMode = "auto" | "always" | "never";

/** What a command knows about its terminal and output. */
export interface Io {
  readonly stdinTty: boolean;
  readonly stdoutTty: boolean;
  readonly stderrTty: boolean;
  /** Colour on stdout. */
  readonly color: boolean;
  /** Colour on stderr. */
  readonly colorErr: boolean;
  readonly out: Output;
  /** Writes one line (a newline is added) to stderr, synchronously enough for notices. */
  errLine(text: string): void;
  /** Writes raw text to stderr (progress lines use `\r`). */
  errRaw(text: string): void;
}

function wantsColor(mode: ColorMode, tty: boolean, env: NodeJS.ProcessEnv): boolean {
  if (mode === "always") return true;
  if (mode === "never") return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0")
    return true;
  return tty && env.TERM !== "dumb";
}

let stderrGuarded = false;

/** Builds the Io of this process for a colour mode. */
export function createIo(mode: ColorMode = "auto", env: NodeJS.ProcessEnv = process.env): Io {
  if (!stderrGuarded) {
    stderrGuarded = true;
    process.stderr.on("error", () => {}); // a closed stderr must not crash the command
  }
  const stdoutTty = process.stdout.isTTY === true;
  const stderrTty = process.stderr.isTTY === true;
  return {
    stdinTty: process.stdin.isTTY === true,
    stdoutTty,
    stderrTty,
    color: wantsColor(mode, stdoutTty, env),
    colorErr: wantsColor(mode, stderrTty, env),
    out: stdout(),
    errLine: (text) => {
      process.stderr.write(`${text}\n`);
    },
    errRaw: (text) => {
      process.stderr.write(text);
    },
  };
}

const FLUSH_BYTES = 64 * 1024;

/** Called once what was queued before it was written (true), or can no longer be (false). */
export type WrittenCallback = (written: boolean) => void;

/**
 * A buffered writer over a Node writable stream. `write` queues; the queue is flushed when it
 * passes 64 KiB or on the next macrotask, and `write` returns a promise only when the caller
 * must wait for the stream to drain.
 */
export class Output {
  readonly #stream: NodeJS.WritableStream;
  #pending: (string | Uint8Array)[] = [];
  #pendingBytes = 0;
  /** Callbacks waiting for the queued (not yet flushed) bytes. */
  #pendingCallbacks: WrittenCallback[] = [];
  /** Flushed writes whose stream callback has not fired yet, oldest first. */
  #inFlight: WrittenCallback[][] = [];
  #scheduled: NodeJS.Immediate | undefined;
  #drain: Promise<void> | undefined;
  #closed = false;

  constructor(stream: NodeJS.WritableStream, onClosed: () => void) {
    this.#stream = stream;
    // EPIPE (the reader went away) is the common case; any other write error (EIO after a
    // terminal hang-up, …) also means nobody can read what we print, so it ends output the same way.
    stream.on("error", () => {
      this.#close();
      onClosed();
    });
  }

  /** Output ends: nothing queued or in flight will be written. */
  #close(): void {
    this.#closed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    const waiting = [...this.#inFlight.flat(), ...this.#pendingCallbacks];
    this.#inFlight = [];
    this.#pendingCallbacks = [];
    for (const callback of waiting) callback(false);
  }

  /**
   * Calls `callback(true)` once everything written so far reached the stream (its write
   * callback fired), or `callback(false)` when it never will (the reader went away).
   */
  afterWrites(callback: WrittenCallback): void {
    if (this.#closed) queueMicrotask(() => callback(false));
    else if (this.#pending.length > 0) this.#pendingCallbacks.push(callback);
    else {
      const last = this.#inFlight[this.#inFlight.length - 1];
      if (last) last.push(callback);
      else queueMicrotask(() => callback(true));
    }
  }

  /** True once the reader went away (EPIPE, or seen by `watchReader`). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Notices a pipe's reader going away even while nothing is written (a quiet `follow | head -1`
   * would otherwise wait for its next message): checks `fd` every 200 ms without writing to it.
   * The timer does not keep the process alive.
   */
  watchReader(isReaderGone: () => boolean, onClosed: () => void): void {
    const timer = setInterval(() => {
      if (this.#closed || !isReaderGone()) return;
      clearInterval(timer);
      this.#close();
      onClosed();
    }, 200);
    timer.unref();
  }

  /** Queues `chunk`; resolves when it is safe to write more (a full pipe makes callers wait). */
  write(chunk: string | Uint8Array): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= FLUSH_BYTES) return this.#flushNow();
    this.#scheduled ??= setImmediate(() => {
      this.#scheduled = undefined;
      void this.#flushNow();
    });
    return this.#drain;
  }

  /** Writes everything queued and waits until the stream accepted it. */
  async flush(): Promise<void> {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    await this.#flushNow();
  }

  #flushNow(): Promise<void> | undefined {
    if (this.#pending.length === 0 || this.#closed) return this.#drain;
    const parts = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    const chunk = parts.length === 1 ? (parts[0] as string | Uint8Array) : joinParts(parts);
    const callbacks = this.#pendingCallbacks;
    this.#pendingCallbacks = [];
    this.#inFlight.push(callbacks);
    const ok = this.#stream.write(chunk, (error) => {
      const at = this.#inFlight.indexOf(callbacks);
      if (at < 0) return; // already failed by #close
      // writes complete in order: the ones before have completed too
      const done = this.#inFlight.splice(0, at + 1).flat();
      for (const callback of done) callback(!error);
    });
    if (!ok && !this.#drain) {
      this.#drain = new Promise<void>((resolve) => {
        const done = (): void => {
          this.#stream.off("drain", done);
          this.#stream.off("close", done);
          this.#drain = undefined;
          resolve();
        };
        this.#stream.on("drain", done);
        this.#stream.on("close", done);
      });
    }
    return this.#drain;
  }
}

function joinParts(parts: (string | Uint8Array)[]): string | Buffer {
  if (parts.every((p) => typeof p === "string")) return (parts as string[]).join("");
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
}

let stdoutWriter: Output | undefined;
let onStdoutClosed: () => void = () => process.exit(0);

/** The process-wide stdout writer. */
export function stdout(): Output {
  if (!stdoutWriter) {
    const writer = new Output(process.stdout, () => onStdoutClosed());
    stdoutWriter = writer;
    if (isPipe(1)) {
      void import("@spool/core").then(({ isReaderGone }) => {
        writer.watchReader(
          () => isReaderGone(1),
          () => onStdoutClosed(),
        );
      });
    }
  }
  return stdoutWriter;
}

/** True when `fd` is a pipe or socket (where a reader can go away). */
function isPipe(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  } finally {
    // Node 20's cached fs.realpathSync (used by its ESM resolver) reads a process-wide stat
    // buffer that still describes the last file stat-ed; left describing a pipe, a later lazy
    // import of a symlinked workspace package resolves to the link, where the package's own
    // dependencies are not found (ERR_MODULE_NOT_FOUND). Stat a regular file to reset it.
    statSync(process.execPath, { throwIfNoEntry: false });
  }
}

/** Replaces what happens when stdout's reader goes away (default: exit 0 quietly). */
export function setStdoutClosedHandler(handler: () => void): void {
  onStdoutClosed = handler;
}
