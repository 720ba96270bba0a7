// Locating `data` inside a request body without re-encoding it, and what that buys: the client's
// JSON is stored exactly (big integers, number spelling, key order).
import { normaliseJsonText } from "@spool/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { elementMembers, rawMember } from "../src/json-spans.js";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

describe("scanner", () => {
  test.each([
    ['{"data":1}', "1"],
    ['  {\n "tags": ["a,}]"], "data" : {"x": [1, {"y": "}\\""}]} }', '{"x": [1, {"y": "}\\""}]}'],
    ['{"data":"a\\"b","z":0}', '"a\\"b"'],
    ['{"d\\u0061ta": true}', "true"],
    ['{"data": 1, "data": [2]}', "[2]"],
    ['{"data":null}', "null"],
    ['{"data":-1.5e+300}', "-1.5e+300"],
    ['{"data":12345678901234567890123}', "12345678901234567890123"],
    ['{"data":{\n  "a": 1,\n  "b": "two"\n}}', '{ "a": 1, "b": "two" }'],
  ])("%s → %s", (text, expected) => {
    JSON.parse(text);
    expect(rawMember(text, "data")).toBe(expected);
    expect(JSON.parse(rawMember(text, "data") as string)).toEqual(JSON.parse(text).data);
  });

  test("array elements and nested objects", () => {
    const text = '{"messages": [ {"data": 1}, {"tags":["t"],"data":[{"a":"]"}]} , {"data":"x"} ]}';
    expect(elementMembers(text, "messages", "data")).toEqual(["1", '[{"a":"]"}]', '"x"']);
  });

  test.each([
    ['{"z":{"messages":[{"data":0}]},"messages":[{"data":1}]}', ["1"]],
    ['{"messages":[{"data":1}],"messages":[{"data":2},{"data":3}]}', ["2", "3"]],
    [
      '{"messages":[{"data":"\\\\"},{"data":"q\\"\\\\"}],"durability":"fast"}',
      ['"\\\\"', '"q\\"\\\\"'],
    ],
    ['{"messages":[{"tags":[]},7,{"data":{"a":"}"}}]}', [undefined, undefined, '{"a":"}"}']],
    ['{"messages":[]}', []],
    ['\r\n{ "messages" :\r\n [ {"data" :\r\n {"a":\n1} } ] }', ['{"a": 1}']],
  ])("elementMembers(%s)", (text, expected) => {
    JSON.parse(text);
    expect(elementMembers(text, "messages", "data")).toEqual(expected);
  });

  test("elementMembers: no such array", () => {
    expect(elementMembers('{"messages":{"data":1}}', "messages", "data")).toBeUndefined();
    expect(elementMembers('{"other":[{"data":1}]}', "messages", "data")).toBeUndefined();
  });

  test("line breaks fold exactly as core folds them (one space per break with its blanks)", () => {
    const body = '{"data": {"a":1,\n  "b":[1\n,2]}}';
    expect(rawMember(body, "data")).toBe('{"a":1, "b":[1 ,2]}');
    expect(rawMember(body, "data")).toBe(normaliseJsonText('{"a":1,\n  "b":[1\n,2]}'));
    expect(rawMember('{"data":{\r\n "a" : 1 }}', "data")).toBe('{ "a" : 1 }');
    expect(rawMember('{"data":[1, 2]}', "data")).toBe("[1, 2]");
  });
});

describe("scanner against JSON.parse on generated bodies", () => {
  // A small deterministic generator (no Math.random: a failure must reproduce).
  let state = 0x2545f491;
  const next = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const pieces = ['"', "\\", "]", "}", "[", "{", ",", ":", "é", "\n", "\u2028", "a", " ", '\\"'];
  const ws = (): string => [" ", "", "\n", "\r\n", "\t"][next(5)] as string;
  const str = (): string =>
    JSON.stringify(Array.from({ length: next(6) }, () => pieces[next(pieces.length)]).join(""));
  const value = (depth: number): string => {
    const kind = depth > 3 ? next(4) : next(6);
    if (kind === 0) return str();
    if (kind === 1) return ["0", "-1.5e+30", "12345678901234567890123", "7"][next(4)] as string;
    if (kind === 2) return ["true", "false", "null"][next(3)] as string;
    if (kind === 3) return "[]";
    if (kind === 4) {
      const items = Array.from({ length: next(4) }, () => ws() + value(depth + 1) + ws());
      return `[${items.join(",")}]`;
    }
    const members = Array.from(
      { length: next(4) },
      () => `${ws()}${str()}${ws()}:${ws()}${value(depth + 1)}${ws()}`,
    );
    return `{${members.join(",")}}`;
  };

  test("rawMember and elementMembers give back each data value exactly", () => {
    for (let round = 0; round < 300; round++) {
      const datas = Array.from({ length: 1 + next(4) }, () => value(0));
      const elements = datas.map(
        (d) => `{${ws()}"tags":${ws()}[${str()}],"data"${ws()}:${ws()}${d}${ws()}}`,
      );
      const text = `${ws()}{"z":${value(1)},${ws()}"messages":${ws()}[${elements.join(`,${ws()}`)}]${ws()}}`;
      const parsed = JSON.parse(text) as { messages: { data: unknown }[] };
      const found = elementMembers(text, "messages", "data") as string[];
      expect(found.map((t) => JSON.parse(t))).toEqual(parsed.messages.map((m) => m.data));
      for (const t of found) expect(t).not.toMatch(/[\r\n]/);
      // The bytes HTTP stores are the bytes the local API stores for the same JSON text.
      expect(found).toEqual(datas.map((d) => normaliseJsonText(d)));
      const single = `{"tags":[],${ws()}"data":${ws()}${datas[0]}${ws()}}`;
      expect(JSON.parse(rawMember(single, "data") as string)).toEqual(JSON.parse(single).data);
      expect(rawMember(single, "data")).toBe(normaliseJsonText(datas[0] as string));
    }
  });
});

describe("exact storage through the API", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = makeApp();
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
  });
  afterEach(async () => {
    await f.dispose();
  });

  test("big integers and number spelling survive append, get and tail", async () => {
    const body = '{"data": {"id": 12345678901234567890, "f": 1.50, "z": 1e2}, "tags": ["n"]}';
    const res = await send(f.app, "POST", "/v0/pools/a/append", body);
    expect(res.status).toBe(200);
    const stored = '"data":{"id": 12345678901234567890, "f": 1.50, "z": 1e2}';
    expect(res.text).toContain(stored);
    expect((await send(f.app, "GET", "/v0/pools/a/messages/1")).text).toContain(stored);
    expect((await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&max=1")).text).toContain(stored);
  });

  test("a pretty-printed body is stored as one line, and the tail stays one line per message", async () => {
    const body = '{\n  "data": {\n    "a": [1,\n 2],\n    "s": "x"\n  }\n}';
    await send(f.app, "POST", "/v0/pools/a/append", body);
    await send(
      f.app,
      "POST",
      "/v0/pools/a/append_batch",
      `{"messages":[{"data":{\r\n"b":1}},{"data":\n[3]}]}`,
    );
    const tail = await send(f.app, "GET", "/v0/pools/a/tail?since_seq=1&max=3");
    const lines = tail.text.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l).data)).toEqual([{ a: [1, 2], s: "x" }, { b: 1 }, [3]]);
  });
});
