// The jump box: seqs, ages before now, times, and blank for the live end.
import { expect, it } from "vitest";
import { parseJump } from "../src/page/jump.js";

const NOW = Date.parse("2026-12-04T12:00:00.000Z");

it.each([
  ["", { live: true }],
  ["  ", { live: true }],
  ["42", { seq: 42 }],
  ["0", { seq: 1 }],
  ["10m", { time: "2026-12-04T11:50:00.000Z" }],
  ["90s", { time: "2026-12-04T11:58:30.000Z" }],
  ["1.5h", { time: "2026-12-04T10:30:00.000Z" }],
  ["1d", { time: "2026-12-03T12:00:00.000Z" }],
  ["250ms", { time: "2026-12-04T11:59:59.750Z" }],
  ["2026-12-04T10:00:00Z", { time: "2026-12-04T10:00:00Z" }],
  ["yesterday", { time: "yesterday" }],
])("%j → %j", (text, target) => {
  expect(parseJump(text, NOW)).toEqual(target);
});
