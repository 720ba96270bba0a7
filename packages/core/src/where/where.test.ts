/**
 * Where-expression tests: jq-compatible results for the supported subset (paths, generators,
 * the total order, arithmetic, builtins, regexes), `select` truthiness over all expressions,
 * compile errors as Usage with a column, runtime errors as per-message verdicts, and the budget
 * that turns unbounded programs (`[range(1e9)]`, `repeat(.)`) into an error instead of a hang.
 */
import { describe, expect, it } from "vitest";
import { isSpoolError } from "../errors.js";
import { compileWhere, WHERE_LIMITS } from "./index.js";

/**
 * "No hang" bound for the cost tests: an unbudgeted evaluation of these took seconds to minutes;
 * a budgeted one ends in milliseconds. Generous, so a loaded CI machine never fails a correct
 * build; each test also asserts the budget error (the behaviour), not only the time.
 */
const NO_HANG_MS = 2_000;

const ENVELOPE = {
  seq: 200,
  time: "2026-11-22T10:15:30.123456789Z",
  meta: { tags: ["build", "ci"] },
  data: { level: "error", ms: 300, s: "héllo", list: [3, 1, 2], nested: { a: { b: 1 } } },
};

/** All outputs of `expr` on `input`, collected through `[expr] == $expected`-free means. */
function outputs(expr: string, input: unknown = ENVELOPE): unknown {
  // `[expr]` collects every output; `tojson` lets the verdict carry the value out
  const verdict = compileWhere(`[${expr}] | tojson | error`).test(input);
  if (verdict === true || verdict === false) throw new Error("expected the value as an error");
  return JSON.parse(verdict.error);
}

function verdict(expr: string | string[], input: unknown = ENVELOPE) {
  return compileWhere(expr).test(input);
}

function usageOf(expr: string | string[]): string {
  try {
    compileWhere(expr);
  } catch (error) {
    expect(isSpoolError(error, "Usage")).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(expr)} to be refused`);
}

describe("where: the examples of spec/cli/v0 §6.3", () => {
  it("keeps and drops like jq's select", () => {
    expect(verdict('.data.level == "error"')).toBe(true);
    expect(verdict('.data.level == "info"')).toBe(false);
    expect(verdict('.meta.tags | index("ci")')).toBe(true); // 1 is truthy
    expect(verdict('.meta.tags | index("build")')).toBe(true); // 0 is truthy in jq
    expect(verdict('.meta.tags | index("x")')).toBe(false); // null
    expect(verdict(".seq % 100 == 0")).toBe(true);
    expect(verdict(".seq % 7 == 0")).toBe(false);
    expect(verdict('.time >= "2026-11-22T10:00"')).toBe(true);
    expect(verdict('.time >= "2026-11-23"')).toBe(false);
    expect(verdict("(.data.ms // 0) > 250")).toBe(true);
    expect(verdict("(.data.missing // 0) > 250")).toBe(false);
  });

  it("needs every expression to hold, and one truthy output of each", () => {
    expect(verdict(['.data.level == "error"', ".seq > 100"])).toBe(true);
    expect(verdict(['.data.level == "error"', ".seq > 300"])).toBe(false);
    expect(verdict("false, null, 1")).toBe(true);
    expect(verdict("false, null")).toBe(false);
    expect(verdict("empty")).toBe(false);
    expect(verdict(".data.x")).toBe(false);
    expect(verdict("0")).toBe(true);
    expect(verdict('""')).toBe(true);
  });

  it("testJson parses an envelope line", () => {
    const line =
      '{"seq":2,"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":[]},"data":{"n":2}}';
    expect(compileWhere(".data.n == 2").testJson(line)).toBe(true);
    expect(compileWhere(".data.n == 2").testJson(new TextEncoder().encode(line))).toBe(true);
    expect(compileWhere(".").testJson("{")).toEqual({ error: expect.any(String) });
  });
});

describe("where: paths and generators", () => {
  it("indexes like jq", () => {
    expect(outputs(".data.nested.a.b")).toEqual([1]);
    expect(outputs('."data"."level"')).toEqual(["error"]);
    expect(outputs('.["data"]["level"]')).toEqual(["error"]);
    expect(outputs(".data.list[0], .data.list[-1], .data.list[9]")).toEqual([3, 2, null]);
    expect(outputs(".data.list.[1]")).toEqual([1]);
    expect(outputs(".data.list[1:], .data.list[:1], .data.list[-2:]")).toEqual([
      [1, 2],
      [3],
      [1, 2],
    ]);
    expect(outputs('"héllo" | .[1:3]')).toEqual(["él"]);
    expect(outputs(".nope.deeper")).toEqual([null]);
    expect(outputs("null | .[0]")).toEqual([null]);
    expect(outputs(".data.list[]")).toEqual([3, 1, 2]);
    expect(outputs(".data.nested[]")).toEqual([{ b: 1 }]);
    expect(outputs('.data.s.x?, "after"')).toEqual(["after"]);
    expect(outputs(".data.s[]?")).toEqual([]);
    expect(outputs("[.data.nested | ..] | length")).toEqual([3]);
    expect(
      outputs('{"__proto__": 1, "constructor": 2} | .__proto__, .constructor, .toString'),
    ).toEqual([1, 2, null]);
    expect(outputs(".constructor, .hasOwnProperty")).toEqual([null, null]);
  });

  it("runs generators in jq's order", () => {
    expect(outputs("(1, 2) + (10, 20)")).toEqual([11, 12, 21, 22]);
    expect(outputs("[.data.list[] | . * 2]")).toEqual([[6, 2, 4]]);
    expect(outputs("{a: (1, 2), b: (3, 4)}")).toEqual([
      { a: 1, b: 3 },
      { a: 1, b: 4 },
      { a: 2, b: 3 },
      { a: 2, b: 4 },
    ]);
    expect(outputs("(true, false) and (true, false)")).toEqual([true, false, false]);
    expect(outputs("(true, false) or (true, false)")).toEqual([true, true, false]);
    expect(outputs("range(3), range(1; 3), range(0; 10; 4), range(3; 0; -1)")).toEqual([
      0, 1, 2, 1, 2, 0, 4, 8, 3, 2, 1,
    ]);
    expect(outputs("limit(2; .data.list[])")).toEqual([3, 1]);
    expect(outputs("first(range(10)), last(range(10))")).toEqual([0, 9]);
    expect(outputs("[limit(3; repeat(. * 2))]", 1)).toEqual([[1, 2, 4]]);
    expect(outputs("[recurse(if . < 3 then . + 1 else empty end)]", 0)).toEqual([[0, 1, 2, 3]]);
    expect(outputs("nth(1; .data.list[]), isempty(empty), isempty(1)")).toEqual([1, true, false]);
    expect(outputs("[while(. < 8; . * 2)], until(. > 8; . * 2)", 1)).toEqual([[1, 2, 4], 16]);
  });

  it("binds variables, reduces and folds", () => {
    expect(outputs(". as $e | $e.seq + 1")).toEqual([201]);
    expect(outputs(".data.list[] as $x | $x * 10")).toEqual([30, 10, 20]);
    expect(outputs("reduce .data.list[] as $x (0; . + $x)")).toEqual([6]);
    expect(outputs("[foreach .data.list[] as $x (0; . + $x)]")).toEqual([[3, 4, 6]]);
    expect(outputs("[foreach .data.list[] as $x (0; . + $x; [$x, .])]")).toEqual([
      [
        [3, 3],
        [1, 4],
        [2, 6],
      ],
    ]);
    expect(outputs('.seq as $s | {$s, seq, "time", k: 1}')).toEqual([
      { s: 200, seq: 200, time: ENVELOPE.time, k: 1 },
    ]);
    expect(outputs('{("a" + "b"): 1, if: 2}')).toEqual([{ ab: 1, if: 2 }]);
    expect(outputs("{a: .seq | . + 1}")).toEqual([{ a: 201 }]);
  });

  it("branches, alternatives and try", () => {
    expect(outputs('if .seq > 100 then "big" elif .seq > 10 then "mid" else "small" end')).toEqual([
      "big",
    ]);
    expect(outputs("if false then 1 end")).toEqual([ENVELOPE]);
    expect(outputs('(false, null, 1) // 2, (false // 3), (empty // 4), (error("x") // 5)')).toEqual(
      [1, 3, 4, 5],
    );
    expect(outputs('try error("boom") catch ("caught " + .)')).toEqual(["caught boom"]);
    expect(outputs("try error({a: 1}) catch .a")).toEqual([1]);
    expect(outputs('[.data.list[] | try (if . == 1 then error("x") else . end)]')).toEqual([
      [3, 2],
    ]);
    expect(outputs('[try (.data.list[] | if . == 1 then error("x") else . end)]')).toEqual([[3]]);
    expect(outputs('try ("a" | .b)')).toEqual([]);
    expect(outputs(".data.s | try .x catch .")).toEqual(['Cannot index string with "x"']);
  });
});

describe("where: values, ordering and arithmetic", () => {
  it("orders across types like jq", () => {
    const sorted = [
      null,
      false,
      true,
      -1,
      0,
      2.5,
      "",
      "A",
      "a",
      "é",
      [],
      [0],
      [1],
      {},
      { a: 1 },
      { a: 2 },
      { b: 0 },
    ];
    expect(outputs(". | sort", [...sorted].reverse())).toEqual([sorted]);
    expect(outputs('[null < false, false < true, true < 0, 0 < "", "" < [], [] < {}]')).toEqual([
      [true, true, true, true, true, true],
    ]);
    expect(outputs('["\\uffff" < "\\ud83d\\ude00", {"a":2} < {"b":1}, [1,2] < [1,2,0]]')).toEqual([
      [true, true, true],
    ]);
    expect(outputs('[1 == 1.0, [1,{}] == [1,{}], {a:1,b:2} == {b:2,a:1}, 1 != "1"]')).toEqual([
      [true, true, true, true],
    ]);
  });

  it("computes like jq", () => {
    expect(outputs('1 + 2, "a" + "b", [1] + [2], {a:1} + {b:2}, null + 1, 1 + null')).toEqual([
      3,
      "ab",
      [1, 2],
      { a: 1, b: 2 },
      1,
      1,
    ]);
    expect(
      outputs("10 - 4, [1,2,3,1] - [1], 2 * 3, 7 / 2, 7 % 3, -7 % 3, 7.9 % 3, -(1 + 2)"),
    ).toEqual([6, [2, 3], 6, 3.5, 1, -1, 1, -3]);
    expect(outputs('"ab" * 3, "ab" * 0, "a,b" / ",", {a:{b:1}} * {a:{c:2}}')).toEqual([
      "ababab",
      null,
      ["a", "b"],
      { a: { b: 1, c: 2 } },
    ]);
    expect(verdict("1 / 0")).toEqual({ error: expect.stringContaining("divisor is zero") });
    expect(verdict("1 % 0")).toEqual({ error: expect.stringContaining("divisor is zero") });
    expect(verdict("{} + 1")).toEqual({ error: "object ({}) and number (1) cannot be added" });
    expect(verdict('"a" - "b"')).toEqual({
      error: expect.stringContaining("cannot be subtracted"),
    });
  });
});

describe("where: builtins", () => {
  it("inspects values", () => {
    expect(
      outputs(
        "[.data.s | length, utf8bytelength], ([1,2] | length), ({a:1} | length), (null | length), (-3 | length)",
      ),
    ).toEqual([[5, 6], 2, 1, 0, 3]);
    expect(outputs('{b:1, a:2} | keys, keys_unsorted, has("a"), has("z")')).toEqual([
      ["a", "b"],
      ["b", "a"],
      true,
      false,
    ]);
    expect(outputs("[1,2] | has(0), has(2)")).toEqual([true, false]);
    expect(outputs('"a" | in({a: 1})')).toEqual([true]);
    expect(
      outputs('[type, (.seq | type), (null | type), ([] | type), (true | type), ("" | type)]'),
    ).toEqual([["object", "number", "null", "array", "boolean", "string"]]);
    expect(verdict("true | length")).toEqual({ error: "boolean (true) has no length" });
  });

  it("searches strings and arrays", () => {
    expect(outputs('"a,b, cd, efg" | index(", "), rindex(", "), indices(", ")')).toEqual([
      3,
      7,
      [3, 7],
    ]);
    expect(outputs("[0,1,2,1,3,1,2] | indices(1), indices([1,2]), index(1), rindex(1)")).toEqual([
      [1, 3, 5],
      [1, 5],
      1,
      5,
    ]);
    expect(
      outputs(
        '"foobar" | contains("bar"), startswith("foo"), endswith("bar"), ltrimstr("foo"), rtrimstr("bar")',
      ),
    ).toEqual([true, true, true, "bar", "foo"]);
    expect(outputs('{a: [1, "xyz"], b: 2} | contains({a: ["xy"]}), contains({c: 1})')).toEqual([
      true,
      false,
    ]);
    expect(outputs('"bar" | inside("foobar")')).toEqual([true]);
    expect(outputs('1 | ltrimstr("x")')).toEqual([1]);
    expect(outputs('"AbC" | ascii_downcase, ascii_upcase')).toEqual(["abc", "ABC"]);
    expect(outputs('"a, b" | split(", "), ("  x " | trim, ltrim, rtrim)')).toEqual([
      ["a", "b"],
      "x",
      "x ",
      "  x",
    ]);
    expect(outputs('["a", 1, null, true] | join("-")')).toEqual(["a-1--true"]);
    expect(verdict('"a" | startswith(1)')).toEqual({
      error: expect.stringContaining("startswith"),
    });
    expect(verdict('1 | contains("a")')).toEqual({ error: expect.stringContaining("containment") });
  });

  it("matches regular expressions", () => {
    expect(
      outputs('"test 123" | test("\\\\d+"), test("TEST"), test("TEST"; "i"), test("t e s t"; "x")'),
    ).toEqual([true, false, true, true]);
    expect(outputs('"aéb" | match("é")')).toEqual([
      { offset: 1, length: 1, string: "é", captures: [] },
    ]);
    expect(
      outputs('"xyz-12 ab-3" | [match("(?<w>[a-z]+)-(\\\\d+)"; "g") | .captures[1].string]'),
    ).toEqual([["12", "3"]]);
    expect(outputs('"xyz-12" | capture("(?<w>[a-z]+)-(?<n>\\\\d+)")')).toEqual([
      { w: "xyz", n: "12" },
    ]);
    expect(outputs('"abc" | [match(""; "g") | .offset]')).toEqual([[0, 1, 2, 3]]);
    expect(outputs('"abc" | [match(""; "gn")] | length')).toEqual([0]);
    expect(verdict('"a" | test("a"; "q")')).toEqual({
      error: expect.stringContaining("not a valid modifier"),
    });
    expect(verdict('"a" | test("(")')).toEqual({
      error: expect.stringContaining("not a valid regex"),
    });
    expect(verdict('1 | test("a")')).toEqual({
      error: expect.stringContaining("cannot be matched"),
    });
  });

  it("refuses regular expressions that can backtrack without bound", () => {
    expect(verdict('"aaaa" | test("(a+)+$")')).toEqual({
      error: expect.stringContaining("quantified group"),
    });
    expect(verdict('"aaaa" | test("(a|aa)*$")')).toEqual({
      error: expect.stringContaining("quantified group"),
    });
    expect(verdict('"aa" | test("(a)\\\\1")')).toEqual({
      error: expect.stringContaining("back-references"),
    });
    expect(outputs('"ab" * 10 | test(".*a.*b")')).toEqual([true]);
    expect(verdict('"ab" * 20000 | test(".*a.*c")')).toEqual({
      error: expect.stringContaining("too long"),
    });
    expect(outputs('"ab" * 20000 | test("abc")')).toEqual([false]);
  });

  it("converts, maps and aggregates", () => {
    expect(
      outputs(
        '1 | tostring, tojson, ("12" | tonumber), ("[1,{\\"a\\":2}]" | fromjson), ({a:[1]} | tostring)',
      ),
    ).toEqual(["1", "1", 12, [1, { a: 2 }], '{"a":[1]}']);
    expect(verdict('"x1" | tonumber')).toEqual({ error: expect.stringContaining("Cannot parse") });
    expect(outputs("[3.7, -3.7] | map(floor), map(ceil), map(round), (16 | sqrt)")).toEqual([
      [3, -4],
      [4, -3],
      [4, -4],
      4,
    ]);
    expect(
      outputs(
        `{a:1, b:2} | map_values(. + 1), to_entries, (to_entries | from_entries), with_entries({key: (.key + "x"), value})`,
      ),
    ).toEqual([
      { a: 2, b: 3 },
      [
        { key: "a", value: 1 },
        { key: "b", value: 2 },
      ],
      { a: 1, b: 2 },
      { ax: 1, bx: 2 },
    ]);
    expect(outputs('[{name: "a", v: 1}, {k: "b", value: 2}] | from_entries')).toEqual([
      { a: 1, b: 2 },
    ]);
    expect(
      outputs(
        "[1,2,3] | add, any, all, (map(. > 2) | any, all), any(. > 2), all(. > 0), any(.[]; . == 9)",
      ),
    ).toEqual([6, true, true, true, false, true, true, false]);
    expect(outputs("[] | add, any, all, min, max")).toEqual([null, false, true, null, null]);
    expect(outputs('["a","b"] | add, first, last, (.[1:] | first)')).toEqual(["ab", "a", "b", "b"]);
    expect(outputs("[3,1,2,1] | sort, unique, min, max, reverse")).toEqual([
      [1, 1, 2, 3],
      [1, 2, 3],
      1,
      3,
      [1, 2, 1, 3],
    ]);
    expect(
      outputs(
        "[{a:2},{a:1},{a:2,b:1}] | sort_by(.a), group_by(.a), unique_by(.a), min_by(.a), max_by(.a)",
      ),
    ).toEqual([
      [{ a: 1 }, { a: 2 }, { a: 2, b: 1 }],
      [[{ a: 1 }], [{ a: 2 }, { a: 2, b: 1 }]],
      [{ a: 1 }, { a: 2 }],
      { a: 1 },
      { a: 2, b: 1 },
    ]);
    expect(outputs("[1,[2,[3]]] | flatten, flatten(1)")).toEqual([
      [1, 2, 3],
      [1, 2, [3]],
    ]);
    expect(
      outputs(
        '[.[]?, 1, null, "s", [], {}, true] | map(values), map(nulls), map(strings), map(numbers), map(booleans), map(arrays), map(objects), map(scalars), map(iterables)',
        null,
      ),
    ).toEqual([
      [1, "s", [], {}, true],
      [null],
      ["s"],
      [1],
      [true],
      [[]],
      [{}],
      [1, null, "s", true],
      [[], {}],
    ]);
    expect(
      outputs(
        '{a:{b:[1]}} | getpath(["a","b",0]), getpath(["x","y"]), [paths], [leaf_paths], [paths(type == "array")]',
      ),
    ).toEqual([1, null, [["a"], ["a", "b"], ["a", "b", 0]], [["a", "b", 0]], [["a", "b"]]]);
    expect(outputs('[1,[2]] | walk(if type == "number" then . + 1 else . end)')).toEqual([
      [2, [3]],
    ]);
    expect(outputs('null | not, (1 | not), ("abc" | explode | implode)')).toEqual([
      true,
      false,
      "abc",
    ]);
  });
});

describe("where: errors", () => {
  it("compile errors are Usage with the column and an example", () => {
    expect(usageOf(".data.n >")).toMatch(
      /invalid where expression "\.data\.n >": unexpected end of the expression at column 10/,
    );
    expect(usageOf(".a | | .b")).toMatch(/column 6/);
    expect(usageOf("foo(1)")).toMatch(/unknown function `foo\/1`/);
    expect(usageOf("length(1)")).toMatch(/`length` takes 0 arguments, not 1/);
    expect(usageOf("$x")).toMatch(/`\$x` is not defined/);
    expect(usageOf("1 < 2 < 3")).toMatch(/do not chain/);
    expect(usageOf('"\\(1)"')).toMatch(/interpolation/);
    expect(usageOf(".a = 1")).toMatch(/assignment/);
    expect(usageOf("def f: 1; f")).toMatch(/def/);
    expect(usageOf("@base64")).toMatch(/format strings/);
    expect(usageOf(". as [$a] | $a")).toMatch(/destructuring/);
    expect(compileWhere(".a", { label: "--where" }) && usageOf("(")).toMatch(/where/);
    try {
      compileWhere("(", { label: "--where" });
    } catch (error) {
      expect((error as Error).message).toMatch(/^invalid --where expression/);
      expect((error as { hint?: string }).hint).toMatch(/\.data\.level == "error"/);
    }
  });

  it("forbidden builtins are Usage, naming the builtin", () => {
    for (const name of [
      "input",
      "inputs",
      "halt",
      "halt_error",
      "debug",
      "stderr",
      "input_filename",
      "env",
      "now",
    ]) {
      expect(usageOf(`${name}`)).toContain(`\`${name}\` is not available`);
    }
    expect(usageOf("halt_error(1)")).toContain("`halt_error` is not available");
    expect(usageOf("$ENV.HOME")).toContain("`$ENV` is not available");
    expect(usageOf("$__loc__")).toContain("$__loc__");
  });

  it("limits the text, the count and the nesting of expressions", () => {
    expect(usageOf("")).toMatch(/empty/);
    expect(usageOf(`.a${" ".repeat(WHERE_LIMITS.maxExpressionBytes)}`)).toMatch(/too long/);
    expect(usageOf(Array.from({ length: WHERE_LIMITS.maxExpressions + 1 }, () => "."))).toMatch(
      /too many/,
    );
    expect(usageOf(`${"(".repeat(100)}1${")".repeat(100)}`)).toMatch(/nested too deeply/);
    expect(usageOf(`${"[".repeat(100)}1${"]".repeat(100)}`)).toMatch(/nested too deeply/);
    expect(usageOf(`${"-".repeat(100)}1`)).toMatch(/nested too deeply/);
    expect(() => compileWhere(1 as unknown as string)).toThrow(/string or an array of strings/);
  });

  it("runtime errors are verdicts of one message", () => {
    expect(verdict(".data.s.x")).toEqual({ error: 'Cannot index string with "x"' });
    expect(verdict(".data.list.x")).toEqual({ error: 'Cannot index array with "x"' });
    expect(verdict(".seq[]")).toEqual({ error: "Cannot iterate over number (200)" });
    expect(verdict('error("custom")')).toEqual({ error: "custom" });
    expect(verdict("error({a: 1})")).toEqual({ error: '{"a":1} (not a string)' });
    // the second expression is not reached once the first drops the message
    expect(verdict([".seq > 1000", ".data.s.x"])).toBe(false);
    // the next message is evaluated afresh
    const where = compileWhere(".data.n > 1");
    expect(where.test({ data: "s" })).toEqual({ error: 'Cannot index string with "n"' });
    expect(where.test({ data: { n: 2 } })).toBe(true);
  });
});

describe("where: bounded cost", () => {
  it("unbounded programs run out of budget instead of hanging", () => {
    for (const expr of [
      "[range(1e9)]",
      "[limit(1e9; range(1e9))]",
      "repeat(.) | false",
      "[repeat(.)]",
      "[range(1e12)] | length",
      "last(range(1e12))",
      "reduce range(1e9) as $x (0; . + $x)",
      "[recurse(. + 1)] | length",
      "until(false; .)",
      "range(0; 1; 0) | false",
      "[.[]?, repeat(1)] | false",
    ]) {
      const started = Date.now();
      expect(verdict(expr, 1), expr).toEqual({ error: expect.stringContaining("budget") });
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it("`try` cannot swallow the budget", () => {
    expect(verdict("try [range(1e9)] catch true")).toEqual({
      error: expect.stringContaining("budget"),
    });
    expect(verdict("[range(1e9)]? // true")).toEqual({ error: expect.stringContaining("budget") });
  });

  it("values cannot grow without bound", () => {
    expect(verdict('"x" * 1e9')).toEqual({ error: expect.stringContaining("size limit") });
    expect(verdict("reduce range(40) as $i ([1]; . + .) | false")).toEqual({
      error: expect.stringMatching(/size limit|budget/),
    });
    expect(verdict('reduce range(40) as $i ("ab"; . + .) | false')).toEqual({
      error: expect.stringMatching(/size limit|budget/),
    });
  });

  it("each message gets a fresh budget", () => {
    const where = compileWhere("[range(9000)] | length > 0");
    for (let i = 0; i < 3; i++) expect(where.test(null)).toBe(true);
  });

  it("deeply nested messages are an error, not a crash", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const v = compileWhere("[..] | length > 0").test(deep);
    expect(v).toEqual({ error: expect.any(String) });
  });
});

describe("where: the builtin table", () => {
  it("names exactly the implemented builtins, with their arities", async () => {
    const { BUILTINS } = await import("./builtins.js");
    const { BUILTIN_ARITIES } = await import("./builtin-names.js");
    const implemented = Object.fromEntries(
      Object.entries(BUILTINS).map(([name, impls]) => [name, Object.keys(impls).map(Number)]),
    );
    expect(implemented).toEqual(BUILTIN_ARITIES);
  });

  it("checkWhere parses without compiling an evaluator", async () => {
    const { checkWhere } = await import("./index.js");
    expect(checkWhere(".a")).toEqual([".a"]);
    expect(() => checkWhere("input")).toThrow(/`input` is not available/);
  });
});

describe("where: regular expressions stay bounded (review)", () => {
  const aa = (n: number) => ({ data: "a".repeat(n) });
  it("parses `[^]` as a whole class, so a nested quantifier after it is still refused", () => {
    const v = verdict('.data | test("[^](?:a+)+[x]")', aa(30));
    expect(v).toMatchObject({ error: expect.stringMatching(/quantified group/) });
  });
  it("counts bounded quantifiers, `?` and alternatives in the cost estimate", () => {
    const t0 = performance.now();
    for (const re of [
      "a{0,8}a{0,8}a{0,8}a{0,8}a{0,8}a{0,8}a{0,8}a{0,8}a{0,8}b",
      `${"a?".repeat(40)}${"a".repeat(40)}`,
      "(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)b",
    ]) {
      expect(verdict(`.data | test(${JSON.stringify(re)})`, aa(60))).toMatchObject({
        error: expect.stringMatching(/too long for this regular expression/),
      });
    }
    expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
  });
  it("spends the estimate from the step budget, so repeated matches end", () => {
    const t0 = performance.now();
    const v = verdict('.data as $s | [range(200) | $s | test("a*b")] | length', aa(3000));
    expect(v).toMatchObject({ error: expect.stringMatching(/step budget/) });
    expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
  });
  it("still matches ordinary patterns", () => {
    expect(verdict('.data | test("^a+$")', aa(3000))).toBe(true);
    expect(verdict('.data | test("error|warn")', { data: "x warn" })).toBe(true);
  });
});

describe("where: walks of shared or large values are budgeted (review)", () => {
  const dag = "(reduce range(40) as $i (1; [., .]))";
  const quick = (expr: string, input: unknown = ENVELOPE) => {
    const t0 = performance.now();
    const v = verdict(expr, input);
    expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
    return v;
  };
  it("compares, serializes and describes a value of 2^40 shared leaves within budget", () => {
    for (const e of [
      `${dag} as $d | $d == $d`,
      `${dag} | tojson | length`,
      `${dag} | tostring | length`,
      `[${dag}, ${dag}] | sort | length`,
    ]) {
      expect(quick(e)).toMatchObject({ error: expect.stringMatching(/budget|size limit/) });
    }
    expect(quick(`${dag} | -(.)`)).toMatchObject({ error: expect.stringMatching(/negated/) });
    expect(quick(`${dag} | error`)).toMatchObject({ error: expect.stringMatching(/not a string/) });
  });
  it("refuses a huge tojson or join before building it", () => {
    const big = { data: "a".repeat(1 << 19) };
    const before = process.memoryUsage().heapUsed;
    expect(quick(".data as $s | [range(2000) | $s] | tojson | length", big)).toMatchObject({
      error: expect.stringMatching(/size limit/),
    });
    expect(quick('.data as $s | [range(2000) | $s] | join("") | length', big)).toMatchObject({
      error: expect.stringMatching(/size limit/),
    });
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });
  it("charges ascii_downcase/ascii_upcase by length", () => {
    const big = { data: "a".repeat(1 << 19) };
    const e = `.data${" | ascii_upcase | ascii_downcase".repeat(6)} | length > 0`;
    expect(quick(e, big)).toMatchObject({ error: expect.stringMatching(/budget/) });
    expect(verdict('.data.s | ascii_upcase == "HéLLO"')).toBe(true);
  });
});

describe("where: recursion into deep messages is charged by depth (review)", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  for (const e of [
    "[..] | length",
    "[paths] | length",
    "[leaf_paths] | length",
    "walk(.) | length",
    "[recurse(.[]?)] | length",
    "[recurse(.[]?; true)] | length",
  ]) {
    it(`${e} on 10 000 nested arrays ends quickly as a verdict error`, () => {
      const t0 = performance.now();
      const v = verdict(`.data | ${e}`, { data: deep });
      expect(v).toMatchObject({ error: expect.any(String) });
      expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
    });
  }
  it("still recurses shallow values", () => {
    expect(outputs("[.data.nested | ..] | length")).toEqual([3]);
    expect(outputs("[.data.nested | paths]")).toEqual([[["a"], ["a", "b"]]]);
    expect(outputs("[[1, [2]] | recurse(.[]?)] | length")).toEqual([4]);
    expect(outputs('[[1, [2]] | recurse(.[]?; type == "array")] | length')).toEqual([2]);
  });
});

describe("where: string scans are charged by their real cost (review)", () => {
  const big = { data: "a".repeat(1 << 19) };
  const quick = (expr: string, input: unknown) => {
    const t0 = performance.now();
    const v = verdict(expr, input);
    expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
    return v;
  };
  it("indices/index of a long needle in a long string runs out of budget", () => {
    expect(quick('.data | index("a" * 4000)', big)).toMatchObject({
      error: expect.stringMatching(/budget/),
    });
    expect(outputs('"a,b, cd, efg" | index(", ")')).toEqual([3]);
    expect(outputs('"aé,b" | indices(",")')).toEqual([[2]]);
  });
  it("rtrim/trim of many spaces before a non-space is linear", () => {
    expect(quick('(" " * 100000 + "x") | rtrim | length', {})).toBe(true);
    expect(outputs('"  a b \\n" | trim, ltrim, rtrim')).toEqual(["a b", "a b \n", "  a b"]);
  });
  it("string slices are cheap without surrogates and exact with them", () => {
    expect(quick("[.data | .[1:], .[2:]] | length", big)).toBe(true);
    expect(outputs('"a😀bc" | .[1:3], .[-2:]')).toEqual(["😀b", "bc"]);
  });
  it("element-wise comparisons of arrays spend the budget", () => {
    const nums = { data: Array.from({ length: 100_000 }, (_, i) => i) };
    expect(quick(".data | map(0) as $z | $z | indices($z[0:3000]) | length", nums)).toMatchObject({
      error: expect.stringMatching(/budget/),
    });
  });
});

describe("where: objects with many keys are charged (review)", () => {
  const wide: Record<string, number> = {};
  for (let i = 0; i < 80_000; i++) wide[`k${(i * 7919) % 80_000}`] = i;
  for (const e of [
    "[keys, keys, keys, keys, keys, keys, keys, keys, keys, keys] | length",
    "[. == ., . == ., . == ., . == ., . == .] | length",
    "[. + ., . + ., . + ., . + ., . + .] | length",
    "[to_entries, to_entries, to_entries] | length",
  ]) {
    it(`${e} on 80 000 keys stays fast`, () => {
      const t0 = performance.now();
      const v = verdict(`.data | ${e}`, { data: wide });
      expect(v).toMatchObject({ error: expect.stringMatching(/step budget/) });
      expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
    });
  }
  it("still sorts keys by code point", () => {
    expect(outputs('{"b": 1, "a": 2, "😀": 3, "\\uffff": 4} | keys')).toEqual([
      ["a", "b", "\uffff", "😀"],
    ]);
  });
});

describe("where: repeated scans of a large string are charged (review)", () => {
  const big = { data: "a".repeat(1 << 19) };
  for (const e of [
    `[${Array(200).fill("length").join(", ")}] | length`,
    `[${Array(200).fill("utf8bytelength").join(", ")}] | length`,
    `[${Array(200).fill('. < (. + "")').join(", ")}] | length`,
  ]) {
    it(`${e.slice(0, 30)}… on a 512 KiB string stays fast`, () => {
      const t0 = performance.now();
      const v = verdict(`.data | ${e}`, big);
      expect(v).toMatchObject({ error: expect.stringMatching(/step budget/) });
      expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
    });
  }
});

describe("where: building large arrays is charged by size (review)", () => {
  const big = { data: "a".repeat(1 << 19) };
  const nums = { data: Array.from({ length: 100_000 }, (_, i) => i) };
  for (const [e, input] of [
    ['.data as $d | [range(4) | $d | split("")] | length', big],
    [".data as $d | [range(4) | $d | explode | implode] | length", big],
    [".data as $d | [range(5) | $d | tostring] | length", nums],
  ] as const) {
    it(`${e} runs out of budget quickly`, () => {
      const t0 = performance.now();
      expect(verdict(e, input)).toMatchObject({ error: expect.stringMatching(/budget/) });
      expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
    });
  }
});

describe("where: tonumber is charged by length (review)", () => {
  it("repeated tonumber of a 1 MiB digit string runs out of budget quickly", () => {
    const t0 = performance.now();
    const v = verdict(".data as $s | [range(300) | $s | tonumber] | length", {
      data: "1".repeat(1 << 20),
    });
    expect(v).toMatchObject({ error: expect.stringMatching(/budget/) });
    expect(performance.now() - t0).toBeLessThan(NO_HANG_MS);
    expect(outputs('"12.5" | tonumber')).toEqual([12.5]);
  });
});
