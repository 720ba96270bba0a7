/**
 * Frame codec tests without files: seal → read → check round trips over random sizes, and every
 * single-byte corruption of a sealed frame is rejected (never validates as another message).
 */
import { describe, expect, it } from "vitest";
import {
  checkFrame,
  DATA_SEPARATOR,
  dataOffset,
  encodeWrapMarker,
  FRAME_HEADER_SIZE,
  frameLength,
  PAYLOAD_SUFFIX,
  readFrameHead,
  STATE_COMMITTED,
  STATE_OFFSET,
  sealFrame,
} from "./frame.js";

function buildFrame(tags: string, data: string, seq: number): Buffer {
  const tagsLen = Buffer.byteLength(tags);
  const dataLen = Buffer.byteLength(data);
  const buf = Buffer.alloc(frameLength(tagsLen, dataLen) + 16, 0xee);
  let at = FRAME_HEADER_SIZE;
  at += buf.write(tags, at);
  at += DATA_SEPARATOR.copy(buf, at);
  at += buf.write(data, at);
  PAYLOAD_SUFFIX.copy(buf, at);
  sealFrame(buf, 0, tagsLen, dataLen, { seq, timeSec: 1_795_000_000, timeNanos: 123_456_789 });
  buf.writeUInt32LE(STATE_COMMITTED, STATE_OFFSET);
  return buf;
}

describe("frame codec", () => {
  it("round-trips header fields and lays the payload out as the envelope tail", () => {
    const buf = buildFrame('["a"]', '{"x":1}', 42);
    const head = readFrameHead(buf, 0);
    if (typeof head === "string") throw new Error(head);
    expect(head).toMatchObject({
      seq: 42,
      timeSec: 1_795_000_000,
      timeNanos: 123_456_789,
      tagsLen: 5,
      dataLen: 7,
    });
    expect(head.length % 8).toBe(0);
    expect(checkFrame(buf, 0, head, 42)).toBeUndefined();
    expect(buf.toString("utf8", FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + 5 + 9 + 7 + 2)).toBe(
      '["a"]},"data":{"x":1}}\n',
    );
    expect(buf.toString("utf8", dataOffset(5), dataOffset(5) + 7)).toBe('{"x":1}');
  });

  it("rejects a frame still in state Writing, and a frame with another seq", () => {
    const buf = buildFrame("[]", "1", 7);
    const head = readFrameHead(buf, 0);
    if (typeof head === "string") throw new Error(head);
    expect(checkFrame(buf, 0, head, 8)).toBe("seq");
    buf.write("WRIT", STATE_OFFSET, "latin1");
    expect(checkFrame(buf, 0, { ...head, state: buf.readUInt32LE(STATE_OFFSET) }, 7)).toBe("state");
  });

  it("rejects a checksum-valid frame whose time is past year 9999", () => {
    const tags = "[]";
    const data = "1";
    const buf = Buffer.alloc(frameLength(2, 1) + 16);
    let at = FRAME_HEADER_SIZE;
    at += buf.write(tags, at);
    at += DATA_SEPARATOR.copy(buf, at);
    at += buf.write(data, at);
    PAYLOAD_SUFFIX.copy(buf, at);
    sealFrame(buf, 0, 2, 1, { seq: 1, timeSec: 9e12, timeNanos: 0 });
    const head = readFrameHead(buf, 0);
    if (typeof head === "string") throw new Error(head);
    expect(checkFrame(buf, 0, head, 1)).toBe("time");
  });

  it("recognises wrap markers", () => {
    const buf = Buffer.alloc(64);
    encodeWrapMarker(buf, 8);
    expect(readFrameHead(buf, 8)).toBe("wrap");
    expect(readFrameHead(buf, 0)).toBe("magic");
  });

  it("detects every single-byte corruption of random frames", () => {
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 40; round++) {
      const data = JSON.stringify({ round, text: "é".repeat(Math.floor(next() * 300)) });
      const tags = round % 3 === 0 ? "[]" : JSON.stringify(["t", `r${round}`]);
      const seq = 1 + Math.floor(next() * 1e9);
      const clean = buildFrame(tags, data, seq);
      const length = frameLength(Buffer.byteLength(tags), Buffer.byteLength(data));
      for (let byte = 0; byte < length; byte++) {
        const buf = Buffer.from(clean);
        buf[byte] = (buf[byte] as number) ^ (1 << Math.floor(next() * 8));
        const head = readFrameHead(buf, 0);
        if (typeof head === "string") continue; // rejected by the header checks
        if (FRAME_HEADER_SIZE > head.length || head.length > buf.length) continue; // lengths fail bounds
        const problem = checkFrame(buf, 0, head, seq);
        const padding =
          byte >= FRAME_HEADER_SIZE + Buffer.byteLength(tags) + Buffer.byteLength(data) + 11 &&
          byte < length - 8;
        if (padding) continue; // padding between payload and marker is not covered
        expect(problem, `round ${round} byte ${byte}`).toBeDefined();
      }
    }
  });
});
