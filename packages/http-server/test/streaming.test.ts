// The JSONL tail over a real @hono/node-server on 127.0.0.1 port 0 (and app.fetch where no
// socket is needed): live delivery, disconnects mid-stream, the tail limit, shutdown, and a
// failure after the stream started.
//
// Leak checks: core exports no watcher count, so these ask the kernel — each of core's fs.watch
// watchers is an inotify watch listed in /proc/self/fdinfo (see watcherCount); the app's public
// `openTails` counts tail slots; a pool lease left behind would make DELETE answer Busy; open file
// descriptors are counted in /proc/self/fd.
import { readdirSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  type Fixture,
  makeApp,
  type Served,
  send,
  serveApp,
  until,
  watcherCount,
} from "./helpers/fixtures.js";

let f: Fixture;
let server: Served;
beforeEach(async () => {
  f = makeApp({ limits: { maxConcurrentTails: 100 } });
  server = await serveApp(f.app);
  await send(f.app, "POST", "/v0/pools", { pool: "a", size_bytes: 4 * 1024 * 1024 });
});
afterEach(async () => {
  await server.dispose();
  await f.dispose();
});

const fdCount = () => readdirSync("/proc/self/fd").length;

/** Reads JSONL lines from a response until `count` lines arrived. */
async function readLines(res: Response, count: number): Promise<unknown[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const out: unknown[] = [];
  while (out.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let nl = buffered.indexOf("\n");
    while (nl >= 0) {
      out.push(JSON.parse(buffered.slice(0, nl)));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf("\n");
    }
  }
  reader.releaseLock();
  return out;
}

describe("live tail over a socket", () => {
  test("replay then live, in order, no gap and no duplicate at the hand-over", async () => {
    await send(f.app, "POST", "/v0/pools/a/append_batch", {
      messages: Array.from({ length: 500 }, (_, i) => ({ data: { i } })),
    });
    const res = await fetch(`${server.url}/v0/pools/a/tail?since_seq=1&max=1500`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jsonl");
    expect(res.headers.get("spool-version")).toBe("0");
    const writer = (async () => {
      for (let b = 0; b < 10; b++) {
        await send(f.app, "POST", "/v0/pools/a/append_batch", {
          messages: Array.from({ length: 100 }, (_, i) => ({ data: { i: 500 + b * 100 + i } })),
        });
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const lines = (await readLines(res, 1500)) as { seq: number; data: { i: number } }[];
    await writer;
    expect(lines.map((m) => m.seq)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
    expect(lines.every((m, i) => m.data.i === i)).toBe(true);
    await until(() => f.app.openTails === 0, 2000, "tail end after max");
  });

  test("an idle tail ends on timeout_ms with a clean end", async () => {
    const started = Date.now();
    const res = await fetch(`${server.url}/v0/pools/a/tail?timeout_ms=100`);
    expect(await res.text()).toBe("");
    expect(Date.now() - started).toBeLessThan(3000);
    await until(() => f.app.openTails === 0, 2000, "tail slot release");
  });
});

describe("disconnects", () => {
  test("an idle tail whose client disconnects is freed at once", async () => {
    const watchersBefore = watcherCount();
    const controller = new AbortController();
    const res = await fetch(`${server.url}/v0/pools/a/tail`, { signal: controller.signal });
    expect(res.status).toBe(200);
    await until(() => f.app.openTails === 1, 2000, "tail open");
    await until(() => watcherCount() === watchersBefore + 1, 2000, "the tail's watcher");
    controller.abort();
    await until(() => f.app.openTails === 0, 1000, "tail slot release after disconnect");
    await until(() => watcherCount() === watchersBefore, 1000, "watcher release");
    expect((await send(f.app, "DELETE", "/v0/pools/a")).status).toBe(200);
  });

  test("1,000 tails opened and dropped mid-stream leave no slot, watcher, lease or descriptor", async () => {
    await send(f.app, "POST", "/v0/pools/a/append_batch", {
      messages: Array.from({ length: 2000 }, (_, i) => ({ data: { i, pad: "p".repeat(200) } })),
    });
    const watchersBefore = watcherCount();
    const fdsBefore = fdCount();
    const drop = async (k: number) => {
      const controller = new AbortController();
      // Replays of 1–100 messages, then live: every tail is mid-stream when it is dropped.
      const since = 1901 + (k % 100);
      const res = await fetch(`${server.url}/v0/pools/a/tail?since_seq=${since}`, {
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      await reader.read(); // at least one chunk arrived: the tail is mid-stream
      controller.abort();
      await reader.cancel().catch(() => {});
    };
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => drop(round * 50 + k)));
    }
    await until(() => f.app.openTails === 0, 5000, "all tail slots released");
    await until(() => watcherCount() === watchersBefore, 5000, "all watchers released");
    await until(() => fdCount() <= fdsBefore + 2, 5000, "descriptors back to the baseline");
    // No lease is left: the app can delete the pool (Busy while any tail held it).
    expect((await send(f.app, "DELETE", "/v0/pools/a")).status).toBe(200);
    // And the server still serves.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  test("a stalled reader that disconnects is freed too", async () => {
    await send(f.app, "POST", "/v0/pools/a/append_batch", {
      messages: Array.from({ length: 3000 }, (_, i) => ({
        data: "z".repeat(1000),
        tags: [`t${i % 3}`],
      })),
    });
    const controller = new AbortController();
    await fetch(`${server.url}/v0/pools/a/tail?since_seq=1`, { signal: controller.signal });
    await until(() => f.app.openTails === 1, 2000, "tail open");
    await new Promise((r) => setTimeout(r, 50)); // never read: the server fills the socket and waits
    controller.abort();
    await until(() => f.app.openTails === 0, 2000, "stalled tail release");
    await until(() => watcherCount() === 0, 2000, "watcher release");
  });
});

describe("limits and errors", () => {
  test("the tail limit answers 423 Busy instead of queueing", async () => {
    const g = makeApp({ limits: { maxConcurrentTails: 2 } });
    await send(g.app, "POST", "/v0/pools", { pool: "a" });
    const held = [
      g.app.fetch(new Request("http://spool.test/v0/pools/a/tail")),
      g.app.fetch(new Request("http://spool.test/v0/pools/a/tail")),
    ];
    const responses = await Promise.all(held);
    expect(g.app.openTails).toBe(2);
    const third = await send(g.app, "GET", "/v0/pools/a/tail");
    expect(third.status).toBe(423);
    expect(third.json.error.kind).toBe("Busy");
    await responses[0]!.body!.cancel();
    await until(() => g.app.openTails === 1, 2000, "slot release");
    const again = await g.app.fetch(new Request("http://spool.test/v0/pools/a/tail?timeout_ms=10"));
    expect(again.status).toBe(200);
    await again.text();
    await responses[1]!.body!.cancel();
    await g.dispose();
  });

  test("HEAD on the tail answers headers and starts no tail", async () => {
    const res = await send(f.app, "HEAD", "/v0/pools/a/tail");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jsonl");
    expect(f.app.openTails).toBe(0);
    expect((await send(f.app, "HEAD", "/v0/pools/nope/tail")).status).toBe(404);
    expect(f.app.openTails).toBe(0);
  });

  test("delete is 423 Busy while this app tails the pool", async () => {
    const res = await f.app.fetch(new Request("http://spool.test/v0/pools/a/tail"));
    const busy = await send(f.app, "DELETE", "/v0/pools/a");
    expect(busy.status).toBe(423);
    expect(busy.json.error.kind).toBe("Busy");
    await res.body!.cancel();
    await until(() => f.app.openTails === 0, 2000, "tail release");
    expect((await send(f.app, "DELETE", "/v0/pools/a")).status).toBe(200);
  });

  test("a failure after the stream started is one final error line, then the end", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    await send(f.app, "POST", "/v0/pools/small/append", { data: 1 });
    const res = await f.app.fetch(
      new Request("http://spool.test/v0/pools/small/tail?since_seq=1&gap_policy=error"),
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first).seq).toBe(1);
    // Overwrite everything the tail has not read yet.
    const big = "w".repeat(2000);
    for (let i = 0; i < 20; i++) await send(f.app, "POST", "/v0/pools/small/append", { data: big });
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    const lines = rest.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ error: { kind: "RetentionGap", seq: 2 } });
    expect(f.app.openTails).toBe(0);
  });
});

describe("shutdown", () => {
  test("close() ends open tails with a final Busy line, and later requests get Busy", async () => {
    await send(f.app, "POST", "/v0/pools/a/append", { data: "before" });
    const tails = await Promise.all(
      [1, 2, 3].map(() => fetch(`${server.url}/v0/pools/a/tail?since_seq=1`)),
    );
    await until(() => f.app.openTails === 3, 2000, "tails open");
    await f.app.close();
    expect(f.app.openTails).toBe(0);
    for (const res of tails) {
      const lines = (await res.text())
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ seq: 1, data: "before" });
      expect(lines.at(-1)).toMatchObject({ error: { kind: "Busy" } });
    }
    const after = await send(f.app, "GET", "/v0/pools");
    expect(after.status).toBe(423);
    expect(after.json.error.kind).toBe("Busy");
    expect(watcherCount()).toBe(0);
  });
});
