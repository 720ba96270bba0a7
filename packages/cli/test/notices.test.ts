// DropReporter without processes: gaps fold into at most one `drop` notice per second (a fake
// clock drives it), the notice counts every overwritten message exactly once, and the last
// pending gap is printed at the end.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Io } from "../src/lib/io.js";
import { DropReporter } from "../src/lib/notices.js";

type Drop = { notice: { kind: string; from: number; to: number; count: number } };

function fakeIo(lines: { at: number; drop: Drop }[]): Io {
  return {
    stdinTty: false,
    stdoutTty: false,
    stderrTty: false,
    color: false,
    colorErr: false,
    out: undefined as unknown as Io["out"],
    errLine: (text: string) => lines.push({ at: Date.now(), drop: JSON.parse(text) as Drop }),
    errRaw: () => {},
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-12-01T00:00:00Z"));
});
afterEach(() => vi.useRealTimers());

describe("drop notices", () => {
  it("print at most one a second, folding the gaps in between, and lose no count", () => {
    const lines: { at: number; drop: Drop }[] = [];
    const reporter = new DropReporter(fakeIo(lines), "p");
    let seq = 1;
    let dropped = 0;
    // 50 gaps of 3 messages, one every 70 ms (3.5 s in all).
    for (let i = 0; i < 50; i++) {
      reporter.add({ from: seq, to: seq + 2, count: 3 });
      dropped += 3;
      seq += 10;
      vi.advanceTimersByTime(70);
    }
    vi.advanceTimersByTime(1000); // the last pending gap comes due by itself
    reporter.flush(); // then nothing is left for the end of the follow
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < lines.length; i++) {
      expect(
        (lines[i] as { at: number }).at - (lines[i - 1] as { at: number }).at,
      ).toBeGreaterThanOrEqual(1000);
    }
    expect(lines.every((l) => l.drop.notice.kind === "drop")).toBe(true);
    expect(lines.reduce((sum, l) => sum + l.drop.notice.count, 0)).toBe(dropped);
    expect(lines[0]?.drop.notice).toMatchObject({ from: 1, to: 3, count: 3 });
    expect(lines.at(-1)?.drop.notice.to).toBe(seq - 8);
  });

  it("prints a pending gap when its second is up, without another gap to push it", () => {
    const lines: { at: number; drop: Drop }[] = [];
    const reporter = new DropReporter(fakeIo(lines), "p");
    reporter.add({ from: 1, to: 2, count: 2 });
    reporter.add({ from: 5, to: 6, count: 2 });
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(999);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines).toHaveLength(2);
    expect(lines[1]?.drop.notice).toMatchObject({ from: 5, to: 6, count: 2 });
  });
});
