// Every command that prints records or documents takes --format, --jsonl and --json with one
// meaning (spec/cli/v0 §2.1): jsonl is one record a line, json one document, --json is json
// where a command prints one document and jsonl where it prints a stream; flags that disagree
// are a Usage error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, type RunResult, run, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  tmp = tempDir();
  expect((await run(tmp.dir, ["pool", "create", "p"])).code).toBe(0);
  expect((await run(tmp.dir, ["feed", "p", '{"n":1}'])).code).toBe(0);
  expect((await run(tmp.dir, ["feed", "p", '{"n":2}'])).code).toBe(0);
});
afterAll(() => tmp.cleanup());

const spool = (...args: string[]) => run(tmp.dir, args);

function usage(r: RunResult): string {
  expect(r.code).toBe(2);
  const [line] = jsonLines(r.stderr) as { error: { kind: string; message: string } }[];
  expect(line?.error.kind).toBe("Usage");
  return line?.error.message as string;
}

describe("output flags", () => {
  it("follow: --format jsonl, --jsonl and --json print the same envelopes; pretty prints text", async () => {
    const base = ["follow", "p", "--since", "1", "--no-follow"];
    const jsonl = (await spool(...base, "--format", "jsonl")).stdout;
    expect(jsonLines(jsonl)).toHaveLength(2);
    expect((await spool(...base, "--jsonl")).stdout).toBe(jsonl);
    expect((await spool(...base, "--json")).stdout).toBe(jsonl);
    expect((await spool(...base, "--json", "--jsonl")).stdout).toBe(jsonl);
    expect((await spool(...base, "--format", "pretty")).stdout).toMatch(/^#1 .*\{"n":1\}\n#2 /);
    expect(usage(await spool(...base, "--format", "json"))).toMatch(/format/);
    expect(usage(await spool(...base, "--jsonl", "--format", "pretty"))).toBe(
      "--format pretty and --jsonl ask for different output formats",
    );
  });

  it("fetch: jsonl and json print the envelope's line; pretty indents it", async () => {
    const line = (await spool("fetch", "p", "1")).stdout;
    expect(JSON.parse(line)).toMatchObject({ seq: 1, data: { n: 1 } });
    for (const flags of [["--jsonl"], ["--json"], ["--format", "json"], ["--format", "jsonl"]])
      expect((await spool("fetch", "p", "1", ...flags)).stdout, flags.join(" ")).toBe(line);
    expect((await spool("fetch", "p", "1", "--format", "pretty")).stdout).toContain('\n  "seq": 1');
  });

  it("feed: receipts are JSON lines with --json/--jsonl, human text with --format pretty", async () => {
    const json = await spool("feed", "p", '{"n":3}', "--json");
    expect(jsonLines(json.stdout)).toEqual([
      { seq: 3, time: expect.any(String), meta: { tags: [] } },
    ]);
    const jsonl = await spool("feed", "p", '{"n":4}', "--format", "jsonl");
    expect(jsonLines(jsonl.stdout)).toMatchObject([{ seq: 4 }]);
    const pretty = await spool("feed", "p", '{"n":5}', "--format", "pretty");
    expect(pretty.stdout).toMatch(/^stored #5 /);
    const stream = await run(tmp.dir, ["feed", "p", "--format", "pretty"], {
      input: '{"n":6}\n{"n":7}\n',
    });
    expect(stream.stdout).toMatch(/^stored 2 message\(s\) \(seq 6\.\.7\)/);
    expect(usage(await spool("feed", "p", "{}", "--format", "json"))).toMatch(/format/);
    expect(usage(await spool("feed", "p", "{}", "--json", "--format", "pretty"))).toMatch(
      /different output formats/,
    );
  });

  it("version: --json, --jsonl and --format json print one JSON line; pretty the human line", async () => {
    for (const flags of [["--json"], ["--jsonl"], ["--format", "json"], []]) {
      const r = await spool("version", ...flags);
      expect(r.code, flags.join(" ")).toBe(0);
      expect(JSON.parse(r.stdout), flags.join(" ")).toHaveProperty("spool");
    }
    expect((await spool("version", "--format", "pretty")).stdout).toMatch(
      /^spool \S+ \(@spool\/core /,
    );
  });

  it("pool list / info: --json one document, --jsonl one pool per line, text by default", async () => {
    await spool("pool", "create", "q");
    const list = JSON.parse((await spool("pool", "list", "--json")).stdout) as {
      pools: { name: string }[];
    };
    expect(list.pools.map((p) => p.name)).toEqual(["p", "q"]);
    const lines = jsonLines((await spool("pool", "list", "--jsonl")).stdout) as { name: string }[];
    expect(lines).toEqual(list.pools);
    expect((await spool("pool", "list", "--format", "json")).stdout).toBe(
      `${JSON.stringify(list)}\n`,
    );
    expect((await spool("pool", "list")).stdout).toMatch(/^NAME/);
    const info = JSON.parse((await spool("pool", "info", "q", "--json")).stdout) as {
      pool: unknown;
    };
    expect(jsonLines((await spool("pool", "info", "q", "--jsonl")).stdout)).toEqual([info.pool]);
    expect(usage(await spool("pool", "list", "--json", "--jsonl"))).toBe(
      "--jsonl and --json ask for different output formats",
    );
  });

  it("pool create / delete: --jsonl prints one line per pool created or deleted", async () => {
    const created = jsonLines((await spool("pool", "create", "c1", "c2", "--jsonl")).stdout) as {
      name: string;
    }[];
    expect(created.map((c) => c.name)).toEqual(["c1", "c2"]);
    const deleted = await spool("pool", "delete", "c1", "c2", "--format", "jsonl");
    expect(jsonLines(deleted.stdout)).toEqual([
      { name: "c1", path: expect.stringMatching(/c1\.spool$/) },
      { name: "c2", path: expect.stringMatching(/c2\.spool$/) },
    ]);
    const json = await spool("pool", "create", "c3", "--format", "json");
    expect(JSON.parse(json.stdout)).toMatchObject({ pools: [{ name: "c3" }] });
  });

  it("doctor: --json one document, --jsonl one report per pool", async () => {
    const doc = JSON.parse((await spool("doctor", "p", "--json")).stdout) as {
      ok: boolean;
      pools: unknown[];
    };
    expect(doc.ok).toBe(true);
    expect(jsonLines((await spool("doctor", "p", "--jsonl")).stdout)).toEqual(doc.pools);
    expect((await spool("doctor", "p", "--format", "pretty")).stdout).toMatch(/^ok {3}p /);
  });
});
