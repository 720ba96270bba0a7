// The HTTP server's engine seam, checked on bytes: every manifest through the http driver against
// a server given a pool directory (`createApp({ dir })`, the file registry and its fast paths)
// and against one given the same directory as a `FileEngine` (`createApp({ engine })`, the path
// every other engine takes). Both must pass everything, with parity: the generic path answers
// what the file path answers, byte for byte.
import { FileEngine } from "@spool/core";
import { expect, test } from "vitest";
import { httpDriver } from "../src/drivers/http.js";
import { loadManifests } from "../src/manifest/load.js";
import { formatReport, runSuite } from "../src/runner/suite.js";
import { MANIFEST_DIR } from "./helpers.js";

test("a server over a FileEngine answers every manifest as the server over the directory", async () => {
  const manifests = loadManifests([MANIFEST_DIR]);
  const drivers = [
    httpDriver(),
    httpDriver({
      name: "http-engine",
      engine: (context) => new FileEngine({ dir: context.poolDir }),
    }),
  ];
  const report = await runSuite({ manifests, drivers });
  const text = formatReport(report);
  const failed = report.records.filter((r) => r.status === "fail");
  expect(
    failed.map((r) => `${r.driver} ${r.file} ${r.id}: ${r.failures[0]}`),
    text,
  ).toEqual([]);
  expect(report.parity.failures.map((p) => `${p.file} ${p.id}: ${p.detail}`)).toEqual([]);
  expect(report.parity.compared).toBeGreaterThan(report.steps / 2);
}, 420_000);
