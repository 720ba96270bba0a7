/**
 * JSON Lines from a byte stream: splits a `ReadableStream<Uint8Array>`'s chunks on newline bytes.
 *
 * Invariants: lines are found with `indexOf(0x0a)` on the bytes (no text decoding, no string
 * concatenation); a line inside one chunk costs one copy of its bytes; a line spread over chunks
 * is assembled once, when its newline arrives, from the pieces held so far (so memory is one chunk
 * plus one partial line); each yielded line is a fresh Uint8Array that includes its newline and
 * that the consumer owns; empty lines are skipped; bytes after the last newline are reported as
 * an unterminated tail (`partial`) instead of a line, because a cut-off envelope is not a message.
 */

/** Lines of a byte stream, each with its trailing newline. */
export interface LineSource {
  /** The next line, or undefined at the end of the stream. */
  next(): Promise<Uint8Array | undefined>;
  /** Bytes left after the last newline when the stream ended (0 for a clean end). */
  readonly partial: number;
}

/**
 * Reads newline-terminated lines from `reader`, one `read()` only when the buffered chunk has no
 * more complete lines.
 *
 * @example
 * const lines = lineReader(response.body!.getReader());
 * for (let line = await lines.next(); line; line = await lines.next()) handle(line);
 */
export function lineReader(reader: ReadableStreamDefaultReader<Uint8Array>): LineSource {
  let chunk: Uint8Array = new Uint8Array(0);
  let pos = 0;
  let pieces: Uint8Array[] = [];
  let pieceBytes = 0;
  let ended = false;

  async function next(): Promise<Uint8Array | undefined> {
    for (;;) {
      while (pos < chunk.length) {
        const nl = chunk.indexOf(0x0a, pos);
        if (nl < 0) {
          pieces.push(chunk.subarray(pos));
          pieceBytes += chunk.length - pos;
          pos = chunk.length;
          break;
        }
        const start = pos;
        pos = nl + 1;
        if (pieces.length === 0) {
          if (nl === start) continue;
          return chunk.slice(start, pos);
        }
        const line = new Uint8Array(pieceBytes + (pos - start));
        let at = 0;
        for (const piece of pieces) {
          line.set(piece, at);
          at += piece.length;
        }
        line.set(chunk.subarray(start, pos), at);
        pieces = [];
        pieceBytes = 0;
        return line;
      }
      if (ended) return undefined;
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        return undefined;
      }
      chunk = value;
      pos = 0;
    }
  }

  return {
    next,
    get partial() {
      return pieceBytes;
    },
  };
}
