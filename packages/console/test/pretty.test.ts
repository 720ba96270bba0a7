// prettyJson re-lays stored JSON text without parsing it: same tokens, same strings, numbers
// as spelt, empty containers kept, and the result parses to the same value.
import { describe, expect, it } from "vitest";
import { prettyJson } from "../src/page/pretty.js";

const squeeze = (text: string) => text.replace(/("(?:[^"\\]|\\.)*")|\s+/g, (_m, s) => s ?? "");

describe("prettyJson", () => {
  it("indents objects and arrays and keeps numbers as spelt", () => {
    expect(prettyJson('{"a":1.50,"b":[12345678901234567890,1e2],"c":{}, "d":[ ]}')).toBe(
      '{\n  "a": 1.50,\n  "b": [\n    12345678901234567890,\n    1e2\n  ],\n  "c": {},\n  "d": []\n}',
    );
  });

  it.each([
    '{"s":"a, b: {c} [d] \\" \\\\ \\n","k":null,"t":true}',
    '[{"x":[{"y":[]}]},"q",-0.0]',
    '"just a string"',
    "42",
    '{"ünï":"cödé 😀"}',
  ])("changes only whitespace outside strings: %s", (text) => {
    const pretty = prettyJson(text);
    expect(squeeze(pretty)).toBe(squeeze(text));
    expect(JSON.parse(pretty)).toEqual(JSON.parse(text));
  });

  it("never throws on text that is no JSON", () => {
    for (const text of ["{", "]]]", '"unterminated', "{a:b,,}"]) {
      expect(typeof prettyJson(text)).toBe("string");
    }
  });
});
