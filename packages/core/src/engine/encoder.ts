/**
 * Encoding messages into frames outside the lock: data to UTF-8 JSON bytes, tags to their
 * canonical JSON array, both written straight into a reused scratch buffer with the payload CRC.
 *
 * Invariants: stored data is a single line of valid JSON (a value is serialised compactly; JSON
 * text goes through json-text's `normaliseJsonText`, the one rule every surface shares, so JSONL
 * output that splices it stays one line per message); user input that is not
 * JSON-serialisable is refused with a Usage error before any byte reaches the pool.
 */
import { SpoolError } from "../errors.js";
import { DATA_SEPARATOR, FRAME_HEADER_SIZE, frameLength, PAYLOAD_SUFFIX } from "../format/frame.js";
import { normaliseJsonText, stringifyData } from "../json-text.js";
import { encodeTags } from "../validate.js";

/** One message to append: a JS value, or JSON text/bytes the caller already encoded. */
export type AppendInput =
  | { data: unknown; json?: undefined; tags?: readonly string[] | undefined }
  | {
      json: string | Uint8Array;
      trusted?: boolean;
      data?: undefined;
      tags?: readonly string[] | undefined;
    };

/** Where an encoded frame sits in the scratch buffer. */
export interface EncodedFrame {
  at: number;
  length: number;
  tagsLen: number;
  dataLen: number;
}

export class FrameEncoder {
  #buf: Buffer = Buffer.allocUnsafe(64 * 1024);

  get buffer(): Buffer {
    return this.#buf;
  }

  #ensure(bytes: number, keep: number): void {
    if (bytes <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(bytes, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, keep);
    this.#buf = next;
  }

  /** Encodes `inputs` back to back from offset 0 of the scratch buffer. */
  encode(inputs: readonly AppendInput[]): EncodedFrame[] {
    const frames: EncodedFrame[] = [];
    let at = 0;
    for (const input of inputs) {
      if (typeof input !== "object" || input === null) {
        throw new SpoolError("Usage", "each batch item must be an object such as {data, tags}", {
          hint: 'pass items like {"data": {...}, "tags": ["build"]} or {"json": "..."}',
        });
      }
      const tags = encodeTags(input.tags);
      let text: string | undefined;
      let bytes: Uint8Array | undefined;
      if (input.json !== undefined) {
        if (typeof input.json !== "string" && !((input.json as unknown) instanceof Uint8Array)) {
          throw new SpoolError(
            "Usage",
            `JSON input must be text or UTF-8 bytes, not ${input.json === null ? "null" : typeof input.json}`,
            {
              hint: "pass JSON text such as '{\"ok\":true}', or append the value itself with append()",
            },
          );
        }
        if (typeof input.json === "string") {
          text = normaliseJsonText(input.json, { trusted: input.trusted === true });
        } else if (
          input.trusted === true &&
          input.json.indexOf(0x0a) < 0 &&
          input.json.indexOf(0x0d) < 0 &&
          input.json.length > 0
        ) {
          bytes = input.json;
        } else {
          text = normaliseJsonText(input.json, { trusted: input.trusted === true });
        }
      } else {
        text = stringifyData(input.data);
      }
      const tagsLen = tags.length; // equals the byte length when the tags are pure ASCII
      const tagsBytes = Buffer.byteLength(tags, "utf8");
      const maxData = bytes ? bytes.length : (text as string).length * 3;
      this.#ensure(at + frameLength(tagsBytes, maxData), at);
      const buf = this.#buf;
      const payload = at + FRAME_HEADER_SIZE;
      const writtenTags =
        tagsLen === tagsBytes
          ? buf.write(tags, payload, "latin1")
          : buf.write(tags, payload, "utf8");
      const dataAt = payload + writtenTags + DATA_SEPARATOR.copy(buf, payload + writtenTags);
      let dataLen: number;
      if (bytes) {
        buf.set(bytes, dataAt);
        dataLen = bytes.length;
      } else {
        dataLen = buf.write(text as string, dataAt, "utf8");
      }
      PAYLOAD_SUFFIX.copy(buf, dataAt + dataLen);
      const length = frameLength(writtenTags, dataLen);
      frames.push({ at, length, tagsLen: writtenTags, dataLen });
      at += length;
    }
    return frames;
  }
}
