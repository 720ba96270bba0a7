/**
 * The file engine through the engine-neutral interface: a directory as a PoolEngine answers the
 * same messages, bytes and errors as the Pool class it adapts (create/open/list/delete,
 * append/appendJson/appendBatch with conditions and producers, get, tail, info, cursors), and
 * refuses what it cannot do (replicas, paths instead of names) with a Usage hint.
 */
import { describe, expect, it } from "vitest";
import {
  type EnginePool,
  FileEngine,
  isSpoolError,
  openPool,
  type PoolEngine,
  type SpoolError,
} from "../src/index.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs();

async function rejection(promise: Promise<unknown>): Promise<SpoolError> {
  try {
    await promise;
  } catch (error) {
    if (isSpoolError(error)) return error;
    throw error;
  }
  throw new Error("expected a SpoolError");
}

async function collect(iterable: AsyncIterable<{ seq: number }>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const message of iterable) seqs.push(message.seq);
  return seqs;
}

describe("FileEngine", () => {
  it("creates, lists, opens and deletes pools by name", async () => {
    const dir = tempDir();
    const engine: PoolEngine = new FileEngine({ dir });
    expect(engine.kind).toBe("file");
    const pool = await engine.create("build", { size: "64K" });
    expect(pool.engine).toBe("file");
    expect((await rejection(engine.create("build"))).kind).toBe("AlreadyExists");
    expect((await engine.list()).map((entry) => entry.name)).toEqual(["build"]);
    await pool.close();
    const again = await engine.open("build");
    expect((await again.info()).bounds).toBeNull();
    await again.close();
    await engine.delete("build");
    expect((await rejection(engine.open("build"))).kind).toBe("NotFound");
    expect((await rejection(engine.delete("build"))).kind).toBe("NotFound");
    await engine.close();
  });

  it("refuses replicas and URLs with a Usage hint, and takes paths as the local API does", async () => {
    const dir = tempDir();
    const engine = new FileEngine({ dir });
    const replicas = await rejection(engine.create("r", { replicas: 3 }));
    expect(replicas.kind).toBe("Usage");
    expect(replicas.hint).toMatch(/JetStream/);
    const url = await rejection(engine.open("http://127.0.0.1:1/x"));
    expect(url.kind).toBe("Usage");
    expect(url.hint).toBeTruthy();
    expect((await rejection(engine.create("bad name\n"))).kind).toBe("Usage");
    const byPath = await engine.create(`${dir}/sub/p.spool`, { size: "64K" });
    expect((await byPath.info()).path).toBe(`${dir}/sub/p.spool`);
    await engine.close();
  });

  it("answers the same messages and bytes as the Pool class", async () => {
    const dir = tempDir();
    const engine = new FileEngine({ dir });
    const pool: EnginePool = await engine.create("same", { size: "64K" });
    const first = await pool.append({ a: 1 }, { tags: ["x"] });
    const second = await pool.appendJson('{"b" : 2}');
    const batch = await pool.appendBatch([{ data: 3 }, { json: "[4]", tags: ["y"] }]);
    expect([first.seq, second.seq, ...batch.map((m) => m.seq)]).toEqual([1, 2, 3, 4]);
    const direct = openPool("same", { dir });
    for (const seq of [1, 2, 3, 4]) {
      const viaEngine = await pool.get(seq);
      expect(Buffer.from(viaEngine.toJsonLine())).toEqual(
        Buffer.from(direct.get(seq).toJsonLine()),
      );
    }
    expect((await pool.info()).bounds).toEqual(direct.info().bounds);
    direct.close();
    expect((await rejection(pool.get(9))).kind).toBe("NotFound");
    expect(await collect(pool.tail({ since: 2, follow: false }))).toEqual([2, 3, 4]);
    expect(await collect(pool.tail({ tags: ["y"], since: 1, follow: false }))).toEqual([4]);
    await engine.close();
  });

  it("keeps conditions, producers and cursors", async () => {
    const engine = new FileEngine({ dir: tempDir() });
    const pool = await engine.create("exact", { size: "256K" });
    await pool.append(1, { expectedLastSeq: 0 });
    const conflict = await rejection(pool.append(2, { expectedLastSeq: 0 }));
    expect(conflict.kind).toBe("Conflict");
    expect(conflict.newestSeq).toBe(1);
    const original = await pool.append("p", { producer: { id: "ingest", seq: 1 } });
    const retry = await pool.append("p", { producer: { id: "ingest", seq: 1 } });
    expect(retry.seq).toBe(original.seq);
    expect(retry.duplicate).toBe(true);
    expect((await pool.producerState("ingest"))?.lastSeq).toBe(1);
    const cursor = pool.cursor?.("reader");
    if (cursor === undefined) throw new Error("the file engine has cursors");
    expect((await collect(pool.tail({ cursor: "reader", since: 1, follow: false }))).length).toBe(
      2,
    );
    expect((await cursor.ack(2)).committed).toBe(2);
    expect((await pool.cursors?.())?.map((c) => c.name)).toEqual(["reader"]);
    expect((await cursor.delete()).name).toBe("reader");
    await pool.close();
    // A closed handle answers as a closed Pool does.
    expect(isSpoolError(await rejection(pool.append(3)))).toBe(true);
    await engine.close();
  });
});
