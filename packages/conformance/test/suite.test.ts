// The conformance suite itself: every manifest in conformance/ through the api and cli drivers.
// This is how the suite runs inside the repo's test command; `pnpm conformance` runs the same
// thing through the bin.
import { expect, test } from "vitest";
import { apiDriver } from "../src/drivers/api.js";
import { cliDriver } from "../src/drivers/cli.js";
import { loadManifests } from "../src/manifest/load.js";
import { formatReport, runSuite } from "../src/runner/suite.js";
import { MANIFEST_DIR } from "./helpers.js";

test("every manifest passes on the api and cli drivers, with parity", async () => {
  const manifests = loadManifests([MANIFEST_DIR]);
  const report = await runSuite({ manifests, drivers: [apiDriver(), cliDriver()] });
  const text = formatReport(report);
  console.log(text);
  expect(report.ok, text).toBe(true);
  expect(report.manifests).toBeGreaterThanOrEqual(9);
  expect(report.records).toHaveLength(report.steps * 2);
  expect(report.passed + report.skipped).toBe(report.steps * 2);
  // Skips must be rare and explained: http-only steps and what the CLI cannot express.
  for (const r of report.records.filter((r) => r.status === "skip")) expect(r.reason).toBeTruthy();
  expect(report.parity.compared).toBeGreaterThan(report.steps / 2);
}, 150_000);
