// Memory of idle tails in the real `spool-server` bin: 1,000 HTTP tails waiting at a pool's live
// edge cost the server at most 64 KiB each and keep it under 256 MiB RSS; 1,000 tails that each
// replayed 600 KB first (a replay grows a tail's read chunk to 1 MiB; it gives it back when it
// catches up) keep it under 320 MiB (it was over 700 MiB when every tail kept its chunk; what
// is left above the idle figure is memory the allocator keeps after the replays); every tail got
// its whole replay and still delivers the next append.

import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanEnv, cleanup, killAll, spawnNode, tempDir, until } from "./helpers.js";

afterEach(() => {
  killAll();
  cleanup();
});

const TAILS = 1000;
const MESSAGES = 600;
const WAVE = 100;
const IDLE_RSS_LIMIT = 256 * 1024 * 1024;
const REPLAYED_RSS_LIMIT = 320 * 1024 * 1024;
const IDLE_TAIL_LIMIT = 64 * 1024;

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error("no VmRSS");
  return Number(kb) * 1024;
}

/** A raw HTTP tail: counts the envelopes it received (their `"seq":` keys). */
function openTail(port: number, since: number): { socket: Socket; seen: () => number } {
  const socket = connect(port, "127.0.0.1");
  let seen = 0;
  let carry = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    // A key split across two chunks is counted once: the carried tail is shorter than the key.
    const text = carry + chunk;
    seen += text.split('"seq":').length - 1;
    carry = text.slice(-5);
  });
  socket.on("error", () => {});
  socket.write(`GET /v0/pools/p/tail?since_seq=${since} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  return { socket, seen: () => seen };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

describe.skipIf(process.platform !== "linux")("1,000 idle tails", () => {
  it("cost at most 64 KiB each, and keep the server's RSS bounded after replaying", async () => {
    const child = spawnNode(["--port", "0", "--dir", join(tempDir(), "pools")], cleanEnv());
    const listening = await child.waitForLog((l) => l.msg === "listening");
    const url = listening.url as string;
    const port = Number(new URL(url).port);
    const pid = child.process.pid as number;
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${url}${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
      expect(r.status, await r.clone().text()).toBeLessThan(300);
      return r;
    };
    await post("/v0/pools", { pool: "p", size_bytes: 16 * 1024 * 1024 });
    const pad = "x".repeat(1000);
    for (let i = 0; i < MESSAGES; i += 300) {
      await post("/v0/pools/p/append_batch", {
        messages: Array.from({ length: 300 }, (_, j) => ({ data: { i: i + j, pad } })),
      });
    }
    let tails: ReturnType<typeof openTail>[] = [];
    try {
      // 1. Tails at the live edge (no replay): what an idle tail costs.
      await sleep(300);
      const before = rssOf(pid);
      tails = Array.from({ length: TAILS }, () => openTail(port, MESSAGES + 1));
      await post("/v0/pools/p/append", { data: { probe: 1 } });
      await until(() => tails.every((t) => t.seen() === 1), 30_000, "the idle tails' first line");
      await sleep(500);
      const idleRss = rssOf(pid);
      expect(idleRss, `server RSS ${mib(idleRss)} with ${TAILS} idle tails`).toBeLessThan(
        IDLE_RSS_LIMIT,
      );
      const perTail = (idleRss - before) / TAILS;
      expect(perTail, `${(perTail / 1024).toFixed(1)} KiB per idle tail`).toBeLessThanOrEqual(
        IDLE_TAIL_LIMIT,
      );
      for (const t of tails) t.socket.destroy();
      tails = [];
      await sleep(500);

      // 2. Tails that replay the pool first, arriving in waves, then wait.
      const lines = MESSAGES + 1;
      for (let wave = 0; wave < TAILS / WAVE; wave++) {
        for (let i = 0; i < WAVE; i++) tails.push(openTail(port, 1));
        await until(() => tails.every((t) => t.seen() >= lines), 60_000, `wave ${wave}'s replays`);
      }
      await sleep(500);
      const rss = rssOf(pid);
      expect(rss, `server RSS ${mib(rss)} with ${TAILS} tails`).toBeLessThan(REPLAYED_RSS_LIMIT);
      await post("/v0/pools/p/append", { data: { after: true } });
      await until(() => tails.every((t) => t.seen() >= lines + 1), 20_000, "the live append");
      expect(tails.every((t) => t.seen() === lines + 1)).toBe(true);
    } finally {
      for (const t of tails) t.socket.destroy();
    }
  }, 180_000);
});
