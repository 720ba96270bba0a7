// `spool pool create|list|info|delete`: human and --json output, best-effort semantics, and the
// errors each can raise.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonLines, run, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const INFO_KEYS = [
  "name",
  "path",
  "format_version",
  "file_size",
  "ring_size",
  "index_capacity",
  "index_stride",
  "bounds",
  "message_count",
  "bytes_used",
  "bytes_free",
  "max_message_bytes",
  "oldest_time",
  "newest_time",
  "producer_count",
  "producer_capacity",
  "producers",
  "cursors",
  "groups",
];

describe("pool create", () => {
  it("creates several pools and prints their info as JSON", async () => {
    const r = await run(dir, [
      "pool",
      "create",
      "a",
      "b",
      "--size",
      "64K",
      "--index-capacity",
      "100",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { pools: Record<string, unknown>[] };
    expect(out.pools.map((p) => p.name)).toEqual(["a", "b"]);
    expect(Object.keys(out.pools[0] as object)).toEqual(INFO_KEYS);
    expect(out.pools[0]).toMatchObject({
      file_size: 65536,
      index_capacity: 100,
      bounds: {},
      message_count: 0,
      path: `${dir}/a.spool`,
    });
    expect(out.pools[0]?.bounds).toEqual({});
  });

  it("--ledger-size sets how many producers a pool keeps; a bad one is Usage and creates nothing", async () => {
    const r = await run(dir, [
      "pool",
      "create",
      "big",
      "--size",
      "1M",
      "--ledger-size",
      "256K",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const [pool] = (JSON.parse(r.stdout) as { pools: Record<string, unknown>[] }).pools;
    expect(pool).toMatchObject({ producer_capacity: 511, producer_count: 0 });
    for (const bad of ["1K", "2049", "65M", "lots"]) {
      const refused = await run(dir, ["pool", "create", `bad${bad}`, "--ledger-size", bad]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/ledger size|size/);
      expect(refused.stderr).toMatch(/hint/i);
    }
    const list = await run(dir, ["pool", "list", "--json"]);
    expect(
      (JSON.parse(list.stdout) as { pools: { name: string }[] }).pools.map((p) => p.name),
    ).toEqual(["big"]);
  });

  it("prints a human line per pool", async () => {
    const r = await run(dir, ["pool", "create", "h"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^created h \(1\.0 MiB, .*h\.spool\)\n$/);
  });

  it("is best effort: creates the others and exits with the first failure's code", async () => {
    await run(dir, ["pool", "create", "a"]);
    const r = await run(dir, ["pool", "create", "a", "c", "--json"]);
    expect(r.code).toBe(4);
    expect(
      (JSON.parse(r.stdout) as { pools: { name: string }[] }).pools.map((p) => p.name),
    ).toEqual(["c"]);
    expect(jsonLines(r.stderr)).toEqual([
      { error: expect.objectContaining({ kind: "AlreadyExists", hint: expect.any(String) }) },
    ]);
  });

  it("refuses a bad size before creating anything", async () => {
    const r = await run(dir, ["pool", "create", "x", "--size", "12Q"]);
    expect(r.code).toBe(2);
    expect((await run(dir, ["pool", "list", "--json"])).stdout).toBe('{"pools":[]}\n');
  });

  it("accepts a path and creates parent directories", async () => {
    const r = await run(dir, ["pool", "create", "./deep/er/p.spool", "--json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { pools: { path: string }[] }).pools[0]?.path).toBe(
      `${dir}/deep/er/p.spool`,
    );
  });

  it("defaults to ~/.spool/pools without --dir or SPOOL_DIR", async () => {
    const env = { SPOOL_DIR: undefined, HOME: `${dir}/home` };
    const r = await run(dir, ["pool", "create", "d", "--json"], { env });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { pools: { path: string }[] }).pools[0]?.path).toBe(
      `${dir}/home/.spool/pools/d.spool`,
    );
    const list = await run(dir, ["pool", "list", "--json"], { env });
    expect((JSON.parse(list.stdout) as { pools: { name: string }[] }).pools).toEqual([
      expect.objectContaining({ name: "d" }),
    ]);
  });

  it("honours --dir over SPOOL_DIR", async () => {
    const r = await run(dir, ["--dir", `${dir}/other`, "pool", "create", "z", "--json"]);
    expect((JSON.parse(r.stdout) as { pools: { path: string }[] }).pools[0]?.path).toBe(
      `${dir}/other/z.spool`,
    );
  });
});

describe("pool list / info / delete", () => {
  it("lists pools sorted by name, with info, as JSON and text", async () => {
    await run(dir, ["pool", "create", "b", "a"]);
    await run(dir, ["feed", "a", '{"x":1}']);
    const json = JSON.parse((await run(dir, ["pool", "list", "--json"])).stdout) as {
      pools: Record<string, unknown>[];
    };
    expect(json.pools.map((p) => p.name)).toEqual(["a", "b"]);
    expect(json.pools[0]).toMatchObject({ message_count: 1, bounds: { oldest: 1, newest: 1 } });
    const text = (await run(dir, ["pool", "list"])).stdout;
    expect(text).toMatch(/^NAME\s+SIZE\s+MESSAGES\s+SEQS\n/);
    expect(text).toMatch(/\na\s+1\.0 MiB\s+1\s+1\.\.1\n/);
  });

  it("lists an empty or missing directory as empty", async () => {
    expect((await run(dir, ["--dir", `${dir}/missing`, "pool", "list", "--json"])).stdout).toBe(
      '{"pools":[]}\n',
    );
    expect((await run(dir, ["pool", "list"])).stdout).toBe("no pools\n");
  });

  it("lists a broken pool with its error instead of failing", async () => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/junk.spool`, "not a pool at all");
    const r = await run(dir, ["pool", "list", "--json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { pools: unknown[] }).pools[0]).toMatchObject({
      name: "junk",
      error: { kind: "Corrupt" },
    });
  });

  it("shows info as JSON {pool} and as text", async () => {
    await run(dir, ["pool", "create", "i"]);
    await run(dir, ["feed", "i", "[1,2]"]);
    const json = JSON.parse((await run(dir, ["pool", "info", "i", "--json"])).stdout) as {
      pool: Record<string, unknown>;
    };
    expect(Object.keys(json.pool)).toEqual(INFO_KEYS);
    expect(json.pool.newest_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const text = (await run(dir, ["pool", "info", "i"])).stdout;
    expect(text).toContain("messages:  1 (seq 1..1)");
  });

  it("deletes best effort and reports what was deleted", async () => {
    await run(dir, ["pool", "create", "d1", "d2"]);
    const r = await run(dir, ["pool", "delete", "d1", "nope", "d2", "--json"]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({
      deleted: [
        { name: "d1", path: `${dir}/d1.spool` },
        { name: "d2", path: `${dir}/d2.spool` },
      ],
    });
    expect(jsonLines(r.stderr)).toEqual([
      { error: expect.objectContaining({ kind: "NotFound", hint: expect.any(String) }) },
    ]);
    expect((await run(dir, ["pool", "list", "--json"])).stdout).toBe('{"pools":[]}\n');
  });

  it("refuses to delete a file that is not a pool", async () => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/notes.txt`, "hello");
    const r = await run(dir, ["pool", "delete", "./notes.txt"]);
    expect(r.code).toBe(2);
    expect(jsonLines(r.stderr)[0]).toMatchObject({ error: { kind: "Usage" } });
  });

  it("needs a subcommand", async () => {
    const r = await run(dir, ["pool"]);
    expect(r.code).toBe(2);
    expect(jsonLines(r.stderr)[0]).toMatchObject({
      error: { kind: "Usage", hint: expect.stringContaining("--help") },
    });
  });
});
