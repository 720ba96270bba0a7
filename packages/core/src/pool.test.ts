/**
 * Pool API tests on real files: lifecycle (create/open/info/list/delete), append and get,
 * envelopes and JSONL splicing, and tail semantics (since/last/max/timeout/abort/tags and the
 * replay → live hand-over without gap or duplicate).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../test/helpers/temp-dir.js";
import {
  createPool,
  deletePool,
  isSpoolError,
  listPools,
  type Message,
  openPool,
  Pool,
  resolvePoolRef,
  verifyPool,
} from "./index.js";
import { activeWatchCount } from "./platform/notify.js";

const tempDir = useTempDirs();

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("pool lifecycle", () => {
  it("creates with parent dirs and sizes with units; refuses to replace an existing pool", () => {
    const dir = join(tempDir(), "a", "b");
    const pool = createPool("build", { dir, size: "64K" });
    expect(pool.path).toBe(join(dir, "build.spool"));
    pool.append({ keep: true });
    const before = readFileSync(pool.path);
    expect(() => createPool("build", { dir })).toThrow(
      expect.objectContaining({ kind: "AlreadyExists" }),
    );
    expect(readFileSync(pool.path).equals(before)).toBe(true);
    const info = pool.info();
    expect(info).toMatchObject({
      name: "build",
      fileSize: 64 * 1024,
      bounds: { oldest: 1, newest: 1 },
      messageCount: 1,
    });
    expect(info.bytesUsed + info.bytesFree).toBe(info.ringSize);
    expect(info.oldestTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    pool.close();
  });

  it("refuses with Io, before writing anything, a pool larger than the free disk space", () => {
    const dir = tempDir();
    expect(() => createPool("huge", { dir, size: "1T" })).toThrow(
      expect.objectContaining({ kind: "Io" }),
    );
    expect(listPools({ dir })).toEqual([]);
  });

  it("opens by name, by path, and says NotFound for a missing pool", () => {
    const dir = tempDir();
    createPool("x", { dir }).close();
    openPool("x", { dir }).close();
    openPool(join(dir, "x.spool")).close();
    try {
      openPool("missing", { dir });
      expect.unreachable();
    } catch (error) {
      expect(isSpoolError(error, "NotFound")).toBe(true);
      expect((error as { hint?: string }).hint).toBeTruthy();
    }
  });

  it("lists pools with info, and unreadable ones with their error; deletes", () => {
    const dir = tempDir();
    createPool("one", { dir }).close();
    createPool("two", { dir }).close();
    writeFileSync(join(dir, "broken.spool"), "not a pool");
    const list = listPools({ dir });
    expect(list.map((e) => e.name)).toEqual(["broken", "one", "two"]);
    expect(list[0]?.error?.kind).toBe("Corrupt");
    expect(list[1]?.info?.bounds).toBeNull();
    deletePool("one", { dir });
    expect(listPools({ dir }).map((e) => e.name)).toEqual(["broken", "two"]);
    expect(() => deletePool("one", { dir })).toThrow(expect.objectContaining({ kind: "NotFound" }));
    expect(listPools({ dir: join(dir, "nope") })).toEqual([]);
  });

  it("resolves references: names, paths, URLs", () => {
    expect(resolvePoolRef("build", { dir: "/p" })).toEqual({
      kind: "local",
      name: "build",
      path: "/p/build.spool",
    });
    expect(resolvePoolRef("./x/y.spool")).toMatchObject({ kind: "local", name: "y" });
    expect(resolvePoolRef("http://127.0.0.1:9700/build")).toEqual({
      kind: "remote",
      name: "build",
      baseUrl: "http://127.0.0.1:9700",
      url: "http://127.0.0.1:9700/build",
    });
    expect(() => resolvePoolRef("http://127.0.0.1:9700/%2e%2e")).toThrow(
      expect.objectContaining({ kind: "Usage" }),
    );
  });
});

describe("append and get", () => {
  it("assigns contiguous seqs, keeps tags and data, and splices stored bytes into JSONL", () => {
    const pool = Pool.create(join(tempDir(), "p.spool"));
    const a = pool.append({ step: "lint", ok: true }, { tags: ["build"] });
    const [b, c] = pool.appendBatch([
      { data: [1, "two", null] },
      { json: '{ "spaced" : 1 }', tags: ["x", "y"] },
    ]);
    expect([a.seq, b?.seq, c?.seq]).toEqual([1, 2, 3]);
    expect(a.time <= (b as Message).time).toBe(true);
    const got = pool.get(3);
    expect(got.tags).toEqual(["x", "y"]);
    expect(got.data).toEqual({ spaced: 1 });
    expect(Buffer.from(got.dataBytes).toString()).toBe('{ "spaced" : 1 }');
    const line = (got as unknown as { toJsonLine(): Buffer }).toJsonLine().toString();
    expect(line).toBe(
      `{"seq":3,"time":"${got.time}","meta":{"tags":["x","y"]},"data":{ "spaced" : 1 }}\n`,
    );
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(got)));
    expect(pool.get(1).toJSON()).toEqual({
      seq: 1,
      time: a.time,
      meta: { tags: ["build"] },
      data: { step: "lint", ok: true },
    });
    expect(() => pool.get(4)).toThrow(expect.objectContaining({ kind: "NotFound", seq: 4 }));
    expect(verifyPool(pool.path).ok).toBe(true);
    pool.close();
  });

  it("keeps the writer's exact JSON text, big integers included, even across line breaks", () => {
    const pool = Pool.create(join(tempDir(), "p.spool"));
    const m = pool.appendJson('{\n  "id": 12345678901234567890,\r\n  "price": 1.50\n}');
    const stored = Buffer.from(pool.get(m.seq).dataBytes).toString();
    expect(stored).toBe('{ "id": 12345678901234567890, "price": 1.50 }');
    expect(
      (pool.get(m.seq) as unknown as { toJsonLine(): Buffer }).toJsonLine().toString(),
    ).toMatch(/^[^\n]*\n$/);
    pool.close();
  });

  it("appends with flush durability and through a second handle", () => {
    const path = join(tempDir(), "p.spool");
    const one = Pool.create(path);
    const two = Pool.open(path);
    one.append(1, { durability: "flush" });
    two.append(2);
    one.append(3);
    expect([1, 2, 3].map((s) => two.get(s).data)).toEqual([1, 2, 3]);
    one.close();
    two.close();
  });

  it("refuses appends on a read-only handle with Permission", () => {
    const path = join(tempDir(), "p.spool");
    Pool.create(path).close();
    const pool = Pool.open(path, { readOnly: true });
    expect(() => pool.append(1)).toThrow(expect.objectContaining({ kind: "Permission" }));
    pool.close();
    expect(() => pool.info()).toThrow(expect.objectContaining({ kind: "Usage" }));
  });
});

describe("tail", () => {
  function filled(count: number): Pool {
    const pool = Pool.create(join(tempDir(), "t.spool"), { size: "1M" });
    pool.appendBatch(
      Array.from({ length: count }, (_, i) => ({
        data: { i: i + 1 },
        tags: i % 2 === 0 ? ["odd"] : ["even"],
      })),
    );
    return pool;
  }

  it("replays from since (inclusive), the last N, and stops at max", async () => {
    const pool = filled(10);
    const seqs = async (options: Parameters<Pool["tail"]>[0]) =>
      (await collect(pool.tail(options))).map((m) => m.seq);
    expect(await seqs({ since: 4, follow: false })).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(await seqs({ last: 3, follow: false })).toEqual([8, 9, 10]);
    expect(await seqs({ last: 50, follow: false })).toHaveLength(10);
    expect(await seqs({ since: 1, max: 2 })).toEqual([1, 2]);
    expect(await seqs({ since: 1, tags: ["even"], follow: false })).toEqual([2, 4, 6, 8, 10]);
    expect(await seqs({ since: 1, tags: ["even", "odd"], follow: false })).toEqual([]);
    pool.close();
  });

  it("hands over from replay to live with no gap and no duplicate", async () => {
    const pool = filled(50);
    const writer = Pool.open(pool.path);
    let sent = 50;
    const timer = setInterval(() => {
      if (sent < 150) writer.appendBatch([{ data: { i: ++sent } }, { data: { i: ++sent } }]);
    }, 2);
    const got = (await collect(pool.tail({ since: 1, max: 150, timeoutMs: 10_000 }))).map(
      (m) => m.seq,
    );
    clearInterval(timer);
    expect(got).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    writer.close();
    pool.close();
  });

  it("starts at the next new message by default and ends on an idle timeout", async () => {
    const pool = filled(5);
    let reason = "";
    setTimeout(() => pool.append({ late: true }), 30);
    const got = await collect(pool.tail({ timeoutMs: 300, onEnd: (r) => (reason = r) }));
    expect(got.map((m) => m.seq)).toEqual([6]);
    expect(reason).toBe("timeout");
    pool.close();
  });

  it("stops at once on abort and on break, releasing the watcher", async () => {
    const pool = filled(3);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    expect(await collect(pool.tail({ signal: controller.signal }))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
    for await (const message of pool.tail({ since: 1 })) {
      expect(message.seq).toBe(1);
      break;
    }
    expect(activeWatchCount()).toBe(0);
    pool.close();
  });

  it("stops delivering at once when aborted in the middle of a replayed batch", async () => {
    const pool = filled(100);
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const message of pool.tail({ since: 1, signal: controller.signal })) {
      seen.push(message.seq);
      if (message.seq === 5) controller.abort();
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    pool.close();
  });

  it("starts a default tail at the newest message when tail() is called, not at the first pull", async () => {
    const pool = filled(3);
    const iterable = pool.tail({ max: 1, timeoutMs: 2000 });
    pool.append({ after: "tail() was called" });
    const got = await collect(iterable);
    expect(got.map((m) => m.seq)).toEqual([4]);
    pool.close();
  });

  it("renders JSONL chunks that equal the envelopes", async () => {
    const pool = filled(20);
    const text = Buffer.concat(
      await collect(pool.tailJsonl({ since: 1, follow: false })),
    ).toString();
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(20);
    const messages = await collect(pool.tail({ since: 1, follow: false }));
    expect(lines.map((l) => JSON.parse(l))).toEqual(
      messages.map((m) => JSON.parse(JSON.stringify(m))),
    );
    pool.close();
  });
});

describe("index stride", () => {
  it("finds every message by seq and tails from any start with a sparse index", async () => {
    const pool = Pool.create(join(tempDir(), "s.spool"), { size: "64K", indexStride: 8 });
    for (let i = 1; i <= 2000; i++) {
      if (i % 3 === 0) pool.appendBatch([{ data: { i } }]);
      else pool.append({ i, pad: "x".repeat(i % 50) });
    }
    const info = pool.info();
    expect(info.indexStride).toBe(8);
    const bounds = info.bounds as { oldest: number; newest: number };
    for (let seq = bounds.oldest; seq <= bounds.newest; seq++) {
      expect((pool.get(seq).data as { i: number }).i).toBe(seq);
    }
    const from = bounds.oldest + 13;
    const seqs = (await collect(pool.tail({ since: from, follow: false }))).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: bounds.newest - from + 1 }, (_, k) => from + k));
    expect(verifyPool(pool.path).issues).toEqual([]);
    expect(() => Pool.create(join(tempDir(), "t.spool"), { indexStride: 0 })).toThrow(
      expect.objectContaining({ kind: "Usage" }),
    );
    pool.close();
  });
});

describe("delete while in use", () => {
  it("is Busy while the pool is open anywhere, and works with force or after close", () => {
    const dir = tempDir();
    const pool = createPool("busy", { dir });
    expect(() => deletePool("busy", { dir })).toThrow(expect.objectContaining({ kind: "Busy" }));
    pool.close();
    const again = openPool("busy", { dir, readOnly: true });
    expect(() => deletePool("busy", { dir })).toThrow(expect.objectContaining({ kind: "Busy" }));
    deletePool("busy", { dir, force: true });
    again.close();
    expect(listPools({ dir })).toEqual([]);
  });
});
