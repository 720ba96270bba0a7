import { describe, expect, it } from "vitest";
import { readRecords } from "../src/lib/records.js";
import { INVALID_UTF8_MARK, StrictUtf8Decoder } from "../src/lib/utf8.js";

function decodeInChunks(bytes: Buffer, size: number): { text: string; invalid: boolean } {
  const decoder = new StrictUtf8Decoder();
  let text = "";
  for (let i = 0; i < bytes.length; i += size) text += decoder.write(bytes.subarray(i, i + size));
  text += decoder.end();
  return { text, invalid: decoder.sawInvalid };
}

describe("StrictUtf8Decoder", () => {
  it("decodes well-formed text split at every byte boundary exactly like node", () => {
    const text = 'aé€😀 "\uFFFD" ü\n'.repeat(5);
    const bytes = Buffer.from(text, "utf8");
    for (let size = 1; size <= 9; size++) {
      expect(decodeInChunks(bytes, size)).toEqual({ text, invalid: false });
    }
  });

  it.each([
    ["a lone continuation byte", [0x61, 0x80, 0x62], `a${INVALID_UTF8_MARK}b`],
    ["0xff", [0xff, 0x61], `${INVALID_UTF8_MARK}a`],
    ["an overlong slash", [0xc0, 0xaf], INVALID_UTF8_MARK.repeat(2)],
    ["an encoded surrogate", [0xed, 0xa0, 0x80], INVALID_UTF8_MARK.repeat(3)],
    ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80], INVALID_UTF8_MARK.repeat(4)],
    ["a truncated sequence mid-input", [0xe2, 0x82, 0x61], `${INVALID_UTF8_MARK.repeat(2)}a`],
    [
      "a truncated sequence at the end",
      [0x61, 0xf0, 0x9f, 0x98],
      `a${INVALID_UTF8_MARK.repeat(3)}`,
    ],
  ])("marks %s, in one chunk and byte by byte", (_name, bytes, expected) => {
    const buf = Buffer.from(bytes);
    expect(decodeInChunks(buf, buf.length)).toEqual({ text: expected, invalid: true });
    expect(decodeInChunks(buf, 1)).toEqual({ text: expected, invalid: true });
  });
});

describe("readRecords", () => {
  async function records(chunks: Buffer[], format: "auto" | "jsonl" | "json" | "seq") {
    const out = [];
    for await (const batch of readRecords(
      (async function* () {
        yield* chunks;
      })(),
      format,
    ))
      out.push(...batch);
    return out;
  }

  it("flags only the records whose bytes are not UTF-8, in every input format", async () => {
    const bad = Buffer.from([0x22, 0xff, 0x22]); // "\xff"
    const good = Buffer.from('"\uFFFD"');
    for (const [format, sep] of [
      ["jsonl", "\n"],
      ["json", " "],
      ["seq", "\u001e"],
      ["auto", "\n"],
    ] as const) {
      const input = Buffer.concat([good, Buffer.from(sep), bad, Buffer.from(sep), good]);
      const got = await records([input.subarray(0, 4), input.subarray(4)], format);
      expect(
        got.map((r) => r.invalidUtf8 === true),
        format,
      ).toEqual([false, true, false]);
      expect(got[0]?.text).toBe('"\uFFFD"');
    }
  });
});
