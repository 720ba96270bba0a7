// Unit tests of the durable-consumer pieces of the runner and drivers: consumer times and dead
// letters in normalisation, cursor/group/delivery shapes, the exact text of nested envelopes,
// the inputs of a worker step, and a surface that breaks a delivery's bytes or drops a field.
import { expect, test } from "vitest";
import { apiDriver } from "../src/drivers/api.js";
import { groupSettingMembers, groupSettings, workInput } from "../src/drivers/consumer-inputs.js";
import { valueTexts } from "../src/drivers/json-spans.js";
import { parseManifest } from "../src/manifest/load.js";
import { normalise, normaliseLines } from "../src/runner/normalise.js";
import { shapeProblems } from "../src/runner/shapes.js";
import { runSuite } from "../src/runner/suite.js";
import { inline, tamper } from "./helpers.js";

const time = "2026-12-03T10:15:30.123456789Z";
const cursor = { name: "c", committed: 1, lag: 0, ack_time: time, created_time: time };
const group = {
  name: "g",
  next: 2,
  lag: 0,
  in_flight: 1,
  waiting: 0,
  members: [{ member: "m", in_flight: 1 }],
  oldest_unfinished: 1,
  delivered: 1,
  redelivered: 0,
  acked: 0,
  dead_lettered: 0,
  exhausted: 0,
  lost_to_retention: 0,
  max_attempts: 0,
  dead_letter: null,
  retention: "lost",
  created_time: time,
};
const message = { seq: 1, time, meta: { tags: [] }, data: 1 };
const delivery = { seq: 1, attempt: 1, lease_until: time, member: "m", message };

test("consumer times are masked like commit times; malformed ones are kept", () => {
  const n = normalise(
    {
      status: "ok",
      result: { cursor, group, deliveries: [delivery], lease_until: "2026-12-03T10:15:30Z" },
    },
    [],
  );
  expect(n).toEqual({
    status: "ok",
    result: {
      cursor: { ...cursor, ack_time: "<time>", created_time: "<time>" },
      group: { ...group, created_time: "<time>" },
      deliveries: [{ ...delivery, lease_until: "<time>", message: { ...message, time: "<time>" } }],
      lease_until: "2026-12-03T10:15:30Z",
    },
  });
  expect(normalise({ status: "ok", result: { cursor: { ack_time: null } } }, [])).toEqual({
    status: "ok",
    result: { cursor: { ack_time: null } },
  });
});

test("envelope lines: a dead letter's original commit time is masked, nothing else in data", () => {
  const dead = `{"seq":1,"time":"${time}","meta":{"tags":["job"]},"data":{"pool":"q","group":"w","seq":7,"time":"${time}","attempts":2,"error":"exit code 3","data":{"time":"${time}"}}}`;
  expect(normaliseLines([dead])).toEqual([
    `{"seq":1,"time":"<time>","meta":{"tags":["job"]},"data":{"pool":"q","group":"w","seq":7,"time":"<time>","attempts":2,"error":"exit code 3","data":{"time":"${time}"}}}`,
  ]);
  // Data that merely has a time member is not a dead letter: its bytes are kept.
  const plain = `{"seq":2,"time":"${time}","meta":{"tags":[]},"data":{"seq":7,"time":"${time}"}}`;
  expect(normaliseLines([plain])).toEqual([
    `{"seq":2,"time":"<time>","meta":{"tags":[]},"data":{"seq":7,"time":"${time}"}}`,
  ]);
});

test("shapes: cursors, groups, deliveries and PoolInfo's consumer lists", () => {
  expect(shapeProblems("cursor_info", { cursor })).toEqual([]);
  expect(
    shapeProblems("cursor_list", { cursors: [cursor, { ...cursor, ack_time: null }] }),
  ).toEqual([]);
  const { ack_time: _a, ...noAckTime } = cursor;
  expect(shapeProblems("cursor_reset", { cursor: noAckTime })).toEqual([
    "result.cursor.ack_time: missing",
  ]);
  expect(shapeProblems("group_info", { group })).toEqual([]);
  expect(shapeProblems("group_list", { groups: [{ ...group, retention: "keep" }] })).toEqual([
    'result.groups[0].retention: neither "lost" nor "block"',
  ]);
  expect(shapeProblems("group_claim", { deliveries: [delivery] })).toEqual([]);
  const { lease_until: _l, ...noLease } = delivery;
  expect(shapeProblems("group_claim", { deliveries: [noLease] })).toEqual([
    "result.deliveries[0].lease_until: missing",
  ]);
  expect(
    shapeProblems("group_claim", {
      deliveries: [{ ...delivery, message: { ...message, seq: 2 } }],
    }),
  ).toEqual(["result.deliveries[0].message.seq: not the delivery's seq"]);
  expect(shapeProblems("group_ack", { acked: -1 })).toEqual(["result.acked: not a whole number"]);
  expect(shapeProblems("group_extend", {})).toEqual(["result.lease_until: not a string"]);
  expect(shapeProblems("group_work", { jobs: [{ seq: 1 }] })).toEqual([
    "result.jobs[0]: not a job {seq, attempt}",
  ]);
  const info = shapeProblems("info", { pool: { name: "a" } });
  expect(info).toContain("result.pool.cursors: missing");
  expect(info).toContain("result.pool.groups: missing");
});

test("nested envelopes keep their exact text (a claim answer's messages)", () => {
  const body =
    '{"deliveries":[{"seq":1,"attempt":1,"message":{"seq":1,"data":1.50}},{"seq":2,"member":"a}\\"]","message":{"seq":2,"data":[ 1 , {"x":"}"} ]}}]}';
  expect(valueTexts(body, ["deliveries", "*", "message"])).toEqual([
    '{"seq":1,"data":1.50}',
    '{"seq":2,"data":[ 1 , {"x":"}"} ]}',
  ]);
  expect(valueTexts('{"deliveries":[]}', ["deliveries", "*", "message"])).toEqual([]);
  expect(valueTexts(' { "a" : 12 } ', ["a"])).toEqual(["12"]);
});

test("consumer inputs: settings pass through as given, worker counts are checked", () => {
  expect(
    groupSettings({ since: "oldest", max_attempts: -1, dead_letter: null, member: "m" }),
  ).toEqual({ since: "oldest", maxAttempts: -1, deadLetter: null });
  expect(groupSettingMembers({ retention: "forever", lease_ms: 5 })).toEqual({
    retention: "forever",
  });
  expect(workInput({ group: "g" })).toMatchObject({ exit: 0, leaseMs: 600_000, retryDelayMs: 0 });
  expect(() => workInput({ group: "g", max: 0 })).toThrow(/max/);
  expect(() => workInput({ group: "g", exit: 300 })).toThrow(/exit/);
  // A tail that follows a cursor needs no start; other tails still do.
  const base = { conformance_version: 0, name: "m" };
  const tail = (input: object) =>
    JSON.stringify({ ...base, steps: [{ id: "t", op: "tail", pool: "p", input }] });
  expect(parseManifest(tail({ cursor: "c" }), "c.json").steps).toHaveLength(1);
  expect(() => parseManifest(tail({ auto_ack: true }), "a.json")).toThrow(/needs "since"/);
});

const claimManifest = inline({
  conformance_version: 0,
  name: "claims",
  steps: [
    { id: "create", op: "create", pool: "p", input: { size: "64K" } },
    { id: "append", op: "append", pool: "p", input: { data: { n: 1.5 } } },
    {
      id: "claim",
      op: "group_claim",
      pool: "p",
      input: { group: "g", since: "oldest", member: "m" },
      expect: { result: { deliveries: [{ seq: 1, attempt: 1, member: "m" }] } },
    },
  ],
});

test("a surface whose delivered envelope differs in bytes only still fails parity", async () => {
  const respelled = tamper(apiDriver(), "api-respelled", "group_claim", (outcome) =>
    outcome.status === "ok" && outcome.lines
      ? { ...outcome, lines: outcome.lines.map((l) => l.replace('"n":1.5', '"n":1.50')) }
      : outcome,
  );
  const report = await runSuite({ manifests: [claimManifest], drivers: [apiDriver(), respelled] });
  expect(report.failed).toBe(0);
  expect(report.ok).toBe(false);
  expect(report.parity.failures).toHaveLength(1);
  expect(report.parity.failures[0]?.id).toBe("claim");
  expect(report.parity.failures[0]?.detail).toMatch(/lines\[0\] differ/);
});

test("a delivery without its lease end fails as a shape problem, on every surface alike", async () => {
  const dropped = tamper(apiDriver(), "api-dropped", "group_claim", (outcome) => {
    if (outcome.status !== "ok") return outcome;
    const result = outcome.result as { deliveries: Record<string, unknown>[] };
    const deliveries = result.deliveries.map(({ lease_until: _l, ...rest }) => rest);
    return { ...outcome, result: { deliveries } };
  });
  const report = await runSuite({ manifests: [claimManifest], drivers: [dropped] });
  const claim = report.records.find((r) => r.id === "claim");
  expect(claim?.status).toBe("fail");
  expect(claim?.failures).toContain("shape: result.deliveries[0].lease_until: missing");
});
