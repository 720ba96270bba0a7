// json-text: the one normalisation of caller JSON text (spec/format/v0 §6.2). Line breaks fold
// with their blanks into one space, nothing else changes, invalid input is Usage, and the
// module is the one @spool/core/shared exports.
import { describe, expect, it } from "vitest";
import * as index from "./index.js";
import {
  foldLineBreaks,
  isOneJsonValueShape,
  isWellFormedText,
  normaliseJsonText,
  trimJsonWhitespace,
} from "./json-text.js";
import * as shared from "./shared.js";
import { utf8ByteLength } from "./validate.js";

function usageOf(run: () => unknown): { kind?: string; message?: string; hint?: string } {
  try {
    run();
  } catch (error) {
    return error as { kind?: string; message?: string; hint?: string };
  }
  throw new Error("expected a Usage error");
}

describe("normaliseJsonText", () => {
  it.each([
    ['{"a":1,\n  "b":[1\n,2]}', '{"a":1, "b":[1 ,2]}'],
    ['{"a":1,\r\n\t"b":2}', '{"a":1, "b":2}'],
    ["[1 \n\n\r\n ,2]", "[1 ,2]"],
    [' \r\n{"s":"a\\nb  \\r"}\n', '{"s":"a\\nb  \\r"}'],
    ['{"n":12345678901234567890,"f":1.50,"z":-0}', '{"n":12345678901234567890,"f":1.50,"z":-0}'],
    ['{"k":1,"k":2}', '{"k":1,"k":2}'],
    ['{ "a" :  1 }', '{ "a" :  1 }'],
  ])("%j → %j", (input, expected) => {
    expect(normaliseJsonText(input)).toBe(expected);
    expect(normaliseJsonText(new TextEncoder().encode(input))).toBe(expected);
    expect(normaliseJsonText(expected)).toBe(expected); // idempotent
    expect(JSON.parse(expected)).toEqual(JSON.parse(input));
  });

  it("checks trusted text only when it has line breaks or is empty", () => {
    expect(normaliseJsonText("{oops", { trusted: true })).toBe("{oops");
    expect(normaliseJsonText('{"a":\n1}', { trusted: true })).toBe('{"a": 1}');
    expect(usageOf(() => normaliseJsonText("{oops\n", { trusted: false }))).toMatchObject({
      kind: "Usage",
    });
    expect(usageOf(() => normaliseJsonText("  ", { trusted: true })).kind).toBe("Usage");
  });

  it("refuses invalid JSON, invalid UTF-8 and lone surrogates with Usage and a hint", () => {
    const bad = usageOf(() => normaliseJsonText('{"a":'));
    expect(bad).toMatchObject({ kind: "Usage", message: 'data is not valid JSON: "{\\"a\\":"' });
    expect(bad.hint).toMatch(/JSON syntax/);
    const bytes = usageOf(() => normaliseJsonText(new Uint8Array([0x22, 0xff, 0x22])));
    expect(bytes).toMatchObject({ kind: "Usage", message: "data is not valid UTF-8" });
    const lone = usageOf(() => normaliseJsonText('"\uD834"'));
    expect(lone).toMatchObject({ kind: "Usage" });
    expect(lone.message).toMatch(/lone surrogate/);
    // Only JSON's own whitespace is trimmed: a no-break space is not JSON.
    expect(usageOf(() => normaliseJsonText("\u00a01")).kind).toBe("Usage");
  });
});

describe("isOneJsonValueShape", () => {
  it("passes one value and refuses text that would add members or elements when spliced", () => {
    for (const ok of ["1", '"a,b:c"', '{"a":[1,2],"b":{"c":":"}}', '"\\\\"', '["\\"]"]', "[[]]"]) {
      expect(isOneJsonValueShape(ok)).toBe(true);
    }
    for (const bad of [
      "",
      '1,"tags":["x"]',
      '"a":1',
      '1},"x":{',
      "]",
      "[1]]",
      "[",
      '"open',
      '"\\"',
    ]) {
      expect(isOneJsonValueShape(bad)).toBe(false);
    }
  });
});

describe("helpers", () => {
  it("folds, trims, measures", () => {
    expect(foldLineBreaks("[1]")).toBe("[1]");
    expect(foldLineBreaks("[1,\t\n\t2]")).toBe("[1, 2]");
    expect(trimJsonWhitespace("\t\r\n 1 \n")).toBe("1");
    expect(trimJsonWhitespace("\u00a01")).toBe("\u00a01");
    for (const text of ["", "abc", "hé", "✓", "𝄞😀", "a\uD800b", "\uDC00", "\uD800"]) {
      const expected = new TextEncoder().encode(text).length;
      expect(utf8ByteLength(text)).toBe(expected);
    }
    expect(isWellFormedText("𝄞")).toBe(true);
    expect(isWellFormedText("\uD834x")).toBe(false);
  });

  it("is one definition, exported by both entries", () => {
    expect(shared.normaliseJsonText).toBe(normaliseJsonText);
    expect(index.normaliseJsonText).toBe(normaliseJsonText);
    expect(shared.utf8ByteLength).toBe(utf8ByteLength);
    expect(shared.validatePoolName).toBe(index.validatePoolName);
    expect(shared.checkTag).toBe(index.checkTag);
    expect(shared.encodeTags).toBe(index.encodeTags);
    expect(shared.checkCount).toBe(index.checkCount);
    // The validators are node-free: byte limits are counted without Buffer.
    expect(shared.checkTag("é".repeat(128))).toBe("é".repeat(128));
    expect(() => shared.checkTag("é".repeat(129))).toThrow(/longer than 256 bytes/);
    expect(() => shared.validatePoolName("a".repeat(129))).toThrow(/129 bytes/);
  });
});
