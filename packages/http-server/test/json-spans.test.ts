// Locating `data` inside a request body without re-encoding it, and what that buys: the client's
// JSON is stored exactly (big integers, number spelling, key order).
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { arrayElements, compactJson, objectSpans, rawMember } from "../src/json-spans.js";
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
    ['{"data":{\n  "a": 1,\n  "b": "two"\n}}', '{  "a": 1,  "b": "two"}'],
  ])("%s → %s", (text, expected) => {
    JSON.parse(text);
    expect(rawMember(text, "data")).toBe(expected);
    expect(JSON.parse(rawMember(text, "data") as string)).toEqual(JSON.parse(text).data);
  });

  test("array elements and nested objects", () => {
    const text = '{"messages": [ {"data": 1}, {"tags":["t"],"data":[{"a":"]"}]} , {"data":"x"} ]}';
    const [start] = objectSpans(text).get("messages") as [number, number];
    const starts = arrayElements(text, start);
    expect(starts.map((s) => rawMember(text, "data", s))).toEqual(["1", '[{"a":"]"}]', '"x"']);
  });

  test("compactJson only drops CR/LF", () => {
    expect(compactJson('{\r\n "a" : 1 }')).toBe('{ "a" : 1 }');
    expect(compactJson("[1, 2]")).toBe("[1, 2]");
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
