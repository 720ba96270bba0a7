// The console's filter: the expression language (paths, operators, literals, and/or), its
// errors (FilterError with the column, never a crash), and the tag rule (every tag, exact).
import { describe, expect, it } from "vitest";
import {
  compileExpression,
  type FilterEnvelope,
  FilterError,
  hasTags,
  parseTags,
  valueAt,
} from "../src/page/filter.js";

const msg = (data: unknown, tags: string[] = [], seq = 7): FilterEnvelope => ({
  seq,
  time: "2026-12-04T10:00:00.000000001Z",
  meta: { tags },
  data,
});

describe("compileExpression", () => {
  const data = { step: "lint", ok: true, n: 3, items: [{ id: "a" }, { id: "b" }], "x-y": 1 };
  it.each([
    ['.data.step == "lint"', true],
    ['.data.step == "test"', false],
    ["data.step == lint", true],
    [".data.step != lint", false],
    [".data.ok", true],
    [".data.missing", false],
    [".data.n > 2", true],
    [".data.n >= 4", false],
    [".data.n < 3.5", true],
    ['.data.items[1].id == "b"', true],
    ['.data["x-y"] == 1', true],
    [".data.step ~ in", true],
    [".meta.tags ~ build", true],
    [".seq == 7", true],
    ['.time ~ "2026-12-04"', true],
    ['.data.step == "test" or .data.ok', true],
    [".data.ok and .data.n == 4 or .seq == 7", true],
    [".data.ok && .data.n == 4", false],
    [".data.n == 3 || .data.n == 4", true],
    ["", true],
    ["   ", true],
    [".data.step > 1", false],
  ])("%s → %s", (expression, expected) => {
    expect(compileExpression(expression)(msg(data, ["build"]))).toBe(expected);
  });

  it("matches null, booleans and strings with spaces and escapes", () => {
    expect(compileExpression(".data.v == null")(msg({ v: null }))).toBe(true);
    expect(compileExpression(".data.v == false")(msg({ v: false }))).toBe(true);
    expect(compileExpression('.data.v == "a and b"')(msg({ v: "a and b" }))).toBe(true);
    expect(compileExpression('.data.v == "q\\"x"')(msg({ v: 'q"x' }))).toBe(true);
    expect(() => compileExpression('.data.v == {"a":1}')).toThrow(FilterError); // no object literals
  });

  it("never throws on odd messages", () => {
    const m = compileExpression(".data.a.b[2].c == 1");
    for (const data of [null, 1, "s", [], [1, 2, 3], { a: "x" }, { a: { b: "str" } }]) {
      expect(m(msg(data))).toBe(false);
    }
  });

  it.each([
    ['.data.step == "lint', 14],
    [".data.step ==", 13],
    ["== 3", 0],
    [".data.step lint", 11],
    [".data.", 5],
    [".data[x]", 5],
  ])("refuses %s with the column", (expression, column) => {
    try {
      compileExpression(expression);
      expect.fail("compiled");
    } catch (e) {
      expect(e).toBeInstanceOf(FilterError);
      expect((e as FilterError).column).toBe(column);
    }
  });

  it("reads only own properties", () => {
    expect(valueAt({}, ["constructor"])).toBeUndefined();
    expect(valueAt({ a: [1] }, ["a", "length"])).toBeUndefined();
  });
});

describe("tags", () => {
  it("parses commas and spaces, and needs every tag exactly", () => {
    expect(parseTags(" build, ci  deploy,,")).toEqual(["build", "ci", "deploy"]);
    expect(hasTags(["build", "ci"], ["ci"])).toBe(true);
    expect(hasTags(["build", "ci"], ["ci", "x"])).toBe(false);
    expect(hasTags(["build"], ["buil"])).toBe(false);
    expect(hasTags([], [])).toBe(true);
  });
});
