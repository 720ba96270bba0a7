// The ws driver: the manifests with tail steps, run on the http surface twice — tails over the
// JSONL tail (http) and over the WebSocket tail (ws) — with parity (the full suite compares http
// with the api and the cli): every
// message frame of the WebSocket tail must be the JSONL line byte for byte (the runner compares
// envelope lines exactly), gaps and errors (RetentionGap 410, Permission 403 by close code)
// alike. A tampered ws driver shows the byte comparison would catch a re-encoded frame.
import { join } from "node:path";
import { expect, test } from "vitest";
import { httpDriver } from "../src/drivers/http.js";
import { loadManifests } from "../src/manifest/load.js";
import { formatReport, runSuite } from "../src/runner/suite.js";
import { inline, MANIFEST_DIR, tamper } from "./helpers.js";

const TAIL_MANIFESTS = ["03-tail.json", "04-retention.json", "10-http-auth.json", "11-bytes.json"];

test("tail manifests on http and ws: the WebSocket tail's frames are the JSONL tail's bytes", async () => {
  const manifests = loadManifests(TAIL_MANIFESTS.map((f) => join(MANIFEST_DIR, f)));
  const ws = httpDriver({ tailTransport: "websocket" });
  expect(ws.name).toBe("ws");
  const report = await runSuite({ manifests, drivers: [httpDriver(), ws], concurrency: 4 });
  const text = formatReport(report);
  console.log(text.split("\n").slice(-6).join("\n"));
  expect(report.ok, text).toBe(true);
  const wsTails = report.records.filter((r) => r.driver === "ws" && r.op === "tail");
  expect(wsTails.length).toBeGreaterThan(30);
  expect(wsTails.every((r) => r.status === "pass" || r.status === "skip")).toBe(true);
  expect(wsTails.filter((r) => r.status === "pass").length).toBeGreaterThan(30);
  expect(report.parity.compared).toBeGreaterThan(report.steps / 2);
}, 120_000);

test("a ws driver whose message frames were re-encoded fails byte parity", async () => {
  const manifest = inline({
    conformance_version: 0,
    name: "ws-bytes",
    steps: [
      { id: "create", op: "create", pool: "b" },
      {
        id: "big",
        op: "append",
        pool: "b",
        input: { json: '{"n": 12345678901234567890, "x": 1.50}' },
      },
      { id: "tail", op: "tail", pool: "b", input: { since: 1 } },
    ],
  });
  const reencoded = tamper(httpDriver({ tailTransport: "websocket" }), "ws", "tail", (outcome) =>
    outcome.status === "ok" && outcome.lines
      ? { ...outcome, lines: outcome.lines.map((line) => JSON.stringify(JSON.parse(line))) }
      : outcome,
  );
  const report = await runSuite({ manifests: [manifest], drivers: [httpDriver(), reencoded] });
  expect(report.ok).toBe(false);
  expect(formatReport(report)).toMatch(/line|byte/i);
}, 60_000);
