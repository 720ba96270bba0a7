// `spool follow` (and `fetch`): replay and live delivery, --since by seq/time/age, --one,
// --timeout (124), --tag, --where (jq), formats, --data-only, --replay pacing, gaps (drop
// notices, --gap error), and ending quietly when the reader of stdout goes away.
import { spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  baseEnv,
  CLI,
  cliLine,
  collect,
  createPool,
  type Envelope,
  jsonLines,
  run,
  sleep,
  start,
  tempDir,
  waitFor,
} from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const pool = (name: string, messages: string[] = [], size = "1M"): Promise<void> =>
  createPool(dir, name, messages, size);

describe("follow: where to start and when to stop", () => {
  it("replays --tail N, then delivers live messages with no gap or duplicate", async () => {
    await pool("p", ["1", "2", "3", "4"]);
    const follower = start(dir, ["follow", "p", "--tail", "2", "--jsonl"]);
    let out = "";
    follower.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const done = collect(follower, 20_000);
    await waitFor(() => out.split("\n").length > 2, 10_000, "replay");
    await run(dir, ["feed", "p", "5"]);
    await run(dir, ["feed", "p", "6"]);
    await waitFor(() => out.split("\n").length > 4, 10_000, "live messages");
    follower.kill("SIGTERM");
    await done;
    expect((jsonLines(out) as Envelope[]).map((m) => m.seq)).toEqual([3, 4, 5, 6]);
  });

  it("starts at the next new message by default", async () => {
    await pool("p", ["1", "2"]);
    const follower = start(dir, ["follow", "p", "--one"]);
    let exited = false;
    const done = collect(follower, 30_000).finally(() => {
      exited = true;
    });
    // the follower's start-up time is unknown: feed until it has printed one message
    for (let i = 0; !exited && i < 50; i++) {
      await run(dir, ["feed", "p", '"new"']);
      await sleep(200);
    }
    const r = await done;
    expect(r.code).toBe(0);
    const [first] = jsonLines(r.stdout) as Envelope[];
    expect(first?.data).toBe("new");
    expect(first?.seq).toBeGreaterThanOrEqual(3);
    expect(r.stdout.trim().split("\n").length).toBe(1);
  });

  it("--since SEQ is inclusive; --tail and --since together are a usage error", async () => {
    await pool("p", ["1", "2", "3"]);
    const r = await run(dir, ["follow", "p", "--since", "2", "--replay", "0"]);
    expect((jsonLines(r.stdout) as Envelope[]).map((m) => m.seq)).toEqual([2, 3]);
    const both = await run(dir, ["follow", "p", "--since", "2", "--tail", "1"]);
    expect(both.code).toBe(2);
  });

  it("--since accepts an RFC 3339 time and an age", async () => {
    await pool("p", ["1", "2"]);
    await sleep(2000);
    await run(dir, ["feed", "p", "-q"], { input: "3\n4\n" });
    const third = JSON.parse((await run(dir, ["fetch", "p", "3"])).stdout) as Envelope;
    const byTime = await run(dir, ["follow", "p", "--since", third.time, "--replay", "0"]);
    expect((jsonLines(byTime.stdout) as Envelope[]).map((m) => m.seq)).toEqual([3, 4]);
    const offset = third.time.replace("Z", "+00:00");
    expect(
      (
        jsonLines(
          (await run(dir, ["follow", "p", "--since", offset, "--replay", "0"])).stdout,
        ) as Envelope[]
      ).map((m) => m.seq),
    ).toEqual([3, 4]);
    // An age that reaches back to midway between seq 2 and seq 3 (about a second of slack either
    // way, so a slow start of the CLI under load cannot move the boundary past a message).
    const second = JSON.parse((await run(dir, ["fetch", "p", "2"])).stdout) as Envelope;
    const ms = (time: string) => Date.parse(`${time.slice(0, 23)}Z`);
    const midway = (ms(second.time) + ms(third.time)) / 2;
    const age = `${Math.round(Date.now() - midway)}ms`;
    const byAge = await run(dir, ["follow", "p", "--since", age, "--replay", "0"]);
    expect((jsonLines(byAge.stdout) as Envelope[]).map((m) => m.seq)).toEqual([3, 4]);
    const all = await run(dir, ["follow", "p", "--since", "1h", "--replay", "0"]);
    expect((jsonLines(all.stdout) as Envelope[]).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    const bad = await run(dir, ["follow", "p", "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(jsonLines(bad.stderr)[0]).toMatchObject({
      error: { kind: "Usage", hint: expect.stringContaining("--since") },
    });
  });

  it("--since refuses an impossible time, naming the field, instead of rolling it over", async () => {
    await pool("p", ["1"]);
    for (const [time, reason] of [
      ["2026-01-01T10:99:00Z", "minute 99 is out of range"],
      ["2026-02-29T00:00:00Z", "2026 is not a leap year"],
      ["2026-01-01T10:00:00+99:99", "offset +99:99 is out of range"],
      ["2026-01-01", "not an RFC 3339 time"],
    ] as const) {
      const r = await run(dir, ["follow", "p", "--since", time, "--replay", "0"]);
      expect(r.code, time).toBe(2);
      expect(r.stdout).toBe("");
      expect(jsonLines(r.stderr)[0], time).toMatchObject({
        error: {
          kind: "Usage",
          message: expect.stringContaining(reason),
          hint: expect.stringContaining("2026-11-22T10:15:30Z"),
        },
      });
    }
  });

  it("--one exits after the first matching message", async () => {
    await pool("p", ["1", "2", "3"]);
    const r = await run(dir, ["follow", "p", "--tail", "3", "--one"]);
    expect(r.code).toBe(0);
    expect((jsonLines(r.stdout) as Envelope[]).map((m) => m.seq)).toEqual([1]);
    const w = await run(dir, ["follow", "p", "--tail", "3", "--one", "--where", ".data >= 2"]);
    expect((jsonLines(w.stdout) as Envelope[]).map((m) => m.seq)).toEqual([2]);
  });

  it("--timeout exits 124 when nothing arrived in time", async () => {
    await pool("p", ["1"]);
    const began = Date.now();
    const r = await run(dir, ["follow", "p", "--timeout", "300ms"]);
    expect(r.code).toBe(124);
    expect(r.stdout).toBe("");
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    const one = await run(dir, ["follow", "p", "--one", "--timeout", "200ms"]);
    expect(one.code).toBe(124);
  });

  it("fails with NotFound (exit 3) for a missing pool and Io (exit 8) for an unreachable server", async () => {
    const missing = await run(dir, ["follow", "nope"]);
    expect(missing.code).toBe(3);
    const remote = await run(dir, ["follow", "http://127.0.0.1:9/p"]);
    expect(remote.code).toBe(8);
    expect(jsonLines(remote.stderr)[0]).toMatchObject({
      error: { kind: "Io", hint: expect.stringContaining("spool serve") },
    });
  });
});

describe("follow: gaps and pipes", () => {
  it("prints a drop notice when a small pool was overrun, and --gap error exits 9", async () => {
    await pool("small", [], "16K");
    const big = JSON.stringify({ pad: "x".repeat(900) });
    await run(dir, ["feed", "small", "-q"], {
      input: `${Array.from({ length: 40 }, () => big).join("\n")}\n`,
    });
    const info = JSON.parse((await run(dir, ["pool", "info", "small", "--json"])).stdout) as {
      pool: { bounds: { oldest: number; newest: number } };
    };
    const oldest = info.pool.bounds.oldest;
    expect(oldest).toBeGreaterThan(1);
    const r = await run(dir, ["follow", "small", "--since", "1", "--replay", "0"]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stderr)).toEqual([
      { notice: { kind: "drop", pool: "small", from: 1, to: oldest - 1, count: oldest - 1 } },
    ]);
    expect((jsonLines(r.stdout) as Envelope[])[0]?.seq).toBe(oldest);
    const strict = await run(dir, ["follow", "small", "--since", "1", "--gap", "error"]);
    expect(strict.code).toBe(9);
    expect(jsonLines(strict.stderr)).toEqual([
      {
        error: expect.objectContaining({ kind: "RetentionGap", seq: 1, hint: expect.any(String) }),
      },
    ]);
  });

  it("reports live overruns as at most one drop notice per second", async () => {
    await pool("small", [], "16K");
    const follower = start(dir, ["follow", "small", "--jsonl"], { env: { SPOOL_NO_WATCH: "1" } });
    follower.stdout?.pause(); // a stalled reader: the follower falls behind and sees gaps
    const done = collect(follower, 30_000);
    follower.stdout?.pause();
    await sleep(500);
    const big = JSON.stringify({ pad: "y".repeat(2000) });
    for (let round = 0; round < 3; round++) {
      await run(dir, ["feed", "small", "-q"], {
        input: `${Array.from({ length: 60 }, () => big).join("\n")}\n`,
      });
    }
    follower.stdout?.resume(); // the reader catches up and finds the overwritten messages
    await sleep(1500);
    follower.kill("SIGTERM");
    const r = await done;
    const drops = jsonLines(r.stderr) as {
      notice: { kind: string; from: number; count: number };
    }[];
    expect(drops.length).toBeGreaterThanOrEqual(1);
    expect(drops.length).toBeLessThanOrEqual(2);
    expect(drops.every((d) => d.notice.kind === "drop" && d.notice.count > 0)).toBe(true);
    const seqs = (jsonLines(r.stdout) as Envelope[]).map((m) => m.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
  });

  it("ends quietly when the reader of stdout goes away, even on a quiet pool (follow | head -1)", async () => {
    await pool("p", ["1", "2", "3"]);
    const shell = spawn(
      "bash",
      [
        "-c",
        `set -o pipefail; ${cliLine(["follow", "p", "--tail", "3", "--jsonl"])} | head -1; echo "status=$?"`,
      ],
      {
        env: baseEnv(dir),
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const started = Date.now();
    const r = await collect(shell, 20_000);
    // Nothing more is fed: the follow must notice head's exit by itself, not at its next write.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.stdout).toMatch(/^\{"seq":1,.*\}\nstatus=0\n$/);
    expect(r.stderr).toBe("");
    void CLI;
  });
});
