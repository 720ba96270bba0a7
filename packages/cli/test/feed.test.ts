// `spool feed`: inline, --file and stdin input in every format, tags, --create, receipts,
// durability, Busy retries, --errors stop|skip, and a 100,000-line feed from stdin.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { baseEnv, cliLine, collect, jsonLines, run, tempDir, waitFor } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

type Envelope = { seq: number; time: string; meta: { tags: string[] }; data: unknown };
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

async function all(pool: string): Promise<Envelope[]> {
  const r = await run(dir, ["follow", pool, "--tail", "1000000", "--replay", "0", "--jsonl"]);
  expect(r.code).toBe(0);
  return jsonLines(r.stdout) as Envelope[];
}

describe("feed input", () => {
  it("stores one inline value and prints a JSON receipt when piped", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await run(dir, [
      "feed",
      "p",
      '{"step":"lint","ok":true}',
      "--tag",
      "build",
      "-t",
      "ci",
    ]);
    expect(r.code).toBe(0);
    const [receipt] = jsonLines(r.stdout) as Record<string, unknown>[];
    expect(Object.keys(receipt as object)).toEqual(["seq", "time", "meta"]);
    expect(receipt).toMatchObject({ seq: 1, meta: { tags: ["build", "ci"] } });
    expect(receipt?.time).toMatch(TIME);
    expect(await all("p")).toEqual([
      {
        seq: 1,
        time: receipt?.time,
        meta: { tags: ["build", "ci"] },
        data: { step: "lint", ok: true },
      },
    ]);
  });

  it("reads JSON Lines from stdin (blank lines ignored)", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await run(dir, ["feed", "p"], { input: '{"a":1}\n\n{"a":2}\r\n[3]\n' });
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((x) => (x as Envelope).seq)).toEqual([1, 2, 3]);
    expect((await all("p")).map((m) => m.data)).toEqual([{ a: 1 }, { a: 2 }, [3]]);
  });

  it("auto-detects pretty-printed and concatenated JSON values", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await run(dir, ["feed", "p"], {
      input: '{\n  "a": 1,\n  "s": "x}{\\"y"\n}\n{"b":\n 2} 3 "four" [5]\n',
    });
    expect(r.code).toBe(0);
    expect((await all("p")).map((m) => m.data)).toEqual([
      { a: 1, s: 'x}{"y' },
      { b: 2 },
      3,
      "four",
      [5],
    ]);
  });

  it("auto-detects RFC 7464 JSON text sequences, and --in forces a format", async () => {
    await run(dir, ["pool", "create", "p"]);
    expect(
      (await run(dir, ["feed", "p"], { input: '\u001e{"s":1}\n\u001e{"s":\n2}\n' })).code,
    ).toBe(0);
    expect((await run(dir, ["feed", "p", "--in", "json"], { input: '{"j":1}{"j":2}' })).code).toBe(
      0,
    );
    expect((await run(dir, ["feed", "p", "--in", "seq"], { input: '\u001e"q"\n' })).code).toBe(0);
    const bad = await run(dir, ["feed", "p", "--in", "jsonl"], { input: '{"j":1}{"j":2}\n' });
    expect(bad.code).toBe(2);
    expect((await all("p")).map((m) => m.data)).toEqual([
      { s: 1 },
      { s: 2 },
      { j: 1 },
      { j: 2 },
      "q",
    ]);
  });

  it("reads --file, and --file - reads stdin", async () => {
    await run(dir, ["pool", "create", "p"]);
    writeFileSync(`${dir}/in.jsonl`, '{"f":1}\n{"f":2}\n');
    expect((await run(dir, ["feed", "p", "--file", "in.jsonl"])).code).toBe(0);
    expect((await run(dir, ["feed", "p", "-f", "-"], { input: '{"f":3}' })).code).toBe(0);
    expect((await all("p")).map((m) => m.data)).toEqual([{ f: 1 }, { f: 2 }, { f: 3 }]);
    const missing = await run(dir, ["feed", "p", "--file", "nope.jsonl"]);
    expect(missing.code).toBe(3);
    expect(jsonLines(missing.stderr)[0]).toMatchObject({
      error: { kind: "NotFound", hint: expect.stringContaining("--file") },
    });
  });

  it("creates the pool with --create and --create-size", async () => {
    const r = await run(dir, ["feed", "new", "1", "--create", "--create-size", "32K"]);
    expect(r.code).toBe(0);
    const info = JSON.parse((await run(dir, ["pool", "info", "new", "--json"])).stdout) as {
      pool: { file_size: number };
    };
    expect(info.pool.file_size).toBe(32768);
    expect((await run(dir, ["feed", "new", "2", "--create"])).code).toBe(0);
  });

  it("fails with NotFound and a hint when the pool is missing", async () => {
    const r = await run(dir, ["feed", "missing", "1"]);
    expect(r.code).toBe(3);
    expect(jsonLines(r.stderr)).toEqual([
      {
        error: expect.objectContaining({
          kind: "NotFound",
          hint: expect.stringContaining("create"),
        }),
      },
    ]);
  });

  it("accepts --durability flush and refuses unknown values", async () => {
    await run(dir, ["pool", "create", "p"]);
    expect((await run(dir, ["feed", "p", "1", "--durability", "flush"])).code).toBe(0);
    expect((await run(dir, ["feed", "p", "1", "--durability", "maybe"])).code).toBe(2);
  });

  it("--quiet prints no receipts", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await run(dir, ["feed", "p", "-q"], { input: "1\n2\n" });
    expect(r.stdout).toBe("");
    expect((await all("p")).length).toBe(2);
  });

  it("refuses a terminal-less call with no data only when stdin is a terminal (here: empty stdin feeds nothing)", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await run(dir, ["feed", "p"], { input: "" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
  });
});

describe("feed errors", () => {
  it("--errors stop stores the records before the bad one and exits 2 naming the line", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await run(dir, ["feed", "p"], { input: '{"a":1}\n{"a":2}\nnot json\n{"a":4}\n' });
    expect(r.code).toBe(2);
    expect(jsonLines(r.stdout).length).toBe(2);
    expect(jsonLines(r.stderr)).toEqual([
      {
        error: expect.objectContaining({
          kind: "Usage",
          message: expect.stringContaining("line 3"),
          hint: expect.any(String),
        }),
      },
    ]);
    expect((await all("p")).map((m) => m.data)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("--errors skip reports each rejected record, a summary, and exits 1", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await run(dir, ["feed", "p", "--errors", "skip"], {
      input: '{"a":1}\nbad\n{"a":3}\n{oops\n{"a":5}\n',
    });
    expect(r.code).toBe(1);
    expect(jsonLines(r.stderr)).toEqual([
      {
        notice: expect.objectContaining({
          kind: "rejected",
          line: 2,
          error: expect.objectContaining({ kind: "Usage" }),
        }),
      },
      { notice: expect.objectContaining({ kind: "rejected", line: 4 }) },
      { notice: { kind: "summary", stored: 3, rejected: 2 } },
    ]);
    expect((await all("p")).map((m) => m.data)).toEqual([{ a: 1 }, { a: 3 }, { a: 5 }]);
  });

  it("refuses a message too large for the pool with a hint", async () => {
    await run(dir, ["pool", "create", "small", "--size", "16K"]);
    const r = await run(dir, ["feed", "small", JSON.stringify("x".repeat(20_000))]);
    expect(r.code).toBe(2);
    expect(jsonLines(r.stderr)[0]).toMatchObject({
      error: { kind: "Usage", hint: expect.stringContaining("--size") },
    });
  });

  it("refuses bad tags and bad durations before reading input", async () => {
    await run(dir, ["pool", "create", "p"]);
    expect((await run(dir, ["feed", "p", "1", "--tag", ""])).code).toBe(2);
    const r = await run(dir, ["feed", "p", "1", "--retry-delay", "soon"]);
    expect(r.code).toBe(2);
    expect(jsonLines(r.stderr)[0]).toMatchObject({
      error: { kind: "Usage", message: expect.stringContaining("--retry-delay") },
    });
  });

  it("waits for a locked pool, fails Busy (exit 5), and succeeds with --retry", async () => {
    await run(dir, ["pool", "create", "locked"]);
    const holder = spawn("flock", ["-x", `${dir}/locked.spool`, "-c", "echo held; sleep 1.5"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const closed = new Promise((r) => holder.on("close", r));
    let held = false;
    holder.stdout.on("data", () => {
      held = true;
    });
    await waitFor(() => held, 5000, "flock to hold the pool");
    const busy = await run(dir, ["feed", "locked", "1", "--lock-timeout", "100ms"]);
    expect(busy.code).toBe(5);
    expect(jsonLines(busy.stderr)[0]).toMatchObject({
      error: { kind: "Busy", hint: expect.any(String) },
    });
    const retried = await run(dir, [
      "feed",
      "locked",
      "2",
      "--lock-timeout",
      "100ms",
      "--retry",
      "40",
      "--retry-delay",
      "100ms",
    ]);
    expect(retried.code).toBe(0);
    await closed;
    expect((await all("locked")).map((m) => m.data)).toEqual([2]);
  });
});

describe("feed and pipes", () => {
  it("keeps storing when the reader of its receipts goes away (feed | head -1)", async () => {
    await run(dir, ["pool", "create", "p", "--size", "8M"]);
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"i":${i + 1}}`).join("\n");
    writeFileSync(`${dir}/in.jsonl`, `${lines}\n`);
    const shell = spawn(
      "bash",
      ["-c", `set -o pipefail; ${cliLine(["feed", "p"])} < in.jsonl | head -1; echo "status=$?"`],
      {
        cwd: dir,
        env: baseEnv(dir),
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const r = await collect(shell, 30_000);
    expect(r.stdout).toMatch(/^\{"seq":1,.*\}\nstatus=0\n$/);
    expect(r.stderr).toBe("");
    const info = JSON.parse((await run(dir, ["pool", "info", "p", "--json"])).stdout) as {
      pool: { bounds: { newest: number } };
    };
    expect(info.pool.bounds.newest).toBe(20_000);
  });
});

describe("feed at volume", () => {
  it("stores 100,000 JSONL lines from stdin once each, in order, with one receipt each", async () => {
    await run(dir, ["pool", "create", "big", "--size", "32M"]);
    let input = "";
    for (let i = 1; i <= 100_000; i++) input += `{"i":${i},"msg":"line ${i}"}\n`;
    const r = await run(dir, ["feed", "big"], { input, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const receipts = r.stdout.trimEnd().split("\n");
    expect(receipts.length).toBe(100_000);
    expect(JSON.parse(receipts[99_999] as string)).toMatchObject({ seq: 100_000 });
    const stored = await run(
      dir,
      ["follow", "big", "--tail", "200000", "--replay", "0", "--jsonl", "--data-only"],
      { timeoutMs: 60_000 },
    );
    const lines = stored.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(100_000);
    lines.forEach((line, i) => {
      if (line !== `{"i":${i + 1},"msg":"line ${i + 1}"}`)
        throw new Error(`line ${i + 1} is ${line}`);
    });
  });
});
