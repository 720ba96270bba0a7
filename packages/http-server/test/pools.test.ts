// The open-pool registry at its limit (maxOpenPools): the pool a call opens, creates or returns is
// never the one evicted, a leased pool (an open tail) is never closed under its tail, the limit is
// exceeded only while leases pin pools and is restored once they end — directly on the registry,
// and through the app with a live tail.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool } from "@spool/core";
import { afterEach, describe, expect, test } from "vitest";
import { PoolRegistry } from "../src/pools.js";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "spool-registry-"));
  dirs.push(dir);
  return dir;
}
let f: Fixture | undefined;
afterEach(async () => {
  await f?.dispose();
  f = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function registry(names: string[], maxOpen: number): PoolRegistry {
  const dir = tempDir();
  for (const name of names) createPool(name, { dir, size: 64 * 1024 }).close();
  return new PoolRegistry(dir, {
    readOnly: false,
    maxOpen,
    maxPoolSize: 1 << 30,
    maxTotalPoolBytes: 1 << 30,
    lockTimeoutMs: 1000,
  });
}

describe("PoolRegistry at maxOpen", () => {
  test("a leased pool pins its slot: the pool just opened stays open and usable", () => {
    const pools = registry(["tailed", "other"], 1);
    const lease = pools.lease("tailed");
    const other = pools.get("other");
    expect(other.closed).toBe(false);
    expect(lease.pool.closed).toBe(false);
    expect(other.appendJson('{"x":1}').seq).toBe(1);
    expect(pools.size).toBe(2); // over the limit while the lease pins "tailed"
    lease.release();
    expect(pools.size).toBe(1); // back to the limit once the lease ended
    expect(other.closed).toBe(false); // the most recently used one stays
    expect(lease.pool.closed).toBe(true);
    pools.close();
  });

  test("the pool just created is never the one evicted", async () => {
    const pools = registry(["tailed"], 1);
    const lease = pools.lease("tailed");
    const info = await pools.create("fresh", 64 * 1024);
    expect(info.name).toBe("fresh");
    const created = pools.get("fresh");
    expect(created.closed).toBe(false);
    expect(created.appendJson('{"x":1}').seq).toBe(1);
    lease.release();
    pools.close();
  });

  test("leased pools are never evicted, however many are pinned", () => {
    const pools = registry(["a", "b", "c", "d"], 2);
    const leases = ["a", "b", "c"].map((name) => pools.lease(name));
    const d = pools.get("d");
    for (const lease of leases) expect(lease.pool.closed).toBe(false);
    expect(d.closed).toBe(false);
    expect(pools.size).toBe(4);
    for (const lease of leases) lease.release();
    expect(pools.size).toBe(2);
    pools.close();
  });

  test("without leases the least recently used pool is evicted first", () => {
    const pools = registry(["a", "b", "c"], 2);
    const a = pools.get("a");
    const b = pools.get("b");
    pools.get("a"); // a is now more recent than b
    const c = pools.get("c");
    expect(b.closed).toBe(true);
    expect(a.closed).toBe(false);
    expect(c.closed).toBe(false);
    pools.close();
  });
});

describe("the app at maxOpenPools: 1 with one open tail", () => {
  test("info, append, create and get on other pools succeed while the tail streams", async () => {
    f = makeApp({ limits: { maxOpenPools: 1 } });
    expect((await send(f.app, "POST", "/v0/pools", { pool: "tailed" })).status).toBe(200);
    expect((await send(f.app, "POST", "/v0/pools", { pool: "other" })).status).toBe(200);
    const tail = await f.app.fetch(new Request("http://spool.test/v0/pools/tailed/tail"));
    expect(tail.status).toBe(200);
    expect(f.app.openTails).toBe(1);

    const info = await send(f.app, "GET", "/v0/pools/other/info");
    expect(info.status, info.text).toBe(200);
    const append = await send(f.app, "POST", "/v0/pools/other/append", { data: 1 });
    expect(append.status, append.text).toBe(200);
    const created = await send(f.app, "POST", "/v0/pools", { pool: "fresh" });
    expect(created.status, created.text).toBe(200);
    expect(created.json.pool.name).toBe("fresh");
    const get = await send(f.app, "GET", "/v0/pools/other/messages/1");
    expect(get.status, get.text).toBe(200);

    // The tail still delivers: its pool was never closed under it.
    const reader = tail.body!.getReader();
    expect((await send(f.app, "POST", "/v0/pools/tailed/append", { data: "t" })).status).toBe(200);
    const { value } = await reader.read();
    expect(JSON.parse(new TextDecoder().decode(value)).data).toBe("t");
    await reader.cancel();
  });
});
