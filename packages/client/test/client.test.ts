/**
 * The SDK's request/response operations against a real server on 127.0.0.1: pool lifecycle,
 * append (tags, durability, exact JSON text), batch append, get, and every error kind by status.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkCount,
  checkDurability,
  checkGapPolicy,
  checkTag,
  encodeTags,
  normaliseJsonText,
} from "@spool/core/shared";
import { createApp } from "@spool/http-server";
import { afterEach, describe, expect, it } from "vitest";
import {
  createClient,
  isNetworkError,
  isSpoolError,
  NetworkError,
  SpoolError,
  SpoolHttpError,
} from "../src/index.js";
import { offlineClient } from "./helpers/offline.js";
import { rejection, startServer, type TestServer, until } from "./helpers/server.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}

describe("pool lifecycle", () => {
  it("creates, opens, lists, reads info and deletes pools", async () => {
    const s = await server();
    const client = createClient({ baseUrl: s.url });
    const pool = await client.createPool("build", { size: "64K" });
    expect(pool.name).toBe("build");
    await client.createPool("alpha");

    const info = await pool.info();
    expect(info).toMatchObject({ name: "build", fileSize: 65536, bounds: null, messageCount: 0 });
    // The server names the file inside its pool directory (spec/http/v0 §2.2), not by its absolute path.
    expect(info.path).toBe("build.spool");
    expect(info.maxMessageBytes).toBeGreaterThan(0);

    const opened = await client.openPool("build");
    expect((await opened.info()).ringSize).toBe(info.ringSize);

    const list = await client.listPools();
    expect(list.map((p) => p.name)).toEqual(["alpha", "build"]);
    expect(list[1]?.info?.fileSize).toBe(65536);

    const odd = await client.createPool("a@b+c.d_e-1");
    await odd.append("ok");
    expect((await odd.info()).name).toBe("a@b+c.d_e-1");
    expect((await odd.get(1)).data).toBe("ok");
    await client.deletePool("a@b+c.d_e-1");

    await client.deletePool("alpha");
    expect((await client.listPools()).map((p) => p.name)).toEqual(["build"]);
  });

  it("lists an unreadable pool with its error instead of failing", async () => {
    const s = await server();
    writeFileSync(join(s.dir, "broken.spool"), "not a pool at all");
    const client = createClient({ baseUrl: s.url });
    const [entry] = await client.listPools();
    expect(entry).toMatchObject({ name: "broken", error: { kind: "Corrupt" } });
    expect(entry?.info).toBeUndefined();
  });

  it("refuses bad client options and names locally with Usage", () => {
    expect(() => createClient({ baseUrl: "not a url" })).toThrow(/invalid baseUrl/);
    expect(() => createClient({ baseUrl: "ftp://x" })).toThrow(/http\(s\)/);
    const client = createClient({ baseUrl: "http://127.0.0.1:9" });
    const error = (() => {
      try {
        client.pool("");
      } catch (e) {
        return e;
      }
    })();
    expect(isSpoolError(error, "Usage")).toBe(true);
    expect((error as SpoolError).hint).toBeTruthy();
    for (const bad of ["..", "a/b", "-x", "a..b"]) {
      expect(() => client.pool(bad)).toThrow(SpoolError);
    }
  });

  it("takes a name written with the file extension as the same pool", async () => {
    const s = await server();
    const client = createClient({ baseUrl: s.url });
    const pool = await client.createPool("ext.spool");
    expect(pool.name).toBe("ext");
    expect((await client.pool("ext").info()).name).toBe("ext");
    await expect(client.createPool("ext")).rejects.toMatchObject({ kind: "AlreadyExists" });
  });
});

describe("messages", () => {
  it("appends with tags and durability, and gets by seq", async () => {
    const s = await server();
    const pool = await createClient({ baseUrl: s.url }).createPool("m");
    const a = await pool.append({ step: "lint", ok: true }, { tags: ["build", "ci"] });
    expect(a.seq).toBe(1);
    expect(a.tags).toEqual(["build", "ci"]);
    expect(a.data).toEqual({ step: "lint", ok: true });
    expect(a.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(a.timeSec).toBe(Math.floor(Date.parse(a.time) / 1000));
    const b = await pool.append(null, { durability: "flush" });
    expect(b.seq).toBe(2);
    expect(b.data).toBeNull();
    expect(b.tags).toEqual([]);

    const got = await pool.get<{ step: string }>(1);
    expect(got.data.step).toBe("lint");
    expect(got.tags).toEqual(["build", "ci"]);
    expect(new TextDecoder().decode(got.toJsonLine())).toBe(
      `${JSON.stringify({ seq: 1, time: a.time, meta: { tags: ["build", "ci"] }, data: { step: "lint", ok: true } })}\n`,
    );
    expect(JSON.parse(JSON.stringify(got))).toEqual({
      seq: 1,
      time: a.time,
      meta: { tags: ["build", "ci"] },
      data: { step: "lint", ok: true },
    });
  });

  it("keeps the writer's exact JSON text with appendJson", async () => {
    const s = await server();
    const pool = await createClient({ baseUrl: s.url }).createPool("exact");
    const msg = await pool.appendJson('{"big": 12345678901234567890, "x": 1.50}', { tags: ["t"] });
    const got = await pool.get(msg.seq);
    expect(new TextDecoder().decode(got.dataBytes)).toBe(
      '{"big": 12345678901234567890, "x": 1.50}',
    );
    expect(got.tags).toEqual(["t"]);
    const error = await rejection(pool.appendJson("{nope"));
    expect(isSpoolError(error, "Usage")).toBe(true);
  });

  it("trusted JSON text cannot add members to the request body", async () => {
    const s = await server();
    const pool = await createClient({ baseUrl: s.url }).createPool("inject");
    for (const text of ['1,"tags":["admin"]', '1},"x":{"a":1', '"a":1', "[1]]", '"open']) {
      const error = await rejection(pool.appendJson(text, { trusted: true }));
      expect(isSpoolError(error, "Usage")).toBe(true);
      const batch = await rejection(pool.appendBatch([{ json: text, trusted: true }]));
      expect(isSpoolError(batch, "Usage")).toBe(true);
    }
    expect((await pool.info()).bounds).toBeNull();
    const ok = await pool.appendJson('{"a":[1,{"b":"x,y:z]}"}]}', { trusted: true });
    expect(ok.data).toEqual({ a: [1, { b: "x,y:z]}" }] });
  });

  it("stores JSON text with line breaks as the local API does, and refuses invalid UTF-8 before sending", async () => {
    const s = await server();
    const pool = await createClient({ baseUrl: s.url }).createPool("fold");
    const text = '{"a":1,\n  "b":[1\r\n,2]}';
    const expected = normaliseJsonText(text); // core's rule: '{"a":1, "b":[1 ,2]}'
    expect(expected).toBe('{"a":1, "b":[1 ,2]}');
    const one = await pool.appendJson(text);
    const trusted = await pool.appendJson(text, { trusted: true });
    const [batched] = await pool.appendBatch([{ json: new TextEncoder().encode(text) }]);
    for (const msg of [one, trusted, batched]) {
      const got = await pool.get((msg as { seq: number }).seq);
      expect(new TextDecoder().decode(got.dataBytes)).toBe(expected);
    }
    const before = (await pool.info()).bounds;
    for (const bad of [
      pool.appendJson(new Uint8Array([0x22, 0xc3, 0x22])),
      pool.appendBatch([{ json: new Uint8Array([0x22, 0xff, 0x22]) }]),
    ]) {
      const error = await rejection(bad);
      expect(isSpoolError(error, "Usage")).toBe(true);
      expect((error as SpoolError).message).toBe("data is not valid UTF-8");
    }
    expect((await pool.info()).bounds).toEqual(before);
  });

  it("checks tags, durability and tail options with core's own validators, before sending", async () => {
    const { client, requests } = offlineClient();
    const pool = client.pool("p");
    const refusals: [Promise<unknown>, SpoolError][] = [];
    const refused = async (promise: Promise<unknown>, check: () => unknown) => {
      let expected: unknown;
      try {
        check();
      } catch (error) {
        expected = error;
      }
      const error = await rejection(promise);
      expect(isSpoolError(error, "Usage")).toBe(true);
      expect((error as SpoolError).message).toBe((expected as SpoolError).message);
      expect((error as SpoolError).hint).toBe((expected as SpoolError).hint);
      refusals.push([promise, error as SpoolError]);
    };
    await refused(pool.append(1, { tags: ["a\nb"] }), () => checkTag("a\nb"));
    await refused(pool.append(1, { tags: ["x".repeat(257)] }), () => checkTag("x".repeat(257)));
    const many = Array.from({ length: 65 }, (_, i) => `t${i}`);
    await refused(pool.appendBatch([{ data: 1, tags: many }]), () => encodeTags(many));
    await refused(pool.append(1, { durability: "slow" as "fast" }), () => checkDurability("slow"));
    const drain = async (options: object) => {
      for await (const _ of pool.tail(options)) break;
    };
    await refused(drain({ since: 1, tags: ["\u0000"] }), () => checkTag("\u0000"));
    await refused(drain({ since: 0 }), () => checkCount("since", 0, 1));
    await refused(drain({ since: 1, gapPolicy: "skip" }), () => checkGapPolicy("skip"));
    expect(refusals).toHaveLength(7);
    expect(requests()).toBe(0);
  });

  it("appends a batch as one commit, in order, with per-message tags", async () => {
    const s = await server();
    const pool = await createClient({ baseUrl: s.url }).createPool("batch");
    await pool.append("first");
    const batch = await pool.appendBatch(
      [{ data: { n: 1 } }, { data: { n: 2 }, tags: ["x"] }, { json: "[3]" }],
      { durability: "flush" },
    );
    expect(batch.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(batch.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }, [3]]);
    expect(batch[1]?.tags).toEqual(["x"]);
    expect(new Set(batch.map((m) => m.time)).size).toBe(1);
    expect(await pool.appendBatch([])).toEqual([]);
    expect((await pool.info()).bounds).toEqual({ oldest: 1, newest: 4 });
  });

  it("refuses data JSON cannot carry, before sending anything", async () => {
    const s = await server();
    const pool = await createClient({ baseUrl: s.url }).createPool("bad");
    for (const data of [undefined, () => 1, 10n]) {
      const error = await rejection(pool.append(data));
      expect(isSpoolError(error, "Usage")).toBe(true);
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(isSpoolError(await rejection(pool.append(cycle)), "Usage")).toBe(true);
    expect(isSpoolError(await rejection(pool.get(0)), "Usage")).toBe(true);
    expect((await pool.info()).bounds).toBeNull();
  });

  it("fails every call on a closed handle with Usage", async () => {
    const s = await server();
    const pool = await createClient({ baseUrl: s.url }).createPool("closing");
    pool.close();
    pool.close();
    expect(pool.closed).toBe(true);
    expect(isSpoolError(await rejection(pool.append(1)), "Usage")).toBe(true);
    expect(() => pool.tail()).toThrow(/closed/);
  });
});

describe("errors by status", () => {
  async function expectError(promise: Promise<unknown>, kind: string, status: number) {
    const error = await rejection(promise);
    expect(error).toBeInstanceOf(SpoolHttpError);
    expect(error).toBeInstanceOf(SpoolError);
    expect(isSpoolError(error)).toBe(true);
    expect(error).toMatchObject({ kind, status, network: false });
    expect((error as SpoolError).hint).toBeTruthy();
    return error as SpoolHttpError;
  }

  it("404 NotFound, 409 AlreadyExists, 400 Usage, 423 Busy, 500 Corrupt", async () => {
    const s = await server();
    const client = createClient({ baseUrl: s.url });
    await expectError(client.openPool("missing"), "NotFound", 404);
    await expectError(client.pool("missing").info(), "NotFound", 404);
    const pool = await client.createPool("p");
    await expectError(client.createPool("p"), "AlreadyExists", 409);
    // an out-of-range size is refused locally (core's parseSize), before any request
    const local = await rejection(client.createPool("q", { size: 20_000_000_000_000 }));
    expect(isSpoolError(local, "Usage")).toBe(true);
    expect(local).not.toBeInstanceOf(SpoolHttpError);
    // a bad name is refused locally too (core's validatePoolName), before any request
    const badName = await rejection(client.openPool("../etc"));
    expect(isSpoolError(badName, "Usage")).toBe(true);
    expect(badName).not.toBeInstanceOf(SpoolHttpError);
    await pool.append(1);
    const missing = await expectError(pool.get(7), "NotFound", 404);
    expect(missing.seq).toBe(7);
    // a bad tag is refused locally too (core's checkTag), before any request
    const badTag = await rejection(pool.append(1, { tags: [""] }));
    expect(isSpoolError(badTag, "Usage")).toBe(true);
    expect(badTag).not.toBeInstanceOf(SpoolHttpError);

    // a tail in progress makes delete Busy
    const controller = new AbortController();
    const it = pool.tail({ signal: controller.signal })[Symbol.asyncIterator]();
    const pending = it.next();
    await until(() => s.app.openTails === 1, 5000, "the tail to start");
    await expectError(client.deletePool("p"), "Busy", 423);
    controller.abort();
    expect((await pending).done).toBe(true);

    writeFileSync(join(s.dir, "broken.spool"), "x".repeat(100));
    await expectError(client.openPool("broken"), "Corrupt", 500);
  });

  it("401 without or with a wrong token, 403 for a mode that forbids the operation", async () => {
    const s = await server({ tokens: [{ token: "rw" }, { token: "ro", access: "read-only" }] });
    await expectError(createClient({ baseUrl: s.url }).listPools(), "Permission", 401);
    await expectError(
      createClient({ baseUrl: s.url, token: "wrong" }).listPools(),
      "Permission",
      401,
    );
    const rw = createClient({ baseUrl: s.url, token: "rw" });
    await rw.createPool("p");
    const ro = createClient({ baseUrl: s.url, token: "ro" });
    await expectError(ro.pool("p").append(1), "Permission", 403);
    expect(await ro.listPools()).toHaveLength(1);
  });

  it("410 RetentionGap and 413 for a body above the limit", async () => {
    const s = await server({ limits: { maxBodyBytes: 1024 } });
    const pool = await createClient({ baseUrl: s.url }).createPool("small", { size: "16K" });
    await expectError(pool.append("x".repeat(2000)), "Usage", 413);
    const chunk = "y".repeat(600);
    for (let i = 0; i < 40; i++) await pool.append(chunk);
    const oldest = (await pool.info()).bounds?.oldest ?? 0;
    expect(oldest).toBeGreaterThan(1);
    const gap = await expectError(
      (async () => {
        for await (const _ of pool.tail({ since: 1, gapPolicy: "error" })) break;
      })(),
      "RetentionGap",
      410,
    );
    expect(gap.seq).toBe(1);
  });

  it("a custom headers option and fetch are used for every request", async () => {
    const s = await server({ tokens: ["t"] });
    const seen: string[] = [];
    const client = createClient({
      baseUrl: `${s.url}/`,
      headers: { "X-Trace": "abc" },
      token: "t",
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers).get("x-trace") ?? "");
        return fetch(input, init);
      },
    });
    await client.createPool("h");
    await client.pool("h").append(1);
    expect(seen).toEqual(["abc", "abc"]);
  });

  it("an unreachable server is a NetworkError (kind Io, no status), not a protocol error", async () => {
    const s = await server();
    const url = s.url;
    await s.stop();
    const error = await rejection(createClient({ baseUrl: url }).listPools());
    expect(error).toBeInstanceOf(NetworkError);
    expect(isNetworkError(error)).toBe(true);
    expect(isSpoolError(error, "Io")).toBe(true);
    expect(error).toMatchObject({ network: true, status: undefined });
    expect((error as Error).cause).toBeDefined();
  });

  it("a non-Spool answer becomes an error of the status's kind with a hint about baseUrl", async () => {
    const client = createClient({
      baseUrl: "http://127.0.0.1:1",
      fetch: async () => new Response("<html>bad gateway</html>", { status: 502 }),
    });
    const error = await rejection(client.listPools());
    expect(error).toMatchObject({ kind: "Io", status: 502 });
    expect((error as SpoolError).hint).toMatch(/baseUrl/);
  });
});

describe("an injected fetch", () => {
  it("runs every operation against a hono app's fetch, without a socket (tail and break too)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-client-fetch-"));
    const app = createApp({ dir });
    try {
      const client = createClient({
        baseUrl: "http://spool.test",
        fetch: async (input, init) => app.fetch(new Request(input, init)),
      });
      const pool = await client.createPool("direct");
      await pool.append({ n: 1 });
      await pool.appendBatch([{ data: { n: 2 } }]);
      expect((await pool.get(2)).data).toEqual({ n: 2 });
      const seen: number[] = [];
      for await (const m of pool.tail({ since: 1 })) {
        seen.push(m.seq);
        if (m.seq === 2) break;
      }
      expect(seen).toEqual([1, 2]);
      await until(() => app.openTails === 0, 5000, "the app to free the tail");
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
