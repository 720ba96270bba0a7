// The CLI's own terminal width function (the help layout's `string-width`): ASCII, ANSI
// escapes, control characters, combining marks, East Asian wide characters and emoji.
import { describe, expect, it } from "vitest";
import stringWidth, { codePointWidth } from "../src/lib/text-width.js";

describe("stringWidth", () => {
  it("counts the columns a terminal shows", () => {
    expect(stringWidth("")).toBe(0);
    expect(stringWidth("spool follow build")).toBe(18);
    expect(stringWidth("\u001b[1m\u001b[31mred\u001b[39m\u001b[22m")).toBe(3);
    expect(stringWidth("\u001b]8;;https://example.test\u0007link\u001b]8;;\u0007")).toBe(4);
    expect(stringWidth("tab\there")).toBe(7); // control characters take no column
    expect(stringWidth("e\u0301")).toBe(1); // e + combining acute
    expect(stringWidth("日本語")).toBe(6);
    expect(stringWidth("한국")).toBe(4);
    expect(stringWidth("ＡＢ")).toBe(4); // fullwidth
    expect(stringWidth("🚀 go")).toBe(5);
    expect(stringWidth("❤\ufe0f")).toBe(1); // the variation selector takes none
    expect(stringWidth("𝄞")).toBe(1); // outside the BMP, narrow
  });

  it("classifies single code points", () => {
    expect(codePointWidth(0x41)).toBe(1);
    expect(codePointWidth(0x7f)).toBe(0);
    expect(codePointWidth(0x200d)).toBe(0);
    expect(codePointWidth(0x4e00)).toBe(2);
    expect(codePointWidth(0x1f600)).toBe(2);
  });
});
