// Review findings on duplex with piped input: `--timeout` must end the command when nothing was
// printed for that long (spec §6.4), even while stdin is still open. Before the fix, duplex kept
// reading stdin until it ended, appended what came after the timeout, and only then exited 124.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collect, jsonLines, run, sleep, start, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe("duplex --timeout with stdin still open", () => {
  it("exits 124 on time and appends nothing after", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const child = start(dir, ["duplex", "p", "--timeout", "0.5s"]);
    const done = collect(child, 15_000, null);
    child.stdin?.on("error", () => {});
    child.stdin?.write('{"early":1}\n');
    const began = Date.now();
    const exited = new Promise<number>((resolve) => child.on("exit", () => resolve(Date.now())));
    const late = sleep(3000).then(() => {
      child.stdin?.write('{"late":1}\n');
      child.stdin?.end();
    });
    const r = await done;
    const elapsed = (await exited) - began;
    await late;
    expect(r.code).toBe(124);
    expect(elapsed).toBeLessThan(2500);
    const f = await run(dir, ["follow", "p", "--tail", "10", "--data-only", "--timeout", "0.2"]);
    expect(jsonLines(f.stdout)).toEqual([{ early: 1 }]);
  });
});
