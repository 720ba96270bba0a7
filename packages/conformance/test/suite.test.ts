// The conformance suite itself: every manifest in conformance/ through the api, cli and http
// drivers. This is how the suite runs inside the repo's test command; `pnpm conformance` runs the
// same thing through the bin.
import { expect, test } from "vitest";
import { apiDriver } from "../src/drivers/api.js";
import { cliDriver } from "../src/drivers/cli.js";
import { httpDriver } from "../src/drivers/http.js";
import { loadManifests } from "../src/manifest/load.js";
import { formatReport, runSuite } from "../src/runner/suite.js";
import { MANIFEST_DIR } from "./helpers.js";

test("every manifest passes on the api, cli and http drivers, with parity", async () => {
  const manifests = loadManifests([MANIFEST_DIR]);
  const drivers = [apiDriver(), cliDriver(), httpDriver()];
  const report = await runSuite({ manifests, drivers });
  const text = formatReport(report);
  console.log(text);
  expect(report.ok, text).toBe(true);
  expect(report.manifests).toBeGreaterThanOrEqual(9);
  expect(text).toContain(`× 3 drivers (api, cli, http) = ${report.steps * 3} step runs`);
  expect(report.records).toHaveLength(report.steps * 3);
  expect(report.passed + report.skipped).toBe(report.steps * 3);
  // Skips must be rare and explained: surface-only steps and what a surface cannot express.
  for (const r of report.records.filter((r) => r.status === "skip")) expect(r.reason).toBeTruthy();
  expect(report.skipped).toBeLessThan(report.steps * 3 * 0.1);
  // Every http-only step ran on http (and passed, as report.ok says).
  const httpOnly = manifests.flatMap((m) =>
    m.manifest.steps.filter((s) => s.surfaces?.length === 1 && s.surfaces[0] === "http"),
  );
  expect(httpOnly.length).toBeGreaterThan(0);
  for (const step of httpOnly) {
    const record = report.records.find((r) => r.driver === "http" && r.id === step.id);
    expect(record?.status, step.id).toBe("pass");
  }
  expect(report.parity.compared).toBeGreaterThan(report.steps / 2);
}, 420_000);
