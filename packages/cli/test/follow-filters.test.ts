// `spool follow` filters and formats (--tag, --where, JSONL, --data-only, pretty, --replay)
// and `spool fetch`.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPool, type Envelope, jsonLines, run, sleep, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const pool = (name: string, messages: string[] = [], size = "1M"): Promise<void> =>
  createPool(dir, name, messages, size);

describe("follow: filters and formats", () => {
  it("--tag keeps messages carrying every given tag", async () => {
    await pool("p");
    await run(dir, ["feed", "p", "1", "-t", "a"]);
    await run(dir, ["feed", "p", "2", "-t", "a", "-t", "b"]);
    await run(dir, ["feed", "p", "3", "-t", "b"]);
    const r = await run(dir, [
      "follow",
      "p",
      "--tail",
      "10",
      "--replay",
      "0",
      "--tag",
      "a",
      "--tag",
      "b",
    ]);
    expect((jsonLines(r.stdout) as Envelope[]).map((m) => m.data)).toEqual([2]);
  });

  it("--where filters with jq expressions over the whole envelope", async () => {
    await pool("p");
    await run(dir, ["feed", "p", "-q"], {
      input:
        '{"level":"info","n":1}\n{"level":"error","n":2}\n{"level":"error","n":3,"x":null}\n"text"\n',
    });
    await run(dir, ["feed", "p", '{"level":"error","n":4}', "-t", "ci"]);
    const seqs = async (...where: string[]): Promise<number[]> => {
      const r = await run(dir, [
        "follow",
        "p",
        "--tail",
        "10",
        "--replay",
        "0",
        ...where.flatMap((w) => ["--where", w]),
      ]);
      expect(r.code).toBe(0);
      return (jsonLines(r.stdout) as Envelope[]).map((m) => m.seq);
    };
    expect(await seqs('.data.level == "error"')).toEqual([2, 3, 5]);
    expect(await seqs('.data.level == "error"', ".data.n > 2")).toEqual([3, 5]);
    expect(await seqs('.meta.tags | index("ci")')).toEqual([5]);
    expect(await seqs(".seq % 2 == 0")).toEqual([2, 4]);
    expect(await seqs('.data | type == "string"')).toEqual([4]);
    expect(await seqs(".data.x")).toEqual([]);
    expect(await seqs('.time > "2000-01-01"')).toEqual([1, 2, 3, 4, 5]);
    expect(await seqs("empty")).toEqual([]);
  });

  it("--where syntax errors are Usage (exit 2); runtime errors drop the message with a notice", async () => {
    await pool("p", ['{"n":1}', '"str"', '{"n":3}']);
    const bad = await run(dir, ["follow", "p", "--where", ".data.n >"]);
    expect(bad.code).toBe(2);
    expect(jsonLines(bad.stderr)[0]).toMatchObject({
      error: {
        kind: "Usage",
        message: expect.stringContaining("--where"),
        hint: expect.any(String),
      },
    });
    const r = await run(dir, [
      "follow",
      "p",
      "--tail",
      "5",
      "--replay",
      "0",
      "--where",
      ".data.n >= 1",
    ]);
    expect(r.code).toBe(0);
    expect((jsonLines(r.stdout) as Envelope[]).map((m) => m.seq)).toEqual([1, 3]);
    expect(jsonLines(r.stderr)).toEqual([
      { notice: expect.objectContaining({ kind: "where_error", seq: 2 }) },
    ]);
  });

  it("JSONL is the exact stored envelope; --data-only prints the stored data bytes", async () => {
    await pool("p");
    await run(dir, ["feed", "p", '{"a": 1,  "b": [1, 2]}', "-t", "x"]);
    const line = (await run(dir, ["follow", "p", "--tail", "1", "--replay", "0", "--jsonl"]))
      .stdout;
    expect(line).toMatch(
      /^\{"seq":1,"time":"[^"]{30}","meta":\{"tags":\["x"\]\},"data":\{"a": 1, {2}"b": \[1, 2\]\}\}\n$/,
    );
    const data = await run(dir, ["follow", "p", "--tail", "1", "--replay", "0", "--data-only"]);
    expect(data.stdout).toBe('{"a": 1,  "b": [1, 2]}\n');
    expect((await run(dir, ["fetch", "p", "1"])).stdout).toBe(line);
    expect((await run(dir, ["fetch", "p", "1", "--data-only"])).stdout).toBe(
      '{"a": 1,  "b": [1, 2]}\n',
    );
  });

  it("--format pretty prints one readable line per message, coloured only with --color always", async () => {
    await pool("p");
    await run(dir, ["feed", "p", '{"ok":true}', "-t", "build"]);
    const plain = (
      await run(dir, ["follow", "p", "--tail", "1", "--replay", "0", "--format", "pretty"])
    ).stdout;
    expect(plain).toMatch(/^#1 \d\d:\d\d:\d\d\.\d{3}Z \[build\] \{"ok":true\}\n$/);
    const colored = (
      await run(dir, [
        "follow",
        "p",
        "--tail",
        "1",
        "--replay",
        "0",
        "--format",
        "pretty",
        "--color",
        "always",
      ])
    ).stdout;
    expect(colored).toContain("\u001b[36m#1\u001b[39m");
    expect(colored).toContain("\u001b[35mtrue\u001b[39m");
    const forced = (
      await run(dir, ["follow", "p", "--tail", "1", "--replay", "0", "--format", "pretty"], {
        env: { FORCE_COLOR: "1" },
      })
    ).stdout;
    expect(forced).toContain("\u001b[");
  });

  it("--replay re-emits at recorded pace, scaled by SPEED, then exits", async () => {
    await pool("p");
    for (const n of [1, 2, 3]) {
      await run(dir, ["feed", "p", String(n)]);
      await sleep(300);
    }
    const timed = async (speed: string): Promise<{ ms: number; seqs: number[] }> => {
      const began = Date.now();
      const r = await run(dir, ["follow", "p", "--tail", "3", "--replay", speed]);
      expect(r.code).toBe(0);
      return {
        ms: Date.now() - began,
        seqs: (jsonLines(r.stdout) as Envelope[]).map((m) => m.seq),
      };
    };
    const real = await timed("1");
    expect(real.seqs).toEqual([1, 2, 3]);
    expect(real.ms).toBeGreaterThanOrEqual(600);
    const fast = await timed("20");
    expect(fast.seqs).toEqual([1, 2, 3]);
    expect(fast.ms).toBeLessThan(real.ms);
    const instant = await timed("0");
    expect(instant.seqs).toEqual([1, 2, 3]);
  });
});

describe("fetch", () => {
  it("prints one envelope, and NotFound with seq for a missing one", async () => {
    await pool("p", ['{"a":1}']);
    const r = await run(dir, ["fetch", "p", "1"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ seq: 1, data: { a: 1 }, meta: { tags: [] } });
    const missing = await run(dir, ["fetch", "p", "7"]);
    expect(missing.code).toBe(3);
    expect(jsonLines(missing.stderr)).toEqual([
      { error: expect.objectContaining({ kind: "NotFound", seq: 7, hint: expect.any(String) }) },
    ]);
    const bad = await run(dir, ["fetch", "p", "zero"]);
    expect(bad.code).toBe(2);
  });
});
