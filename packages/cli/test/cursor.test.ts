// Durable cursors on the command line: `follow --cursor NAME` starts after what the cursor acked
// (a new one where --tail/--since say, else at the next new message) and acks each seq once it
// was written to stdout, so a follower killed with SIGKILL and restarted skips nothing and
// repeats only what it had not acked; filtered messages are acked too, --max acks no further
// than it printed, SIGTERM commits the acks of what was printed; `spool cursor
// list|show|reset|delete` in human text and --json (core's wire spelling); bad input.
import { openPool } from "@spool/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
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

const spool = (...args: string[]) => run(dir, args);
const seqs = (stdout: string): number[] => (jsonLines(stdout) as Envelope[]).map((m) => m.seq);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const numbers = (from: number, to: number): string[] => range(from, to).map(String);

type CursorJson = {
  name: string;
  committed: number;
  lag: number;
  ack_time: string | null;
  created_time: string;
};

async function cursorJson(name: string, pool = "p"): Promise<CursorJson> {
  const r = await spool("cursor", "show", pool, name, "--json");
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { cursor: CursorJson }).cursor;
}

function committed(name: string, pool = "p"): number {
  const p = openPool(pool, { dir, readOnly: true });
  try {
    return p.cursor(name).info().committed;
  } finally {
    p.close();
  }
}

describe("follow --cursor", () => {
  it("resumes after a restart where the last run left off, with nothing repeated", async () => {
    await createPool(dir, "p", numbers(1, 5));
    const first = await spool("follow", "p", "--cursor", "c", "--since", "1", "--max", "3");
    expect(first.code, first.stderr).toBe(0);
    expect(seqs(first.stdout)).toEqual([1, 2, 3]);
    expect(committed("c")).toBe(3);
    // --since only places a new cursor: the kept one wins
    const second = await spool("follow", "p", "--cursor", "c", "--since", "1", "--no-follow");
    expect(seqs(second.stdout)).toEqual([4, 5]);
    await spool("feed", "p", "-q", "6");
    const third = await spool("follow", "p", "--cursor", "c", "--tail", "5", "--no-follow");
    expect(seqs(third.stdout)).toEqual([6]);
    const info = await cursorJson("c");
    expect(info).toMatchObject({ name: "c", committed: 6, lag: 0 });
    expect(info.ack_time).not.toBeNull();
  });

  it("a new cursor starts at the next new message by default, or at --tail N", async () => {
    await createPool(dir, "p", numbers(1, 4));
    const none = await spool("follow", "p", "--cursor", "fresh", "--no-follow");
    expect(none.stdout).toBe("");
    expect(await cursorJson("fresh")).toMatchObject({ committed: 4, lag: 0, ack_time: null });
    const tail = await spool("follow", "p", "--cursor", "t", "--tail", "2", "--no-follow");
    expect(seqs(tail.stdout)).toEqual([3, 4]);
    expect(committed("t")).toBe(4);
  });

  it("a follower killed with SIGKILL and restarted skips nothing (10 rounds)", async () => {
    await createPool(dir, "p", [], "4M");
    let fed = 0;
    let resumeAt = 1;
    const seen: number[] = [];
    for (let round = 0; round < 10; round++) {
      const follower = start(dir, ["follow", "p", "--cursor", "c", "--since", "1", "--jsonl"]);
      let out = "";
      follower.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      const done = collect(follower, 20_000);
      const feedTo = fed + 30;
      const feeder = (async () => {
        while (fed < feedTo) {
          const batch = numbers(fed + 1, fed + 5).join("\n");
          expect((await run(dir, ["feed", "p", "-q"], { input: `${batch}\n` })).code).toBe(0);
          fed += 5;
        }
      })();
      await waitFor(() => out.split("\n").length > 3 + (round % 5), 15_000, "some lines");
      follower.kill("SIGKILL");
      await done;
      await feeder;
      const printed = seqs(out.slice(0, out.lastIndexOf("\n") + 1));
      const acked = committed("c");
      // acked no further than what was written, and this run went on from the last one's ack
      expect(acked).toBeLessThanOrEqual(printed[printed.length - 1] ?? 0);
      expect(printed[0]).toBe(resumeAt);
      seen.push(...printed);
      resumeAt = acked + 1;
    }
    const rest = await spool("follow", "p", "--cursor", "c", "--no-follow");
    if (resumeAt <= fed) expect(seqs(rest.stdout)[0]).toBe(resumeAt);
    seen.push(...seqs(rest.stdout));
    // every message at least once, in order within each run
    expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(range(1, fed));
    expect(committed("c")).toBe(fed);
  });

  it("acks messages the filters leave out, and --max no further than it printed", async () => {
    await createPool(dir, "p", ['{"k":1}', '{"k":2}', '{"k":1}', '{"k":2}', '{"k":2}']);
    const where = await spool(
      "follow",
      "p",
      "--cursor",
      "w",
      "--since",
      "1",
      "--where",
      ".data.k == 1",
      "--no-follow",
    );
    expect(seqs(where.stdout)).toEqual([1, 3]);
    expect(committed("w")).toBe(5);
    const max = await spool(
      "follow",
      "p",
      "--cursor",
      "m",
      "--since",
      "1",
      "--where",
      ".data.k == 2",
      "--max",
      "2",
    );
    expect(seqs(max.stdout)).toEqual([2, 4]);
    expect(committed("m")).toBe(4);
    const pretty = await spool("follow", "p", "--cursor", "m", "--format", "pretty", "--no-follow");
    expect(pretty.stdout).toContain("#5");
    expect(committed("m")).toBe(5);
  });

  it("SIGTERM ends the follow once what it printed is acked (exit 143)", async () => {
    await createPool(dir, "p", numbers(1, 3));
    const follower = start(dir, ["follow", "p", "--cursor", "s", "--since", "1"]);
    let out = "";
    follower.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const done = collect(follower, 20_000);
    await waitFor(() => seqs(out).length === 3, 10_000, "three lines");
    await sleep(100);
    follower.kill("SIGTERM");
    const r = await done;
    expect(r.code).toBe(143);
    expect(committed("s")).toBe(3);
  });

  it("bad cursor names and --replay are usage errors", async () => {
    await createPool(dir, "p", numbers(1, 2));
    const bad = await spool("follow", "p", "--cursor", "no spaces");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cursor name must be 1–64 characters");
    expect((await spool("follow", "p", "--cursor", "-x")).code).toBe(2);
    const replay = await spool("follow", "p", "--cursor", "c", "--replay", "0");
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain("--cursor and --replay");
    expect((await spool("cursor", "list", "p", "--json")).stdout).toBe('{"cursors":[]}\n');
  });
});

describe("spool cursor list|show|reset|delete", () => {
  it("lists and shows cursors, in human text and in core's wire spelling", async () => {
    await createPool(dir, "p", numbers(1, 4));
    await spool("follow", "p", "--cursor", "b", "--since", "1", "--max", "1");
    await spool("follow", "p", "--cursor", "a", "--since", "1", "--max", "3");
    const list = await spool("cursor", "list", "p", "--json");
    expect(list.code).toBe(0);
    const doc = JSON.parse(list.stdout) as { cursors: CursorJson[] };
    expect(doc.cursors.map((c) => [c.name, c.committed, c.lag])).toEqual([
      ["a", 3, 1],
      ["b", 1, 3],
    ]);
    expect(Object.keys(doc.cursors[0] as object)).toEqual([
      "name",
      "committed",
      "lag",
      "ack_time",
      "created_time",
    ]);
    const jsonl = await spool("cursor", "list", "p", "--jsonl");
    expect(jsonLines(jsonl.stdout)).toEqual(doc.cursors);
    const human = await spool("cursor", "list", "p");
    expect(human.stdout).toMatch(/^NAME\s+COMMITTED\s+LAG\s+LAST ACK\n/);
    expect(human.stdout).toMatch(/\na\s+3\s+1\s+\d{4}-/);
    const show = await spool("cursor", "show", "p", "b");
    expect(show.stdout).toMatch(/committed:\s+1\n/);
    expect(show.stdout).toMatch(/next:\s+2 /);
    expect((await spool("cursor", "show", "p", "a", "--jsonl")).stdout).toBe(
      `${JSON.stringify(doc.cursors[0])}\n`,
    );
    expect((await spool("cursor", "list", "p")).code).toBe(0);
    // pool info names them with their lag; --json lists them in full.
    const info = await spool("pool", "info", "p");
    expect(info.stdout).toMatch(/\ncursors: {3}2 \(a lag 1, b lag 3\)\ngroups: {4}0\n$/);
    const infoJson = JSON.parse((await spool("pool", "info", "p", "--json")).stdout);
    expect(infoJson.pool.cursors).toEqual(doc.cursors);
  });

  it("reset moves a cursor by seq, time or age (and creates one); delete forgets it", async () => {
    await createPool(dir, "p", numbers(1, 3));
    await sleep(1100);
    await spool("feed", "p", "-q", "4");
    await spool("follow", "p", "--cursor", "c", "--since", "1", "--no-follow");
    expect(committed("c")).toBe(4);
    const back = await spool("cursor", "reset", "p", "c", "--since", "2", "--json");
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ cursor: { name: "c", committed: 1 } });
    expect(seqs((await spool("follow", "p", "--cursor", "c", "--no-follow")).stdout)).toEqual([
      2, 3, 4,
    ]);
    const fourth = JSON.parse((await spool("fetch", "p", "4")).stdout) as Envelope;
    await spool("cursor", "reset", "p", "c", "--since", fourth.time);
    expect(committed("c")).toBe(3);
    await spool("cursor", "reset", "p", "c", "--since", "0s");
    expect(committed("c")).toBe(4);
    const made = await spool("cursor", "reset", "p", "new-one", "--since", "1");
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/committed:\s+0 /);
    const deleted = await spool("cursor", "delete", "p", "c", "--json");
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ deleted: { name: "c", committed: 4 } });
    const gone = await spool("cursor", "show", "p", "c");
    expect(gone.code).toBe(3);
    expect(JSON.parse(gone.stderr)).toMatchObject({ error: { kind: "NotFound" } });
    expect((await spool("cursor", "delete", "p", "c")).code).toBe(3);
  });

  it("bad input: no --since, a bad SINCE, a seq past the next, bad names, missing operands", async () => {
    await createPool(dir, "p", numbers(1, 2));
    const none = await spool("cursor", "reset", "p", "c");
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stderr)).toMatchObject({
      error: { kind: "Usage", message: "cursor reset needs --since" },
    });
    expect((await spool("cursor", "reset", "p", "c", "--since", "soon")).code).toBe(2);
    expect((await spool("cursor", "reset", "p", "c", "--since", "9")).code).toBe(2);
    expect((await spool("cursor", "show", "p", "a/b")).code).toBe(2);
    expect((await spool("cursor", "show", "p")).code).toBe(2);
    expect((await spool("cursor", "show", "nope", "c")).code).toBe(3);
    const sub = await spool("cursor");
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain("list, show, reset or delete");
    const typo = await spool("cursor", "lst", "p");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean `cursor list`?");
  });
});
