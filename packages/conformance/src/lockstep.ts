/**
 * Concurrent writers in lockstep: every writer process is started, then round after round each
 * is sent its next message (one JSON line on stdin) at the same moment, and the round ends when
 * every writer has acknowledged it (one receipt line on stdout). So all writers hold the pool
 * open together and their appends really contend for the lock and interleave, instead of
 * finishing one after another while the next process is still starting.
 *
 * Invariants: bounded in time (every child is killed when the limit passes); a writer that exits
 * early ends the rounds (its status and stderr are returned for the caller to report); stdin is
 * closed and every child has exited before this returns.
 */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { writerData } from "./drivers/inputs.js";
import type { RunResult } from "./process.js";

interface Writer {
  child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  lines: number;
  closed: Promise<RunResult>;
  waiters: (() => void)[];
}

function track(child: ChildProcessWithoutNullStreams): Writer {
  const writer: Writer = {
    child,
    stdout: "",
    stderr: "",
    lines: 0,
    waiters: [],
    closed: Promise.resolve({ code: null, signal: null, stdout: "", stderr: "" }),
  };
  const wake = () => {
    for (const waiter of writer.waiters.splice(0)) waiter();
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    writer.stdout += d;
    writer.lines += d.split("\n").length - 1;
    wake();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    writer.stderr += d;
  });
  child.stdin.on("error", () => {}); // a writer that died: its status tells why
  writer.closed = new Promise((resolve) => {
    child.on("close", (code, signal) => {
      wake();
      resolve({ code, signal, stdout: writer.stdout, stderr: writer.stderr });
    });
    child.on("error", (error) => {
      writer.stderr += String(error);
      wake();
      resolve({ code: null, signal: null, stdout: writer.stdout, stderr: writer.stderr });
    });
  });
  return writer;
}

const running = (w: Writer) => w.child.exitCode === null && w.child.signalCode === null;

function acknowledged(writer: Writer, lines: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (writer.lines >= lines || !running(writer)) resolve();
      else writer.waiters.push(check);
    };
    check();
  });
}

/**
 * Runs `writers` processes from `start(w)` for `count` rounds; message `n` of writer `w` is
 * `{"writer": w, "n": n}`. Returns each writer's exit and output.
 *
 * @example
 * const runs = await lockstep((w) => spawn("spool", ["feed", "p", "--file", "-", "--in", "jsonl"]), 4, 10, 30_000);
 */
export async function lockstep(
  start: (writer: number) => ChildProcessWithoutNullStreams,
  writers: number,
  count: number,
  timeoutMs: number,
): Promise<RunResult[]> {
  const all = Array.from({ length: writers }, (_, w) => track(start(w)));
  const timer = setTimeout(() => {
    for (const w of all) w.child.kill("SIGKILL");
  }, timeoutMs);
  try {
    for (let n = 0; n < count && all.every(running); n++) {
      all.forEach((w, i) => {
        w.child.stdin.write(`${JSON.stringify(writerData(i, n))}\n`);
      });
      await Promise.all(all.map((w) => acknowledged(w, n + 1)));
    }
    for (const w of all) w.child.stdin.end();
    const results = await Promise.all(all.map((w) => w.closed));
    if (results.some((r) => r.signal === "SIGKILL"))
      throw new Error(`concurrent writers did not finish within ${timeoutMs} ms (killed)`);
    return results;
  } finally {
    clearTimeout(timer);
  }
}
