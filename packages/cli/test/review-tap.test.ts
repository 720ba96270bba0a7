// Review findings on tap: spec §5.2 says "a line longer than 65 536 characters is split". The
// splitter only split the unfinished carry, so a long line whose newline arrived in the same
// chunk as its last 64 KiB was recorded whole (and, in a small pool, lost as too large).
import { spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { baseEnv, cliLine, jsonLines, run, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

interface Envelope {
  meta: { tags: string[] };
  data: { stream?: string; line?: string; event?: string };
}

describe("tap splits long complete lines", () => {
  it("a 70 000-character line ending in a newline becomes 65 536 + 4 464", async () => {
    expect((await run(dir, ["pool", "create", "p", "--size", "4M"])).code).toBe(0);
    const script = 'process.stdout.write("x".repeat(70000) + "\\n" + "y".repeat(10) + "\\n")';
    const r = await run(dir, ["tap", "p", "--silent", "--", process.execPath, "-e", script]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const f = await run(dir, [
      "follow",
      "p",
      "--tail",
      "10",
      "--tag",
      "stdout",
      "--timeout",
      "0.3",
    ]);
    const lines = (jsonLines(f.stdout) as Envelope[]).map((m) => m.data.line ?? "");
    expect(lines.map((l) => l.length)).toEqual([65536, 70000 - 65536, 10]);
    expect(lines[0]).toMatch(/^x+$/);
    expect(lines[2]).toBe("y".repeat(10));
  });
});

describe("tap echo into a slow reader", () => {
  // Before the fix tap wrote the echo straight to process.stdout without waiting and exited with
  // process.exit when the child ended: everything still queued for a slow reader was lost (about
  // 6 000 of 200 000 lines arrived), and the queue itself grew without bound.
  it("delivers every echoed line and keeps the child's status", async () => {
    expect((await run(dir, ["pool", "create", "p", "--size", "4M"])).code).toBe(0);
    const line = `${cliLine(["tap", "p", "--", "sh", "-c", "yes abcdefghij | head -n 200000; exit 3"])} | (sleep 1.5; wc -l); echo "status=\${PIPESTATUS[0]}"`;
    const child = spawn("bash", ["-c", line], {
      env: baseEnv(dir),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    await new Promise((resolve) => child.on("close", resolve));
    expect(out.trim().split("\n")).toEqual(["200000", "status=3"]);
  }, 30_000);
});
