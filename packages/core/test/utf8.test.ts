// decodeUtf8 (validate.ts, exported from @spool/core and @spool/core/shared): valid UTF-8 decodes
// as is; malformed bytes (invalid lead bytes, overlong forms, surrogates, truncated sequences) are
// a Usage error naming the input, with a hint, never U+FFFD.
import { describe, expect, it } from "vitest";
import { decodeUtf8, isSpoolError } from "../src/index.js";
import { decodeUtf8 as sharedDecodeUtf8 } from "../src/shared.js";

describe("decodeUtf8", () => {
  it("decodes valid UTF-8, including 4-byte sequences", () => {
    expect(decodeUtf8(Buffer.from('{"x":"hé ✓ 𝄞"}'), "body")).toBe('{"x":"hé ✓ 𝄞"}');
    expect(sharedDecodeUtf8).toBe(decodeUtf8);
  });

  it.each([
    ["an invalid lead byte", [0x61, 0xff, 0x62]],
    ["an overlong '/'", [0xc0, 0xaf]],
    ["a UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ])("refuses %s with Usage and a hint", (_label, bytes) => {
    let thrown: unknown;
    try {
      decodeUtf8(new Uint8Array(bytes), "request body");
    } catch (error) {
      thrown = error;
    }
    expect(isSpoolError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ kind: "Usage", message: "request body is not valid UTF-8" });
    expect((thrown as { hint?: string }).hint).toMatch(/UTF-8/);
  });
});
