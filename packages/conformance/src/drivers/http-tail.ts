/**
 * A conformance tail over HTTP (manifest-v0.md §3): replay from `since` or the newest `last`, up
 * to `max` matches, ending when caught up. HTTP has no "stop when caught up" mode, so the pool's
 * newest seq is read first and the tail is closed once that message was delivered; when a filter
 * hides it (or nothing is at or after `since`), the server's idle `timeout_ms` ends the tail.
 *
 * Invariants: the tail's options reach the SDK unchecked (the SDK, then the server, must refuse
 * bad ones); nothing is appended during a tail step, so the idle timeout only bounds the wait;
 * the info request is the driver's, so it is dropped from the step's recorded exchanges; gaps
 * are the SDK's `onGap` reports (the server's gap lines), in order; `lines` are the envelope
 * lines byte for byte as received (the SDK's `toJsonLine`). With `transport: "websocket"` (the ws
 * driver) the same tail runs over the WebSocket tail, whose message frames are those bytes.
 */
import type { Gap, RemotePool, TailOptions, TailTransport } from "@spool/client";
import type { Recorder } from "./http-wire.js";
import { tailInputOptions } from "./inputs.js";

/**
 * The idle `timeout_ms` of a conformance tail that cannot stop on seeing the pool's newest
 * message (a filter hides it, or nothing is at or after `since`). Nothing is appended during a
 * tail step, so it only bounds the wait after the last match; it is generous so that a server
 * starved of CPU mid-replay is not mistaken for one that has caught up.
 */
export const TAIL_IDLE_MS = 1_000;

const strict = new TextDecoder("utf-8", { fatal: true });

/** A JSONL line's text without its newline: the bytes as the server sent them. */
export function lineText(line: Uint8Array): string {
  return strict.decode(line[line.length - 1] === 0x0a ? line.subarray(0, line.length - 1) : line);
}

/**
 * Runs one conformance tail on `pool`.
 *
 * @example
 * const { messages, gaps } = await caughtUpTail(client.pool("t"), { since: 1 }, recorder);
 */
export async function caughtUpTail(
  pool: RemotePool,
  input: Record<string, unknown>,
  recorder: Recorder,
  transport: TailTransport = "http",
): Promise<{ messages: unknown[]; gaps: Gap[]; lines: string[] }> {
  const gaps: Gap[] = [];
  const options: TailOptions = {
    ...tailInputOptions(input),
    ...(transport === "http" ? {} : { transport }),
    timeoutMs: TAIL_IDLE_MS,
    onGap: (gap) => gaps.push(gap),
  };
  // Caught up = the newest seq when the tail starts (nothing is appended during the step).
  // A failing info (a missing pool) is left to the tail request to report.
  const newest = await pool.info().then(
    (info) => info.bounds?.newest ?? 0,
    () => Number.POSITIVE_INFINITY,
  );
  recorder.reset(); // the info request is the driver's, not the step's
  const messages: unknown[] = [];
  const lines: string[] = [];
  for await (const message of pool.tail(options)) {
    messages.push(message.toJSON());
    lines.push(lineText(message.toJsonLine()));
    if (message.seq >= newest) break;
  }
  return { messages, gaps: gaps.map(({ from, to, count }) => ({ from, to, count })), lines };
}
