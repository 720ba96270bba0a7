/**
 * Bad input: every malformed or out-of-range input a caller can give core is refused with a
 * SpoolError of the right kind (mostly Usage) carrying a non-empty, actionable hint, before
 * anything is written; nothing crashes with another exception and no pool is changed by a
 * refused call.
 *
 * Covers: invalid and non-serialisable data (and JSON input of the wrong type); multi-line JSON
 * stored on one line; messages over the pool's limit (the error states the limit; the limit itself
 * is accepted); invalid tags and tag filters; invalid pool names, sizes and index capacities;
 * create over an existing file (AlreadyExists, bytes unchanged); open of a missing file
 * (NotFound) or of something that is not a pool (Corrupt, or Usage for a directory); invalid tail
 * options, durabilities and seqs; use of a closed or read-only handle.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createPool,
  deletePool,
  type ErrorKind,
  listPools,
  type Message,
  openPool,
  Pool,
  parseSize,
  resolvePoolRef,
  type SpoolError,
  StoredMessage,
  type TailOptions,
  validatePoolName,
  verifyPool,
} from "../src/index.js";
import { expectSpoolError } from "./helpers/expect-error.js";
import { Prng } from "./helpers/prng.js";

async function expectTailError(
  iterable: AsyncIterable<unknown>,
  kind: ErrorKind,
): Promise<SpoolError> {
  const delivered: unknown[] = [];
  let thrown: unknown;
  try {
    for await (const item of iterable) delivered.push(item);
  } catch (error) {
    thrown = error;
  }
  expect(delivered).toEqual([]);
  return expectSpoolError(() => {
    if (thrown !== undefined) throw thrown;
  }, kind);
}

function lineOf(message: Message): string {
  if (!(message instanceof StoredMessage)) throw new Error("expected a StoredMessage");
  return message.toJsonLine().toString("utf8");
}

describe("bad input", () => {
  let dir: string;
  let pool: Pool;
  let snapshot: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "spool-bad-input-"));
    pool = Pool.create(join(dir, "main.spool"), { size: "16K" });
    pool.append({ seed: 1 }, { tags: ["seed"] });
    pool.append({ seed: 2 });
  });

  afterAll(() => {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Refused calls must leave the pool exactly as it was. */
  function expectUnchanged(): void {
    expect(readFileSync(pool.path).equals(snapshot)).toBe(true);
  }

  describe("data", () => {
    beforeAll(() => {
      snapshot = readFileSync(pool.path);
    });
    afterEach(() => expectUnchanged());

    it("JSON text that does not parse is Usage", () => {
      for (const text of [
        "{nope",
        "",
        "   ",
        "\n",
        "{'a':1}",
        '{"a":1} trailing',
        "[1,2",
        "undefined",
        "NaN",
        '"unterminated',
        '{"a":01}',
      ]) {
        expectSpoolError(() => pool.appendJson(text), "Usage", /not valid JSON/);
        expectSpoolError(() => pool.appendJson(Buffer.from(text)), "Usage");
        expectSpoolError(() => pool.appendBatch([{ json: text }]), "Usage");
      }
      // JSON bytes that are not valid UTF-8 are refused, never stored with U+FFFD in their place.
      const before = pool.info().bounds;
      for (const bytes of [
        Buffer.from([0x22, 0xff, 0x22]), // "\xff"
        Buffer.from([0x22, 0xc3, 0x22]), // a cut-off two-byte sequence
        Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), // an encoded surrogate
      ]) {
        expectSpoolError(() => pool.appendJson(bytes), "Usage", /not valid UTF-8/);
        expectSpoolError(() => pool.appendBatch([{ json: bytes }]), "Usage", /not valid UTF-8/);
      }
      expect(pool.info().bounds).toEqual(before);
      // Trusted input skips only the parse check: empty input is still refused.
      expectSpoolError(() => pool.appendJson("", { trusted: true }), "Usage");
      expectSpoolError(() => pool.appendJson(new Uint8Array(0), { trusted: true }), "Usage");
    });

    it("JSON input of the wrong type is Usage, not a TypeError", () => {
      for (const value of [42, null, true, { a: 1 }, ["x"], Symbol("s")]) {
        expectSpoolError(() => pool.appendJson(value as unknown as string), "Usage");
        expectSpoolError(() => pool.appendBatch([{ json: value as unknown as string }]), "Usage");
      }
    });

    it("values without a JSON form are Usage: undefined, function, symbol, BigInt, cycles", () => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      const deep: unknown[] = [];
      deep.push({ nested: [deep] });
      for (const value of [
        undefined,
        () => 1,
        function named() {},
        Symbol("x"),
        10n,
        { big: 1n },
        cyclic,
        deep,
      ]) {
        expectSpoolError(() => pool.append(value), "Usage", /not JSON-serialisable/);
        expectSpoolError(() => pool.appendBatch([{ data: value }]), "Usage");
      }
      // One bad item refuses the whole batch: nothing of it is written.
      expectSpoolError(
        () => pool.appendBatch([{ data: { ok: 1 } }, { data: 5n }, { data: { ok: 3 } }]),
        "Usage",
      );
      expectSpoolError(() => pool.appendBatch([{ data: { ok: 1 } }, { json: "{nope" }]), "Usage");
      expectSpoolError(() => pool.appendBatch([{ data: 1 }, { data: 2, tags: [""] }]), "Usage");
    });

    it("a message over the pool's limit is Usage and states the limit; the limit itself fits", () => {
      const max = pool.info().maxMessageBytes;
      expect(max).toBeGreaterThan(1000);
      // tags "[]" count 2 bytes, a JSON string's quotes 2 more.
      expectSpoolError(
        () => pool.appendJson(JSON.stringify("x".repeat(max - 3))),
        "Usage",
        new RegExp(`at most ${max} bytes`),
      );
      expectSpoolError(
        () => pool.appendJson(JSON.stringify("x".repeat(max - 5)), { tags: ["ab"] }),
        "Usage",
        new RegExp(`${max}`),
      );
      expectSpoolError(() => pool.append("y".repeat(1_000_000)), "Usage", new RegExp(`${max}`));
      expectSpoolError(() => pool.append({ huge: "z".repeat(50_000) }), "Usage", /at most/);
      // A batch of messages that fit alone but not together would overwrite itself.
      expectSpoolError(
        () => pool.appendBatch(Array.from({ length: 40 }, () => ({ data: "w".repeat(300) }))),
        "Usage",
        /too large/,
      );
    });

    it("accepts a message of exactly the limit (in a pool of its own)", () => {
      const own = Pool.create(join(dir, "limit.spool"), { size: "16K" });
      try {
        const max = own.info().maxMessageBytes;
        const m = own.appendJson(JSON.stringify("x".repeat(max - 4)));
        expect(m.dataBytes.length + 2).toBe(max);
        const tagged = own.appendJson(JSON.stringify("x".repeat(max - 4 - 4)), { tags: ["ab"] });
        expect(tagged.dataBytes.length + '["ab"]'.length).toBe(max);
        expect(own.info().bounds).toEqual({ oldest: 2, newest: 2 });
        expect(own.get(2).tags).toEqual(["ab"]);
      } finally {
        own.close();
      }
    });

    it("invalid tags are Usage", () => {
      const bad: unknown[] = [
        "build",
        { 0: "a" },
        [1],
        [null],
        [["nested"]],
        [""],
        ["a".repeat(257)],
        ["é".repeat(129)], // 258 UTF-8 bytes
        ["line\nbreak"],
        ["nul\u0000"],
        ["tab\t"],
        ["del\u007f"],
        Array.from({ length: 65 }, (_, i) => `t${i}`),
      ];
      for (const tags of bad) {
        expectSpoolError(() => pool.append({ x: 1 }, { tags: tags as string[] }), "Usage");
        expectSpoolError(() => pool.appendJson("1", { tags: tags as string[] }), "Usage");
        expectSpoolError(() => pool.appendBatch([{ data: 1, tags: tags as string[] }]), "Usage");
      }
    });

    it("a durability other than fast or flush is Usage", () => {
      for (const durability of ["slow", "FLUSH", "Fast", "", 1, null, true]) {
        const options = { durability } as unknown as { durability: "fast" };
        expectSpoolError(() => pool.append({ x: 1 }, options), "Usage", /durability/);
        expectSpoolError(() => pool.appendJson("1", options), "Usage");
        expectSpoolError(() => pool.appendBatch([{ data: 1 }], options), "Usage");
      }
    });

    it("a seq that is not a whole number ≥ 1 is Usage", () => {
      for (const seq of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "1", null]) {
        expectSpoolError(() => pool.get(seq as number), "Usage");
      }
    });

    it("invalid tail options are Usage, raised when iteration begins, for tail and tailJsonl", async () => {
      const bad: unknown[] = [
        { since: 0 },
        { since: -3 },
        { since: 1.5 },
        { since: "1" },
        { last: -1 },
        { last: 2.5 },
        { max: 1.5 },
        { max: -1 },
        { timeoutMs: -5 },
        { since: 1, last: 1 },
        { gapPolicy: "skip" },
        { gapPolicy: "ERROR" },
        { tags: "build" },
        { tags: [""] },
        { tags: [7] },
        { tags: ["bad\ntag"] },
      ];
      for (const options of bad) {
        await expectTailError(pool.tail({ ...(options as TailOptions), follow: false }), "Usage");
        await expectTailError(
          pool.tailJsonl({ ...(options as TailOptions), follow: false }),
          "Usage",
        );
      }
    });

    it("valid boundaries next to the invalid ones are accepted", async () => {
      // Reads only: the pool stays unchanged.
      const seqs: number[] = [];
      for await (const m of pool.tail({ since: 1, max: 0, follow: false })) seqs.push(m.seq);
      expect(seqs).toEqual([]);
      for await (const m of pool.tail({ last: 0, follow: false })) seqs.push(m.seq);
      expect(seqs).toEqual([]);
      for await (const m of pool.tail({
        since: 1,
        follow: false,
        tags: ["seed"],
        gapPolicy: "error",
      }))
        seqs.push(m.seq);
      expect(seqs).toEqual([1]);
    });
  });

  it("multi-line JSON text is stored on one line; every envelope line is one line of valid JSON", async () => {
    const own = Pool.create(join(dir, "lines.spool"), { size: "64K" });
    try {
      const inputs: { kind: string; m: Message; want: unknown }[] = [];
      const add = (kind: string, m: Message, want: unknown): void => {
        inputs.push({ kind, m, want });
      };
      add("text", own.appendJson('{\n  "a": [1,\n 2],\n  "b": "x"\n}'), { a: [1, 2], b: "x" });
      add("crlf", own.appendJson('{\r\n"c": true\r\n}'), { c: true });
      add("cr", own.appendJson("[1,\r2]"), [1, 2]);
      add("bytes", own.appendJson(Buffer.from('{\n"d": null\n}')), { d: null });
      add("trusted text", own.appendJson('{"e":\n1}', { trusted: true }), { e: 1 });
      add("trusted bytes", own.appendJson(Buffer.from('{"f":\n2}'), { trusted: true }), { f: 2 });
      add("value", own.append({ s: "line1\nline2\r\u2028\u2029end", t: "\t" }), {
        s: "line1\nline2\r\u2028\u2029end",
        t: "\t",
      });
      add("batch", own.appendBatch([{ json: '[\n"g"\n]' }])[0] as Message, ["g"]);
      // A real U+FFFD in valid UTF-8 is data like any other (only invalid bytes are refused).
      add("U+FFFD bytes", own.appendJson(Buffer.from('{"i":"\uFFFD"}', "utf8")), { i: "\uFFFD" });
      add("spaces", own.appendJson('   {"h" : 1}   '), { h: 1 });
      for (const { kind, m, want } of inputs) {
        const stored = Buffer.from(m.dataBytes).toString("utf8");
        expect(stored, kind).not.toMatch(/[\r\n]/);
        expect(JSON.parse(stored), kind).toEqual(want);
        expect(m.data, kind).toEqual(want);
        const line = lineOf(own.get(m.seq));
        expect(line.endsWith("\n"), kind).toBe(true);
        expect(line.slice(0, -1), kind).not.toMatch(/[\r\n]/);
        expect(JSON.parse(line), kind).toEqual({
          seq: m.seq,
          time: m.time,
          meta: { tags: [] },
          data: want,
        });
      }
      // Text on one line is stored exactly as given (after trimming): spacing is the writer's.
      expect(Buffer.from((inputs.at(-1) as { m: Message }).m.dataBytes).toString("utf8")).toBe(
        '{"h" : 1}',
      );
      // The JSONL tail has exactly one line per message.
      const chunks: Buffer[] = [];
      for await (const chunk of own.tailJsonl({ since: 1, follow: false })) chunks.push(chunk);
      const lines = Buffer.concat(chunks).toString("utf8").split("\n");
      expect(lines.pop()).toBe("");
      expect(lines).toHaveLength(inputs.length);
      expect(lines.map((l) => (JSON.parse(l) as { data: unknown }).data)).toEqual(
        inputs.map((i) => i.want),
      );
    } finally {
      own.close();
    }
  });

  describe("names", () => {
    const invalid = [
      "../x",
      "..",
      ".",
      "",
      "a\u0000b",
      "\u0000",
      "x".repeat(10 * 1024),
      "a/b",
      "a\\b",
      "-leading-dash",
      ".hidden",
      "a..b",
      "sp ace",
      "tab\tname",
      "new\nline",
      "café",
      "日本語",
      "emoji😀",
      "x".repeat(129),
    ];

    it("validatePoolName refuses invalid names with Usage (unicode included: names are ASCII)", () => {
      for (const name of invalid) expectSpoolError(() => validatePoolName(name), "Usage");
      for (const name of [undefined, null, 42, ["a"]])
        expectSpoolError(() => validatePoolName(name), "Usage");
      for (const name of ["build", "a.b", "x@y+z", "A_1-2", "_", "9", "x".repeat(128)]) {
        expect(validatePoolName(name)).toBe(name);
      }
      // The file extension is not part of the name: one spelling per pool.
      expect(validatePoolName("build.spool")).toBe("build");
      expect(validatePoolName("a.spool.spool")).toBe("a.spool");
      expectSpoolError(() => validatePoolName(".spool"), "Usage");
    });

    it("createPool, openPool and deletePool refuse invalid bare names and create nothing", () => {
      const poolDir = join(dir, "names");
      mkdirSync(poolDir);
      // A reference containing '/' or '\' is a path by contract, not a name: leave those out.
      for (const name of invalid.filter((n) => !n.includes("/") && !n.includes("\\"))) {
        expectSpoolError(() => createPool(name, { dir: poolDir, size: "16K" }), "Usage");
        expectSpoolError(() => openPool(name, { dir: poolDir }), "Usage");
        expectSpoolError(() => deletePool(name, { dir: poolDir }), "Usage");
      }
      expect(readdirSync(poolDir)).toEqual([]);
      expect(resolvePoolRef("../x", { dir: poolDir }).kind).toBe("local"); // a path, used as is
    });

    it("remote references with an invalid name are Usage", () => {
      for (const ref of [
        "http://localhost:1/..%2Fx",
        "http://localhost:1/",
        "https://h/%00",
        "http://h/%E0%A4%A",
        "http://h/caf%C3%A9",
      ]) {
        expectSpoolError(() => resolvePoolRef(ref), "Usage");
      }
      expect(resolvePoolRef("http://localhost:9/pools/build")).toMatchObject({
        kind: "remote",
        name: "build",
      });
    });
  });

  it("invalid sizes and index capacities are Usage, and create writes nothing", () => {
    const bad: unknown[] = [
      "abc",
      "1X",
      "0",
      "15K",
      "2T",
      "1025G",
      -5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      0,
      16383,
      "",
      " ",
      "-16K",
      "1e6",
      "1.5.5K",
      "16K 16K",
      null,
      {},
      2 ** 40 + 1,
    ];
    for (const size of bad) expectSpoolError(() => parseSize(size), "Usage");
    expect(parseSize("16K")).toBe(16384);
    expect(parseSize(16384)).toBe(16384);
    expect(parseSize("1T")).toBe(2 ** 40); // parsed only: never created here
    expect(parseSize(" 1.5 m ")).toBe(1572864);

    const sizeDir = join(dir, "sizes");
    for (const size of ["abc", "15K", "2T", -5, Number.NaN]) {
      expectSpoolError(
        () => Pool.create(join(sizeDir, "p.spool"), { size: size as string }),
        "Usage",
      );
    }
    for (const indexCapacity of [0, -1, 1.5, 2 ** 25, 10_000]) {
      expectSpoolError(
        () => Pool.create(join(sizeDir, "p.spool"), { size: "16K", indexCapacity }),
        "Usage",
      );
    }
    let entries: string[] = [];
    try {
      entries = readdirSync(sizeDir);
    } catch {
      entries = [];
    }
    expect(entries).toEqual([]);
  });

  it("create of an existing pool or file is AlreadyExists and leaves its bytes unchanged", () => {
    const path = join(dir, "exists.spool");
    const existing = Pool.create(path, { size: "32K" });
    existing.append({ keep: "me" });
    existing.close();
    const before = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    // 1T: more than this disk has free; the existing name is still what the caller is told.
    for (const size of ["16K", "32K", "1M", "1T"]) {
      expectSpoolError(() => Pool.create(path, { size }), "AlreadyExists");
    }
    expectSpoolError(() => createPool("exists", { dir, size: "16K" }), "AlreadyExists");
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(statSync(path).mtimeMs).toBe(mtime);

    const notAPool = join(dir, "notes.txt");
    writeFileSync(notAPool, "precious notes\n");
    expectSpoolError(() => Pool.create(notAPool, { size: "16K" }), "AlreadyExists");
    expect(readFileSync(notAPool, "utf8")).toBe("precious notes\n");
    // No temporary files are left behind by the refused creates.
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("open of a missing pool is NotFound; verify and delete of one report NotFound too", () => {
    const missing = join(dir, "missing.spool");
    const e = expectSpoolError(() => Pool.open(missing), "NotFound");
    expect(e.path).toBe(missing);
    expectSpoolError(() => Pool.open(missing, { readOnly: true }), "NotFound");
    expectSpoolError(() => openPool("missing", { dir }), "NotFound");
    expectSpoolError(() => deletePool("missing", { dir }), "NotFound");
    const report = verifyPool(missing);
    expect(report.ok).toBe(false);
    expect(report.issues[0]?.kind).toBe("NotFound");
  });

  it("open of a file that is not a pool is Corrupt (a directory is Usage); list shows the error", () => {
    const prng = new Prng(0xbad);
    const notPools = join(dir, "not-pools");
    mkdirSync(notPools);
    const files: Record<string, Buffer> = {
      "empty.spool": Buffer.alloc(0),
      "text.spool": Buffer.from("hello, I am a text file\n".repeat(500)),
      "json.spool": Buffer.from(JSON.stringify({ seq: 1, data: "not a pool" })),
      "random.spool": Buffer.from(Array.from({ length: 20_000 }, () => prng.int(0, 255))),
      "zeros.spool": Buffer.alloc(16384),
      "magic-only.spool": Buffer.concat([Buffer.from("SPOOLPL\0", "latin1"), Buffer.alloc(16376)]),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const path = join(notPools, name);
      writeFileSync(path, bytes);
      expectSpoolError(() => Pool.open(path), "Corrupt");
      expectSpoolError(() => Pool.open(path, { readOnly: true }), "Corrupt");
      const report = verifyPool(path);
      expect(report.ok, name).toBe(false);
      expect(report.issues[0]?.kind, name).toBe("Corrupt");
      expect(readFileSync(path).equals(bytes), `${name} unchanged`).toBe(true);
    }
    const listed = listPools({ dir: notPools });
    expect(listed.map((e) => e.name).sort()).toEqual(
      Object.keys(files)
        .map((f) => f.replace(/\.spool$/, ""))
        .sort(),
    );
    for (const entry of listed) {
      expect(entry.info).toBeUndefined();
      expect(entry.error?.kind).toBe("Corrupt");
      expect(entry.error?.hint ?? "").not.toBe("");
    }
    mkdirSync(join(notPools, "dir.spool"));
    expectSpoolError(() => Pool.open(join(notPools, "dir.spool")), "Usage");
  });

  it("a closed handle is Usage; a read-only handle refuses appends with Permission", async () => {
    const path = join(dir, "handles.spool");
    const writable = Pool.create(path, { size: "16K" });
    writable.append({ n: 1 });
    const readOnly = Pool.open(path, { readOnly: true });
    expectSpoolError(() => readOnly.append({ n: 2 }), "Permission");
    expectSpoolError(() => readOnly.appendJson("2"), "Permission");
    expect(readOnly.get(1).data).toEqual({ n: 1 });
    readOnly.close();
    writable.close();
    writable.close(); // closing twice is harmless
    expectSpoolError(() => writable.append({ n: 3 }), "Usage", /closed/);
    expectSpoolError(() => writable.get(1), "Usage", /closed/);
    expectSpoolError(() => writable.info(), "Usage", /closed/);
    await expectTailError(writable.tail({ since: 1, follow: false }), "Usage");
    const reopened = Pool.open(path);
    expect(reopened.info().bounds).toEqual({ oldest: 1, newest: 1 });
    reopened.close();
  });
});
