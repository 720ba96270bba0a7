// Unit tests of the runner's pieces: manifest validation, values, normalisation, matching.
import { expect, test } from "vitest";
import { hexBytes } from "../src/drivers/inputs.js";
import { ManifestError, parseManifest } from "../src/manifest/load.js";
import { checkExpect, matchValue } from "../src/runner/match.js";
import { normalise, normaliseLines, servedPaths } from "../src/runner/normalise.js";
import { resolveValue, valueAt } from "../src/runner/values.js";

const base = { conformance_version: 0, name: "m" };

test("manifests are validated with the file and step named", () => {
  expect(() => parseManifest("{", "x.json")).toThrow(/x\.json: not valid JSON/);
  expect(() =>
    parseManifest(JSON.stringify({ ...base, conformance_version: 1, steps: [] }), "v.json"),
  ).toThrow(ManifestError);
  const dup = {
    ...base,
    steps: [
      { id: "a", op: "list" },
      { id: "a", op: "list" },
    ],
  };
  expect(() => parseManifest(JSON.stringify(dup), "d.json")).toThrow(/step 1: duplicate id a/);
  const req = { ...base, steps: [{ id: "a", op: "list", requires: ["b"] }] };
  expect(() => parseManifest(JSON.stringify(req), "r.json")).toThrow(/requires b/);
  const tail = { ...base, steps: [{ id: "t", op: "tail", pool: "p" }] };
  expect(() => parseManifest(JSON.stringify(tail), "t.json")).toThrow(
    /needs "since", "since_time" or "last"/,
  );
  const future = { ...base, extra: 1, steps: [{ id: "n", op: "some_future_op", more: true }] };
  expect(parseManifest(JSON.stringify(future), "f.json").steps[0]?.op).toBe("some_future_op");
});

test("values resolve variables and generators, and refuse unknown names", () => {
  const vars = new Map<string, unknown>([
    ["dir", "/tmp/x"],
    ["n", 3],
  ]);
  expect(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest variable syntax
    resolveValue({ a: { $ref: "n" }, b: "${dir}/p", c: { $repeat: "ab", times: 2 } }, vars),
  ).toEqual({
    a: 3,
    b: "/tmp/x/p",
    c: "abab",
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest variable syntax
  expect(() => resolveValue("${nope}", vars)).toThrow(/unknown variable nope/);
  expect(valueAt({ a: { b: [1, { c: 2 }] } }, "a.b.1.c")).toBe(2);
  expect(valueAt({ a: 1 }, "a.b")).toBeUndefined();
});

test("normalisation hides times and temp dirs, never malformed times or kinds", () => {
  const n = normalise(
    {
      status: "ok",
      result: {
        message: { seq: 1, time: "2026-11-22T10:15:30.123456789Z" },
        pool: { path: "/tmp/a/pools/x.spool", newest_time: "2026-11-22T10:15:30Z" },
      },
    },
    [["pool_dir", "/tmp/a/pools"]],
  );
  expect(n).toEqual({
    status: "ok",
    result: {
      message: { seq: 1, time: "<time>" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest variable syntax
      pool: { path: "${pool_dir}/x.spool", newest_time: "2026-11-22T10:15:30Z" },
    },
  });
  const e = normalise({ status: "error", error: { kind: "NotFound", message: "m", seq: 4 } }, []);
  expect(e).toEqual({ status: "error", error: { kind: "NotFound", hint: false, seq: 4 } });
  const u = normalise(
    {
      status: "ok",
      result: {
        messages: [
          { seq: 2, data: "b" },
          { seq: 1, data: "a" },
        ],
      },
    },
    [],
    true,
  );
  expect(u).toEqual({
    status: "ok",
    result: { messages: [{ data: "a" }, { data: "b" }], seqs: [1, 2] },
  });
});

test("matching is partial on objects, exact on arrays, and reports paths", () => {
  const out: string[] = [];
  matchValue({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2], extra: true }, "r", out);
  expect(out).toEqual([]);
  matchValue({ a: 2, b: [1] }, { a: 1, b: [1, 2] }, "r", out);
  expect(out).toEqual(["r.a: expected 2, got 1", "r.b: expected 1 items, got 2: [1,2]"]);
  const un: string[] = [];
  matchValue({ $unordered: [{ x: 2 }, { x: 1 }] }, [{ x: 1 }, { x: 2 }], "m", un);
  matchValue({ $type: "integer" }, 1.5, "t", un);
  expect(un).toEqual(["t: expected a value of type integer, got 1.5"]);
  const err = { status: "error", error: { kind: "Usage", hint: true } } as const;
  expect(checkExpect({ error: { kind: "Usage", seq: false } }, err, "bad", 2, "cli")).toEqual([]);
  expect(
    checkExpect({ error: { kind: "NotFound" }, codes: { cli: 3 } }, err, "bad", 2, "cli"),
  ).toEqual([
    "status code: expected 3 on cli, got 2",
    'error.kind: expected "NotFound", got "Usage"',
  ]);
  expect(checkExpect(undefined, err, "bad", 2, "cli")).toEqual([
    'expected success, got error Usage: "bad"',
  ]);
});

test("shapes: complete PoolInfo, envelopes with data, exact CLI JSONL renderings", async () => {
  const { shapeProblems } = await import("../src/runner/shapes.js");
  const { envelopeLines, receiptLines, checkKeyOrder } = await import(
    "../src/drivers/cli-output.js"
  );
  expect(shapeProblems("get", { message: { seq: 1, time: "t", meta: { tags: [] } } })).toEqual([
    "result.message.data: missing",
  ]);
  expect(shapeProblems("info", { pool: { name: "a" } })).toContain("result.pool.bounds: missing");
  expect(shapeProblems("tail", { messages: [], gaps: [{ from: 1, to: 2 }] })).toEqual([
    "result.gaps[0]: not a gap {from, to, count}",
  ]);
  const line =
    '{"seq":1,"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":[]},"data":{"a" : 1}}\n';
  expect(envelopeLines(line)).toEqual([
    { seq: 1, time: "2026-11-22T10:15:30.123456789Z", meta: { tags: [] }, data: { a: 1 } },
  ]);
  expect(() => envelopeLines('{"time":"x","seq":1,"meta":{"tags":[]},"data":1}\n')).toThrow(
    /exact JSONL rendering/,
  );
  expect(() => receiptLines('{"seq":1,"time":"x","meta":{"tags":[]},"data":1}\n')).toThrow(
    /not a receipt line/,
  );
  expect(() => checkKeyOrder({ path: "p", name: "n" }, ["name", "path"], "PoolInfo")).toThrow(
    /out of the documented order: path, name/,
  );
});

test("envelope lines: only the commit time is masked (and the seq when unordered)", () => {
  const time = "2026-11-22T10:15:30.123456789Z";
  const n = normalise(
    {
      status: "ok",
      result: {},
      lines: [
        `{"seq":2,"time":"${time}","meta":{"tags":[]},"data":{"time":"${time}","n":1.50}}`,
        `{"seq":1,"time":"bad","meta":{"tags":[]},"data":0}`,
      ],
    },
    [],
  );
  expect(n).toEqual({
    status: "ok",
    result: {},
    lines: [
      `{"seq":2,"time":"<time>","meta":{"tags":[]},"data":{"time":"${time}","n":1.50}}`,
      `{"seq":1,"time":"bad","meta":{"tags":[]},"data":0}`,
    ],
  });
  expect(
    normaliseLines(
      [
        `{"seq":9,"time":"${time}","meta":{"tags":[]},"data":"b"}`,
        `{"seq":3,"time":"${time}","meta":{"tags":[]},"data":"a"}`,
      ],
      true,
    ),
  ).toEqual([
    '{"seq":<seq>,"time":"<time>","meta":{"tags":[]},"data":"a"}',
    '{"seq":<seq>,"time":"<time>","meta":{"tags":[]},"data":"b"}',
  ]);
  expect(Array.from(hexBytes("22ff22"))).toEqual([0x22, 0xff, 0x22]);
  expect(() => hexBytes("2")).toThrow(/pairs of hex digits/);
});

test("served-paths: HTTP's relative pool file names become absolute; absolute ones are refused", () => {
  const ok = servedPaths(
    {
      status: "ok",
      result: {
        pool: { name: "a", path: "a.spool" },
        pools: [
          { name: "b", path: "b.spool", error: { kind: "Corrupt", message: "m", path: "b.spool" } },
        ],
      },
    },
    "/srv/p",
  );
  expect(ok.violations).toEqual([]);
  expect(ok.outcome).toEqual({
    status: "ok",
    result: {
      pool: { name: "a", path: "/srv/p/a.spool" },
      pools: [
        {
          name: "b",
          path: "/srv/p/b.spool",
          error: { kind: "Corrupt", message: "m", path: "/srv/p/b.spool" },
        },
      ],
    },
  });
  const error = servedPaths(
    {
      status: "error",
      error: { kind: "NotFound", message: "pool not found: x.spool", path: "x.spool" },
    },
    "/srv/p",
  );
  expect(error.outcome).toMatchObject({ error: { path: "/srv/p/x.spool" } });
  const leaked = servedPaths(
    {
      status: "error",
      error: {
        kind: "NotFound",
        message: "pool not found: /srv/p/x.spool",
        path: "/srv/p/x.spool",
      },
    },
    "/srv/p",
  );
  expect(leaked.violations).toHaveLength(2);
  expect(leaked.violations[0]).toMatch(/error\.message: .*pool directory/);
  expect(
    servedPaths({ status: "ok", result: { path: "/elsewhere/x" } }, "/srv/p").violations,
  ).toEqual([expect.stringMatching(/absolute path/)]);
});

test("a nested error's message and hint are worded per surface: masked for parity", () => {
  const n = normalise(
    {
      status: "ok",
      result: {
        pools: [
          {
            name: "j",
            path: "/tmp/p/j.spool",
            error: { kind: "Corrupt", message: "m /tmp/p", hint: "h", path: "/tmp/p/j.spool" },
          },
        ],
      },
    },
    [["pool_dir", "/tmp/p"]],
  );
  expect(n).toEqual({
    status: "ok",
    result: {
      pools: [
        {
          name: "j",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest variable syntax
          path: "${pool_dir}/j.spool",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest variable syntax
          error: { kind: "Corrupt", message: "<message>", hint: true, path: "${pool_dir}/j.spool" },
        },
      ],
    },
  });
});

test("producers: duplicate answers, receipts, kept producers and their Conflict fields", async () => {
  const { shapeProblems } = await import("../src/runner/shapes.js");
  const { receiptLines } = await import("../src/drivers/cli-output.js");
  const { appendAnswer } = await import("../src/drivers/inputs.js");
  const time = "2026-11-22T10:15:30.123456789Z";
  const original = { seq: 2, time, meta: { tags: [] }, data: 1, duplicate: true };
  // A committed message is a receipt; a duplicate is answered whole; so is a bare receipt.
  expect(appendAnswer({ seq: 3, time, meta: { tags: [] }, data: 1 })).toEqual({
    seq: 3,
    time,
    meta: { tags: [] },
  });
  expect(appendAnswer(original)).toEqual(original);
  expect(appendAnswer({ seq: null, duplicate: true })).toEqual({ seq: null, duplicate: true });
  expect(shapeProblems("append", { message: original })).toEqual([]);
  expect(shapeProblems("append_batch", { messages: [{ seq: null, duplicate: true }] })).toEqual([]);
  expect(shapeProblems("append", { message: { seq: 0, duplicate: true } })).toEqual([
    "result.message.seq: neither a seq nor null",
  ]);
  expect(
    shapeProblems("append", {
      message: { duplicate: true, seq: 2, time, meta: { tags: [] }, data: 1 },
    }),
  ).toContain("result.message.duplicate: not the envelope's last member");
  const kept = { id: "a", epoch: 0, last_seq: 1, last_pool_seq: 1, last_time: time };
  expect(shapeProblems("producer_state", { producer: kept })).toEqual([]);
  expect(shapeProblems("producer_state", { producer: null })).toEqual([]);
  expect(shapeProblems("producer_state", { producer: { ...kept, last_seq: -1 } })).toEqual([
    "result.producer.last_seq: not a whole number",
  ]);
  // CLI feed receipts of duplicates: the receipt marked last, or the bare receipt.
  expect(
    receiptLines(`{"seq":2,"time":"${time}","meta":{"tags":[]},"duplicate":true}\n`),
  ).toHaveLength(1);
  expect(receiptLines('{"seq":null,"duplicate":true}\n{"seq":4,"duplicate":true}\n')).toHaveLength(
    2,
  );
  expect(() => receiptLines('{"duplicate":true,"seq":4}\n')).toThrow(/not a receipt line/);
  // A producer's Conflict keeps expected_seq and epoch for expectations and parity.
  const conflict = normalise(
    {
      status: "error",
      error: { kind: "Conflict", message: "m", hint: "h", expected_seq: 5, epoch: 1 },
    },
    [],
  );
  expect(conflict).toEqual({
    status: "error",
    error: { kind: "Conflict", hint: true, expected_seq: 5, epoch: 1 },
  });
  if (conflict.status !== "error") throw new Error("unreachable");
  expect(
    checkExpect(
      { error: { kind: "Conflict", expected_seq: 4, epoch: false } },
      conflict,
      "m",
      10,
      "cli",
    ),
  ).toEqual(expect.arrayContaining([expect.stringContaining("expected_seq")]));
  // last_time of a kept producer is masked like every commit time.
  expect(normalise({ status: "ok", result: { producer: kept } }, [])).toEqual({
    status: "ok",
    result: { producer: { ...kept, last_time: "<time>" } },
  });
});
