// Frame tests of WatchView against real pools: new messages show, the tag and where filters,
// pause and resume, jump to a seq and to an age, the inspector, a gap notice where it happened,
// resizing, and the bounded buffer.
import { cleanup, render } from "ink-testing-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WatchView } from "../src/index.js";
import { KEY, type PoolDir, poolDir, type, waitForFrame } from "./fixtures.js";

let pools: PoolDir;
beforeEach(() => {
  pools = poolDir();
});
afterEach(async () => {
  cleanup();
  await pools.cleanup();
});

const size = { columns: 100, rows: 16 };

describe("WatchView", () => {
  it("shows messages another writer appends, live", async () => {
    const writer = pools.pool("build");
    writer.append({ step: "lint", ok: true }, { tags: ["ci"] });
    const view = render(
      <WatchView pool={await pools.engine.open("build")} size={size} infoIntervalMs={50} />,
    );
    await waitForFrame(view.lastFrame, (f) => f.includes("#1") && f.includes('"step":"lint"'));
    writer.append({ step: "test", ok: false });
    const frame = await waitForFrame(view.lastFrame, (f) => f.includes('"step":"test"'));
    expect(frame).toContain("[ci]");
    expect(frame).toContain("LIVE");
    await waitForFrame(view.lastFrame, (f) => f.includes("#1..#2") && f.includes("2 msgs"));
  });

  it("filters by a where expression and by tags, and clears them", async () => {
    const writer = pools.pool("jobs");
    writer.append({ n: 1, ok: true }, { tags: ["a"] });
    writer.append({ n: 2, ok: false }, { tags: ["b"] });
    writer.append({ n: 3, ok: false }, { tags: ["a"] });
    const view = render(<WatchView pool={await pools.engine.open("jobs")} size={size} />);
    await waitForFrame(view.lastFrame, (f) => f.includes('"n":3'));
    await type(view.stdin, "/");
    await type(view.stdin, ".data.ok == false");
    await waitForFrame(view.lastFrame, (f) => f.includes("where (jq subset"));
    await type(view.stdin, KEY.enter);
    let frame = await waitForFrame(view.lastFrame, (f) => !f.includes('"n":1'));
    expect(frame).toContain('"n":2');
    expect(frame).toContain('"n":3');
    expect(frame).toContain("filter: where .data.ok == false");
    await type(view.stdin, "t");
    await type(view.stdin, "a");
    await type(view.stdin, KEY.enter);
    frame = await waitForFrame(view.lastFrame, (f) => !f.includes('"n":2'));
    expect(frame).toContain('"n":3');
    expect(frame).toContain("1/3 shown");
    // a new message is filtered as it arrives
    writer.append({ n: 4, ok: false }, { tags: ["a"] });
    writer.append({ n: 5, ok: true }, { tags: ["a"] });
    frame = await waitForFrame(view.lastFrame, (f) => f.includes('"n":4'));
    await waitForFrame(view.lastFrame, (f) => f.includes("2/5 shown"));
    expect(view.lastFrame()).not.toContain('"n":5');
    await type(view.stdin, "c");
    await waitForFrame(view.lastFrame, (f) => f.includes('"n":1') && f.includes('"n":5'));
  });

  it("shows a bad expression's error and keeps the old filter", async () => {
    pools.pool("bad").append({ x: 1 });
    const view = render(<WatchView pool={await pools.engine.open("bad")} size={size} />);
    await waitForFrame(view.lastFrame, (f) => f.includes('"x":1'));
    await type(view.stdin, "/");
    await type(view.stdin, ".data |||");
    await type(view.stdin, KEY.enter);
    const frame = await waitForFrame(view.lastFrame, (f) => f.includes("where:"));
    expect(frame).toContain('"x":1');
  });

  it("pauses reading and resumes where it stopped", async () => {
    const writer = pools.pool("p");
    writer.append({ n: 1 });
    const view = render(
      <WatchView pool={await pools.engine.open("p")} size={size} infoIntervalMs={50} />,
    );
    await waitForFrame(view.lastFrame, (f) => f.includes('"n":1'));
    await type(view.stdin, " ");
    await waitForFrame(view.lastFrame, (f) => f.includes("PAUSED"));
    writer.append({ n: 2 });
    writer.append({ n: 3 });
    // the header learns of them (2 behind) but the list does not show them
    const paused = await waitForFrame(view.lastFrame, (f) => f.includes("2 behind"));
    expect(paused).not.toContain('"n":2');
    await type(view.stdin, " ");
    const frame = await waitForFrame(view.lastFrame, (f) => f.includes('"n":3'));
    expect(frame).toContain('"n":2');
    expect(frame).toContain("LIVE");
  });

  it("jumps to a seq, to an age, and back to the live end", async () => {
    const writer = pools.pool("j");
    for (let n = 1; n <= 30; n++) writer.append({ n });
    const view = render(
      <WatchView pool={await pools.engine.open("j")} size={size} start={{ last: 3 }} />,
    );
    await waitForFrame(view.lastFrame, (f) => f.includes("#30 "));
    expect(view.lastFrame()).not.toContain("#27 ");
    await type(view.stdin, "g");
    await type(view.stdin, "5");
    await type(view.stdin, KEY.enter);
    // from #5: the window shows the newest rows held, from seq 5 on
    let frame = await waitForFrame(view.lastFrame, (f) => f.includes("26/26 shown"));
    expect(frame).toContain("from #5");
    expect(frame).toContain("#30 ");
    await type(view.stdin, "g");
    await type(view.stdin, "1h");
    await type(view.stdin, KEY.enter);
    frame = await waitForFrame(view.lastFrame, (f) => f.includes("30/30 shown"));
    expect(frame).toMatch(/from 20\d\d-/);
    await type(view.stdin, "g");
    await type(view.stdin, "not a time");
    await type(view.stdin, KEY.enter);
    await waitForFrame(view.lastFrame, (f) => f.includes("jump: jump must be"));
    await type(view.stdin, "g");
    await type(view.stdin, KEY.enter);
    frame = await waitForFrame(view.lastFrame, (f) => f.includes("3/3 shown"));
    expect(frame).toContain("live");
  });

  it("selects with the arrows and inspects the stored envelope", async () => {
    const writer = pools.pool("i");
    writer.appendJson('{"big":12345678901234567890,"price":1.50,"nested":{"a":[1,2]}}', {
      tags: ["x"],
    });
    writer.append({ n: 2 });
    const view = render(
      <WatchView pool={await pools.engine.open("i")} size={{ columns: 100, rows: 24 }} />,
    );
    await waitForFrame(view.lastFrame, (f) => f.includes('"n":2'));
    await type(view.stdin, KEY.up);
    await type(view.stdin, KEY.up);
    await waitForFrame(view.lastFrame, (f) => f.includes("READING"));
    await type(view.stdin, KEY.enter);
    const frame = await waitForFrame(view.lastFrame, (f) => f.includes("the stored envelope"));
    // pretty, and exactly as stored: no float rounding, the spelling 1.50 kept
    expect(frame).toContain('"seq": 1,');
    expect(frame).toContain('"big": 12345678901234567890,');
    expect(frame).toContain('"price": 1.50,');
    expect(frame).toContain('"tags": [');
    await type(view.stdin, KEY.escape);
    await waitForFrame(
      view.lastFrame,
      (f) => f.includes("READING") && !f.includes("stored envelope"),
    );
    await type(view.stdin, KEY.escape);
    await waitForFrame(view.lastFrame, (f) => f.includes("LIVE"));
  });

  it("shows a gap notice where the ring overwrote unread messages", async () => {
    const writer = pools.pool("small", "64K");
    writer.append({ n: 1 });
    const view = render(
      <WatchView pool={await pools.engine.open("small")} size={{ columns: 100, rows: 40 }} />,
    );
    await waitForFrame(view.lastFrame, (f) => f.includes('"n":1'));
    await type(view.stdin, " ");
    await waitForFrame(view.lastFrame, (f) => f.includes("PAUSED"));
    // overwrite #2.. while paused: far more than 64 KiB
    const pad = "x".repeat(2000);
    for (let n = 2; n <= 200; n++) writer.append({ n, pad });
    await type(view.stdin, " ");
    const frame = await waitForFrame(
      view.lastFrame,
      (f) => f.includes("gap:") && f.includes('"n":200'),
    );
    expect(frame).toMatch(/gap: \d+ messages overwritten before they were read \(#2\.\.#\d+\)/);
  });

  it("redraws to the new size on resize", async () => {
    pools.pool("r").append({ n: 1 });
    const view = render(<WatchView pool={await pools.engine.open("r")} />);
    await waitForFrame(view.lastFrame, (f) => f.includes('"n":1'));
    // ink-testing-library's stdout: 100 columns; no rows (24 assumed)
    expect(view.lastFrame()?.split("\n")).toHaveLength(23);
    Object.defineProperty(view.stdout, "columns", { value: 40, configurable: true });
    Object.defineProperty(view.stdout, "rows", { value: 10, configurable: true });
    view.stdout.emit("resize");
    const frame = await waitForFrame(view.lastFrame, (f) => f.split("\n").length === 9);
    const plain = frame.replace(/\u001b\[[0-9;]*m/g, "");
    for (const line of plain.split("\n")) expect(Array.from(line).length).toBeLessThanOrEqual(40);
  });

  it("keeps at most its capacity of rows in memory", async () => {
    const writer = pools.pool("many", "4M");
    const batch = Array.from({ length: 600 }, (_, i) => ({ data: { i } }));
    writer.appendBatch(batch);
    const view = render(
      <WatchView
        pool={await pools.engine.open("many")}
        size={size}
        capacity={100}
        start={{ since: 1 }}
      />,
    );
    const frame = await waitForFrame(view.lastFrame, (f) => f.includes('"i":599'));
    expect(frame).toContain("100/100 shown (max 100)");
  });
});
