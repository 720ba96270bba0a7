// The in-process ceilings of the HTTP cases, run by core alone inside the server's process
// (same heap, same JIT state, same CPU placement as the HTTP work it is compared with, and
// never at the same time as an HTTP run): appendBatch of pre-encoded JSON texts exactly as the
// batch route calls it, and a tailJsonl replay of a whole pool counting lines and bytes.
// Both are bounded (by wall time, and by the pool's size).
import { Pool } from "@spool/core";
import { nowMs } from "./measure.mjs";
import { makeEvents } from "./payload.mjs";

let texts;

/** Appends batches of `size` events ({ json, trusted: true }) to `path` for `ms`; returns { messages, seconds }. */
export function appendBatchFor(path, size, ms) {
  texts ??= makeEvents(1000).map((e) => JSON.stringify(e));
  const inputs = [];
  for (let b = 0; b < 8; b++) {
    const batch = [];
    for (let k = 0; k < size; k++)
      batch.push({ json: texts[(b * size + k) % texts.length], trusted: true });
    inputs.push(batch);
  }
  const pool = Pool.open(path);
  try {
    const start = nowMs();
    let calls = 0;
    // Checked after every call: one call of 1,000 messages takes milliseconds.
    do pool.appendBatch(inputs[calls++ % inputs.length]);
    while (nowMs() - start < ms);
    return { messages: calls * size, seconds: (nowMs() - start) / 1000 };
  } finally {
    pool.close();
  }
}

function countLines(chunk) {
  let lines = 0;
  for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
  return lines;
}

/** Replays all of `path` with tailJsonl `passes` times; throws unless each pass reads `expect` lines. */
export async function replayFor(path, expect, passes) {
  const pool = Pool.open(path);
  try {
    const start = nowMs();
    let lines = 0;
    let bytes = 0;
    for (let pass = 0; pass < passes; pass++) {
      let passLines = 0;
      for await (const chunk of pool.tailJsonl({ since: 1, follow: false })) {
        passLines += countLines(chunk);
        bytes += chunk.length;
      }
      if (passLines !== expect)
        throw new Error(`tailJsonl read ${passLines} lines, expected ${expect}`);
      lines += passLines;
    }
    return { lines, bytes, seconds: (nowMs() - start) / 1000 };
  } finally {
    pool.close();
  }
}
