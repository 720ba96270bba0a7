// Frame tests of TopView against a real pool directory: the table updates after another writer
// appends (count, bounds, rate), lists a pool created meanwhile, shows cursor and group lag,
// sorts, and Enter opens the live view of the selected pool (q comes back).
import { cleanup, render } from "ink-testing-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TopView } from "../src/index.js";
import { KEY, type PoolDir, poolDir, type, waitForFrame } from "./fixtures.js";

let pools: PoolDir;
beforeEach(() => {
  pools = poolDir();
});
afterEach(async () => {
  cleanup();
  await pools.cleanup();
});

const size = { columns: 120, rows: 14 };

/** The table line of pool `name` in `frame`. */
function rowOf(frame: string, name: string): string {
  return frame.split("\n").find((line) => line.startsWith(`${name} `)) ?? "";
}

describe("TopView", () => {
  it("updates the table after another writer appends, and lists new pools", async () => {
    const build = pools.pool("build");
    build.append({ n: 1 });
    const view = render(<TopView source={pools.engine} intervalMs={50} size={size} />);
    let frame = await waitForFrame(view.lastFrame, (f) => rowOf(f, "build").includes("1..1"));
    expect(frame).toContain("1 pool");
    expect(frame).toMatch(/NAME\s+SIZE\s+SEQS\s+MSGS\s+USED\s+MSG\/S\s+LAG/);
    for (let n = 2; n <= 50; n++) build.append({ n });
    frame = await waitForFrame(view.lastFrame, (f) => rowOf(f, "build").includes("1..50"));
    expect(rowOf(frame, "build")).toMatch(/1\.\.50\s+50\s/);
    // the rate: 49 messages between two snapshots 50 ms apart is well above 0
    await waitForFrame(view.lastFrame, (f) =>
      /1\.\.50\s+50\s+\S+ \S+ \d+%\s+\d/.test(rowOf(f, "build")),
    );
    pools.pool("deploy").append({ ok: true });
    frame = await waitForFrame(view.lastFrame, (f) => rowOf(f, "deploy").includes("1..1"));
    expect(frame).toContain("2 pools");
  });

  it("shows the lag of cursors and consumer groups", async () => {
    const jobs = pools.pool("jobs");
    for (let n = 1; n <= 10; n++) jobs.append({ n });
    jobs.cursor("indexer").reset({ seq: 1 });
    jobs.cursor("indexer").ack(4);
    jobs.group("mailer", { since: "oldest" }).claim({ max: 2 });
    const view = render(<TopView source={pools.engine} intervalMs={50} size={size} />);
    const frame = await waitForFrame(view.lastFrame, (f) => rowOf(f, "jobs").includes("indexer=6"));
    expect(rowOf(frame, "jobs")).toContain("group:mailer=10");
  });

  it("sorts by another column and reverses", async () => {
    const a = pools.pool("a");
    const b = pools.pool("b");
    a.append({ n: 1 });
    for (let n = 1; n <= 5; n++) b.append({ n });
    const view = render(<TopView source={pools.engine} intervalMs={50} size={size} />);
    await waitForFrame(view.lastFrame, (f) => rowOf(f, "b").includes("1..5"));
    const order = (f: string): string[] =>
      f
        .split("\n")
        .filter((l) => /^[ab] /.test(l))
        .map((l) => l[0] as string);
    expect(order(view.lastFrame() ?? "")).toEqual(["a", "b"]);
    await type(view.stdin, "s"); // size: equal, by name
    await type(view.stdin, "s"); // msgs, descending
    let frame = await waitForFrame(view.lastFrame, (f) => f.includes("sort: msgs ↓"));
    expect(order(frame)).toEqual(["b", "a"]);
    await type(view.stdin, "r");
    frame = await waitForFrame(view.lastFrame, (f) => f.includes("sort: msgs ↑"));
    expect(order(frame)).toEqual(["a", "b"]);
  });

  it("opens the selected pool in the live view and comes back", async () => {
    pools.pool("one").append({ hello: "one" });
    pools.pool("two").append({ hello: "two" });
    const view = render(<TopView source={pools.engine} intervalMs={50} size={size} />);
    await waitForFrame(view.lastFrame, (f) => rowOf(f, "two").includes("1..1"));
    await type(view.stdin, KEY.down);
    await type(view.stdin, KEY.down);
    await type(view.stdin, KEY.enter);
    const frame = await waitForFrame(view.lastFrame, (f) => f.includes("spool watch two"));
    await waitForFrame(view.lastFrame, (f) => f.includes('"hello":"two"'));
    expect(frame).not.toContain("spool top");
    await type(view.stdin, "q");
    await waitForFrame(view.lastFrame, (f) => f.includes("spool top") && rowOf(f, "one") !== "");
  });

  it("keeps the last table and shows the error when a snapshot fails", async () => {
    pools.pool("x").append({});
    let fail = false;
    const source = {
      location: "test",
      list: async () => {
        if (fail) throw new Error("server went away");
        return pools.engine.list();
      },
    };
    const view = render(<TopView source={source} intervalMs={50} size={size} />);
    await waitForFrame(view.lastFrame, (f) => rowOf(f, "x").includes("1..1"));
    fail = true;
    const frame = await waitForFrame(view.lastFrame, (f) =>
      f.includes("snapshot failed: server went away"),
    );
    expect(rowOf(frame, "x")).toContain("1..1");
  });
});
