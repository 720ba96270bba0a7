// The native JSONL line writer (native/envelope.c) against message.ts's writeEnvelopeLine, byte
// for byte: times across the whole range the format allows (the epoch, leap days, centuries,
// year 9999, every nanosecond width), seqs up to 2^53 − 1, empty and large payloads, and its
// refusals (ranges outside the source, a short meta, an output too small).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_TIME_SEC } from "../src/format/frame.js";
import { writeEnvelopeLine } from "../src/message.js";
import { loadNative } from "../src/platform/native.js";
import { formatTime } from "../src/time.js";

const lines = loadNative().envelopeLines as NonNullable<
  ReturnType<typeof loadNative>["envelopeLines"]
>;

interface Line {
  seq: number;
  sec: number;
  nanos: number;
  at: number;
  len: number;
}

function viaJs(src: Buffer, items: Line[]): Buffer {
  const out = Buffer.alloc(items.reduce((n, l) => n + 96 + l.len, 0));
  let at = 0;
  for (const l of items) {
    at = writeEnvelopeLine(out, at, l.seq, formatTime(l.sec, l.nanos), src, l.at, l.len);
  }
  return out.subarray(0, at);
}

function viaNative(src: Buffer, items: Line[], outSize?: number): Buffer {
  const meta = new Float64Array(items.length * 5);
  items.forEach((l, k) => {
    meta.set([l.seq, l.sec, l.nanos, l.at, l.len], k * 5);
  });
  const out = Buffer.alloc(outSize ?? items.reduce((n, l) => n + 96 + l.len, 0));
  const n = lines(out, src, meta, items.length);
  return out.subarray(0, n);
}

describe("the native envelope line writer", () => {
  it("is built into the addon", () => {
    expect(typeof lines).toBe("function");
  });

  it("writes exactly the JS writer's bytes for times across the format's range", () => {
    const src = Buffer.from('["a","b"]},"data":{"x":1}}\n');
    const secs = [
      0,
      1,
      59,
      86_399,
      86_400,
      951_782_400 /* 2000-02-29 */,
      951_868_800,
      4_107_542_400,
      1_767_225_599,
      1_798_761_600,
      253_402_214_400,
      MAX_TIME_SEC,
    ];
    const nanos = [0, 1, 9, 10, 123_456_789, 999_999_999, 500_000_000];
    const items: Line[] = [];
    for (const sec of secs)
      for (const n of nanos)
        items.push({ seq: items.length + 1, sec, nanos: n, at: 0, len: src.length });
    expect(viaNative(src, items).equals(viaJs(src, items))).toBe(true);
  });

  it("matches on random seconds, seqs and payload ranges", () => {
    const src = randomBytes(64 * 1024);
    const items: Line[] = [];
    let seed = 12345;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let k = 0; k < 5000; k++) {
      const len = Math.floor(next() * 2000);
      items.push({
        seq: k % 7 === 0 ? Number.MAX_SAFE_INTEGER - k : 1 + Math.floor(next() * 1e12),
        sec: Math.floor(next() * MAX_TIME_SEC),
        nanos: Math.floor(next() * 1e9),
        at: Math.floor(next() * (src.length - len)),
        len,
      });
    }
    for (let from = 0; from < items.length; from += 500) {
      const part = items.slice(from, from + 500);
      expect(viaNative(src, part).equals(viaJs(src, part))).toBe(true);
    }
  });

  it("writes an output that is exactly the lines' size, and refuses one byte less", () => {
    const src = Buffer.from('[]},"data":null}\n');
    const items: Line[] = [{ seq: 42, sec: 1_800_000_000, nanos: 7, at: 0, len: src.length }];
    const want = viaJs(src, items);
    expect(viaNative(src, items, want.length).equals(want)).toBe(true);
    expect(() => viaNative(src, items, want.length - 1)).toThrow(RangeError);
  });

  it("refuses payload ranges outside the source, bad fields and a short meta", () => {
    const src = Buffer.alloc(10);
    const out = Buffer.alloc(1000);
    const bad = (fields: number[]) => () => lines(out, src, Float64Array.from(fields), 1);
    expect(bad([1, 0, 0, 5, 6])).toThrow(RangeError);
    expect(bad([1, 0, 0, -1, 2])).toThrow(RangeError);
    expect(bad([1, MAX_TIME_SEC + 1, 0, 0, 1])).toThrow(RangeError);
    expect(bad([1, 0, 1e9, 0, 1])).toThrow(RangeError);
    expect(bad([Number.NaN, 0, 0, 0, 1])).toThrow(RangeError);
    expect(() => lines(out, src, new Float64Array(4), 1)).toThrow(RangeError);
    expect(() => lines(out, src, new Float32Array(5) as unknown as Float64Array, 1)).toThrow(
      TypeError,
    );
  });
});
