// The live view's buffer and the pool list's rates: bounded at any volume, the filtered view
// always the filter's rows of the buffer in order, gap rows never filtered out; rates from two
// observations, never negative.
import { describe, expect, it } from "vitest";
import { RateMeter } from "../src/page/rates.js";
import { type MessageRow, type NewRow, RowBuffer, rowData } from "../src/page/rows.js";

const message = (seq: number, tags: string[] = []): NewRow => ({
  kind: "message",
  seq,
  time: "2026-12-04T10:00:00.000000001Z",
  tags,
  text: JSON.stringify({ seq }),
});

describe("RowBuffer", () => {
  it("keeps at most its capacity, dropping the oldest from the view too", () => {
    const buffer = new RowBuffer(100);
    buffer.setFilter((row) => row.seq % 2 === 0);
    for (let start = 1; start <= 100_000; start += 1000) {
      buffer.push(Array.from({ length: 1000 }, (_, i) => message(start + i)));
      expect(buffer.rows.length).toBeLessThanOrEqual(100);
    }
    expect(buffer.rows.map((r) => (r as MessageRow).seq)).toEqual(
      Array.from({ length: 100 }, (_, i) => 99_901 + i),
    );
    expect(buffer.view.map((r) => (r as MessageRow).seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => 99_902 + 2 * i),
    );
  });

  it("keeps gap rows whatever the filter, in place", () => {
    const buffer = new RowBuffer(10);
    buffer.push([message(1, ["a"]), { kind: "gap", from: 2, to: 4, count: 3 }, message(5)]);
    buffer.setFilter((row) => row.tags.includes("a"));
    expect(buffer.view.map((r) => r.kind)).toEqual(["message", "gap"]);
    buffer.setFilter(undefined);
    expect(buffer.view).toHaveLength(3);
    expect(buffer.indexOfSeq(3)).toBe(2);
    expect(buffer.indexOfSeq(9)).toBe(-1);
  });

  it("parses data once, and keeps text that is no JSON as text", () => {
    const buffer = new RowBuffer(4);
    buffer.push([message(1), { ...(message(2) as MessageRow), text: "{oops" }]);
    const [a, b] = buffer.rows as MessageRow[];
    expect(rowData(a as MessageRow)).toEqual({ seq: 1 });
    expect(rowData(a as MessageRow)).toBe(rowData(a as MessageRow));
    expect(rowData(b as MessageRow)).toBe("{oops");
  });
});

describe("RateMeter", () => {
  it("measures messages per second between polls and forgets deleted pools", () => {
    const meter = new RateMeter();
    meter.observe([{ name: "a", newest: 10 }], 0);
    expect(meter.rate("a")).toBeUndefined();
    meter.observe([{ name: "a", newest: 510 }], 500);
    expect(meter.rate("a")).toBe(1000);
    meter.observe([{ name: "a", newest: 3 }], 1000);
    expect(meter.rate("a")).toBe(0);
    meter.observe([], 1500);
    expect(meter.rate("a")).toBeUndefined();
  });
});
