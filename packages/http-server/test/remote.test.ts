// Remote answers fit the remote user (remote.ts): hints in HTTP/SDK words (no `--dir`, no
// `spool …` commands, no CLI flags), and no absolute server path unless the app was created
// with `exposePaths: true` (then PoolInfo and error paths are the absolute file paths).
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ERROR_KINDS,
  fromSystemError,
  openPool,
  parseSize,
  SpoolError,
  validatePoolName,
} from "@spool/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  type Operation,
  REMOTE_HINTS,
  remoteError,
  remotePath,
  situationOf,
} from "../src/remote.js";
import { type Fixture, makeApp, send, serveApp } from "./helpers/fixtures.js";

/** Local advice a remote user cannot follow. */
const LOCAL = [/--[a-z]/, /(?<![.\w])spool [a-z]/, /SPOOL_DIR/, /`spool/];

function expectRemote(json: { hint?: string; path?: string; message: string }, dir: string) {
  expect(json.hint, JSON.stringify(json)).toBeTruthy();
  for (const pattern of LOCAL) expect(json.hint, JSON.stringify(json)).not.toMatch(pattern);
  expect(JSON.stringify(json)).not.toContain(dir);
  if (json.path !== undefined) expect(json.path.startsWith("/")).toBe(false);
}

describe("the remote table", () => {
  const dir = "/srv/spool/pools";
  const view = { dir, exposePaths: false };
  const file = join(dir, "build.spool");

  test("lists every kind", () => {
    expect(Object.keys(REMOTE_HINTS).sort()).toEqual([...ERROR_KINDS].sort());
  });

  // Core's errors as they reach a response, with the operation that met them.
  const cases: [string, SpoolError, Operation][] = [
    [
      "pool missing",
      new SpoolError("NotFound", `pool not found: ${file}`, {
        path: file,
        hint: "create it first (`spool pool create NAME`), or check --dir / SPOOL_DIR",
      }),
      "info",
    ],
    ["ENOENT", fromSystemError(Object.assign(new Error("x"), { code: "ENOENT" }), file), "open"],
    [
      "message missing",
      new SpoolError("NotFound", "message 9 does not exist (newest is 3)", {
        path: file,
        seq: 9,
        hint: "ask for a seq within the pool's bounds (see `spool pool info`)",
      }),
      "get",
    ],
    [
      "overwritten",
      new SpoolError("NotFound", "message 1 was overwritten (oldest is 4)", {
        path: file,
        seq: 1,
        hint: "the pool wrapped; use a larger pool to keep more history",
      }),
      "get",
    ],
    [
      "exists",
      new SpoolError("AlreadyExists", `pool already exists: ${file}`, {
        path: file,
        hint: "open the existing pool, delete it first, or pick another name",
      }),
      "create",
    ],
    ["EEXIST", fromSystemError(Object.assign(new Error("x"), { code: "EEXIST" }), file), "create"],
    [
      "lock timeout",
      new SpoolError("Busy", "pool is locked by another writer (waited 10 ms)", {
        path: file,
        hint: "another process is writing to this pool or is stuck holding its lock; retry, or raise the lock timeout",
      }),
      "append",
    ],
    [
      "in use",
      new SpoolError("Busy", `pool is open in another process: ${file}`, {
        path: file,
        hint: "stop the processes that write or follow it (feed, follow, tap, duplex), then retry; a forced delete (`spool pool delete --force`) loses their later messages",
      }),
      "delete",
    ],
    ["EBUSY", fromSystemError(Object.assign(new Error("x"), { code: "EBUSY" }), file), "info"],
    [
      "corrupt",
      new SpoolError("Corrupt", "pool header checksum mismatch", {
        path: file,
        offset: 60,
        hint: "the pool header is damaged; run `spool doctor` and recreate the pool",
      }),
      "append",
    ],
    [
      "retention gap",
      new SpoolError("RetentionGap", "messages 1..3 were overwritten", {
        path: file,
        seq: 1,
        hint: "read faster, use a larger pool, or follow with gap policy `continue` to skip ahead",
      }),
      "tail",
    ],
    [
      "too large",
      new SpoolError(
        "Usage",
        "message is 99999 bytes (data plus tags); this pool holds at most 1000 bytes per message",
        { path: file, hint: "create a larger pool (--size) or send a smaller message" },
      ),
      "append",
    ],
    [
      "batch too large",
      new SpoolError("Usage", "the batch is too large for this pool: it would overwrite itself", {
        path: file,
        hint: "split the batch into smaller ones, or create a larger pool (--size)",
      }),
      "append",
    ],
    [
      "closed",
      new SpoolError("Usage", "the pool is closed", {
        path: file,
        hint: "open the pool again before using it",
      }),
      "append",
    ],
    [
      "ENOTDIR",
      fromSystemError(Object.assign(new Error("x"), { code: "ENOTDIR" }), file),
      "create",
    ],
    [
      "EACCES",
      fromSystemError(Object.assign(new Error("x"), { code: "EACCES" }), file, "open"),
      "open",
    ],
    [
      "read-only file",
      new SpoolError("Permission", "the pool file is read-only for this process", {
        path: file,
        hint: "check the file's owner and mode, or append as a user that may write it",
      }),
      "append",
    ],
    [
      "ENOSPC",
      fromSystemError(Object.assign(new Error("x"), { code: "ENOSPC" }), file, "create"),
      "create",
    ],
    [
      "no free space",
      new SpoolError("Io", "not enough free space for a pool of 1 bytes (0 bytes free)", {
        path: file,
        hint: "pick a smaller --size or free disk space; pools are fully written when created",
      }),
      "create",
    ],
    ["EIO", fromSystemError(Object.assign(new Error("x"), { code: "EIO" }), file), "append"],
    ["internal", fromSystemError(new Error("boom"), file), "get"],
    ["internal, no path", fromSystemError(new Error("boom")), "list"],
  ];
  test.each(cases)("%s", (_, error, op) => {
    const remote = remoteError(error, op, view);
    expect(remote.kind).toBe(error.kind);
    expect(situationOf(error, op)).toBeDefined();
    expectRemote(remote.toJSON(), dir);
    expect(remote.path).toBe(error.path === undefined ? undefined : "build.spool");
  });

  test("core's validation errors that speak of paths or units", () => {
    const name = (() => {
      try {
        validatePoolName("a/b");
      } catch (error) {
        return error as SpoolError;
      }
    })()!;
    expectRemote(remoteError(name, "create", view).toJSON(), dir);
    const size = (() => {
      try {
        parseSize(100);
      } catch (error) {
        return error as SpoolError;
      }
    })()!;
    expect(size.hint).toMatch(/16K/);
    const remote = remoteError(size, "create", view);
    expect(remote.hint).toMatch(/size_bytes/);
    expectRemote(remote.toJSON(), dir);
  });

  test("the server's own errors keep their hints; statuses never change", () => {
    const own = new SpoolError("NotFound", "no such endpoint: GET /v1", { hint: "see GET /v0" });
    expect(remoteError(own, "other", view)).toBe(own);
    const busy = new SpoolError("Busy", "too many open tails (limit 1)", { hint: "retry later" });
    expect(remoteError(busy, "tail", view)).toBe(busy);
  });

  test("paths: relative inside the directory, absolute when exposed", () => {
    expect(remotePath(file, view)).toBe("build.spool");
    expect(remotePath(dir, view)).toBe(".");
    expect(remotePath("/elsewhere/x.spool", view)).toBe("x.spool");
    expect(remotePath(file, { dir, exposePaths: true })).toBe(file);
    const error = new SpoolError("NotFound", `pool not found: ${file}`, { path: file });
    const exposed = remoteError(error, "info", { dir, exposePaths: true });
    expect(exposed.path).toBe(file);
    expect(exposed.message).toBe(`pool not found: ${file}`);
    expect(exposed.hint).toMatch(/POST \/v0\/pools/);
  });
});

describe("answers of the app", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = makeApp();
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
  });
  afterEach(async () => {
    await f.dispose();
  });

  test("PoolInfo path is the file's name inside the served directory", async () => {
    const created = await send(f.app, "POST", "/v0/pools", { pool: "b" });
    expect(created.json.pool.path).toBe("b.spool");
    expect((await send(f.app, "GET", "/v0/pools/a/info")).json.pool.path).toBe("a.spool");
    expect((await send(f.app, "POST", "/v0/pools/open", { pool: "a" })).json.pool.path).toBe(
      "a.spool",
    );
    const list = await send(f.app, "GET", "/v0/pools");
    expect(list.json.pools.map((p: { path: string }) => p.path)).toEqual(["a.spool", "b.spool"]);
    expect(list.text).not.toContain(f.dir);
  });

  test("NotFound pool: create it over HTTP or with the SDK", async () => {
    const res = await send(f.app, "GET", "/v0/pools/nope/info");
    expect(res.status).toBe(404);
    expectRemote(res.json.error, f.dir);
    expect(res.json.error.hint).toContain('POST /v0/pools {"pool": "nope"}');
    expect(res.json.error.hint).toContain('client.createPool("nope")');
    expect(res.json.error.path).toBe("nope.spool");
    for (const path of ["/v0/pools/nope/tail", "/v0/pools/nope/messages/1"]) {
      expectRemote((await send(f.app, "GET", path)).json.error, f.dir);
    }
    const append = await send(f.app, "POST", "/v0/pools/nope/append", { data: 1 });
    expectRemote(append.json.error, f.dir);
    expectRemote((await send(f.app, "DELETE", "/v0/pools/nope")).json.error, f.dir);
  });

  test("NotFound seq, AlreadyExists", async () => {
    const seq = await send(f.app, "GET", "/v0/pools/a/messages/7");
    expect(seq.status).toBe(404);
    expect(seq.json.error.seq).toBe(7);
    expectRemote(seq.json.error, f.dir);
    const exists = await send(f.app, "POST", "/v0/pools", { pool: "a" });
    expect(exists.status).toBe(409);
    expectRemote(exists.json.error, f.dir);
    expect(exists.json.error.hint).toContain("POST /v0/pools/open");
  });

  test("Busy: delete while another process has the pool open", async () => {
    const other = openPool(join(f.dir, "a.spool"));
    try {
      const res = await send(f.app, "DELETE", "/v0/pools/a");
      if (res.status === 423) expectRemote(res.json.error, f.dir);
      else expect(res.status).toBe(200); // the in-use check sees other processes only
    } finally {
      other.close();
    }
  });

  test("Usage from core validation: names, sizes, too-large messages", async () => {
    const name = await send(f.app, "POST", "/v0/pools", { pool: "a/b" });
    expect(name.status).toBe(400);
    expectRemote(name.json.error, f.dir);
    const size = await send(f.app, "POST", "/v0/pools", { pool: "c", size_bytes: 100 });
    expect(size.status).toBe(400);
    expectRemote(size.json.error, f.dir);
    expect(size.json.error.hint).toContain("size_bytes");
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    const big = await send(f.app, "POST", "/v0/pools/small/append", { data: "x".repeat(20000) });
    expect(big.status).toBe(400);
    expectRemote(big.json.error, f.dir);
    expect(big.json.error.path).toBe("small.spool");
    const batch = await send(f.app, "POST", "/v0/pools/small/append_batch", {
      messages: Array.from({ length: 10 }, () => ({ data: "x".repeat(2000) })),
    });
    expect(batch.status).toBe(400);
    expectRemote(batch.json.error, f.dir);
  });

  test("Corrupt: a damaged pool file (answer and listing entry)", async () => {
    await send(f.app, "POST", "/v0/pools/a/append", { data: 1 });
    writeFileSync(join(f.dir, "junk.spool"), "not a pool at all, not a pool at all");
    const res = await send(f.app, "GET", "/v0/pools/junk/info");
    expect(res.status).toBe(500);
    expect(res.json.error.kind).toBe("Corrupt");
    expectRemote(res.json.error, f.dir);
    expect(res.json.error.path).toBe("junk.spool");
    const list = await send(f.app, "GET", "/v0/pools");
    const entry = list.json.pools.find((p: { name: string }) => p.name === "junk");
    expect(entry.path).toBe("junk.spool");
    expectRemote(entry.error, f.dir);
    truncateSync(join(f.dir, "a.spool"), 8192);
    const cut = await send(f.app, "POST", "/v0/pools/a/append", { data: 2 });
    expect(cut.status).toBe(500);
    expectRemote(cut.json.error, f.dir);
  });

  test("RetentionGap: the 410 and the final line of a stream", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    await send(f.app, "POST", "/v0/pools/small/append", { data: 1 });
    const res = await f.app.fetch(
      new Request("http://spool.test/v0/pools/small/tail?since_seq=1&gap_policy=error"),
    );
    const reader = res.body!.getReader();
    await reader.read();
    for (let i = 0; i < 20; i++) {
      await send(f.app, "POST", "/v0/pools/small/append", { data: "w".repeat(2000) });
    }
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    const line = JSON.parse(rest.trim());
    expect(line.error.kind).toBe("RetentionGap");
    expectRemote(line.error, f.dir);
    expect(line.error.path).toBe("small.spool");
    const gone = await send(f.app, "GET", "/v0/pools/small/tail?since_seq=1&gap_policy=error");
    expect(gone.status).toBe(410);
    expectRemote(gone.json.error, f.dir);
    const sse = await send(f.app, "GET", "/v0/pools/small/events?since_seq=1&gap_policy=error");
    expect(sse.status).toBe(410);
    expectRemote(sse.json.error, f.dir);
  });

  test("over a socket too (the SDK's view is the same bytes)", async () => {
    const served = await serveApp(f.app);
    try {
      const res = await fetch(`${served.url}/v0/pools/nope/info`);
      const json = (await res.json()) as { error: { hint: string; path: string; message: string } };
      expectRemote(json.error, f.dir);
    } finally {
      await served.dispose();
    }
  });
});

describe("exposePaths: true", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = makeApp({ exposePaths: true });
  });
  afterEach(async () => {
    await f.dispose();
  });

  test("PoolInfo and error paths are absolute; hints are still remote", async () => {
    const created = await send(f.app, "POST", "/v0/pools", { pool: "a" });
    expect(created.json.pool.path).toBe(join(f.dir, "a.spool"));
    const list = await send(f.app, "GET", "/v0/pools");
    expect(list.json.pools[0].path).toBe(join(f.dir, "a.spool"));
    const missing = await send(f.app, "GET", "/v0/pools/nope/info");
    expect(missing.json.error.path).toBe(join(f.dir, "nope.spool"));
    expect(missing.json.error.message).toContain(f.dir);
    expect(missing.json.error.hint).toContain("POST /v0/pools");
    for (const pattern of LOCAL) expect(missing.json.error.hint).not.toMatch(pattern);
  });

  test("the option is validated", () => {
    expect(() => makeApp({ exposePaths: "yes" as unknown as boolean })).toThrow(/exposePaths/);
  });
});
