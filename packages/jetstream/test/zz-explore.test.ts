import { expect, test } from "vitest";
import { apiDriver } from "../../conformance/src/drivers/api.js";
import { loadManifests } from "../../conformance/src/manifest/load.js";
import { formatReport, runSuite } from "../../conformance/src/runner/suite.js";
import { connectJetStream } from "../src/index.js";
import { startNats } from "./nats-fixture.js";

test("explore", async () => {
  const manifests = loadManifests(["/work/main/conformance"]);
  const nats = await startNats();
  try {
    const drivers = [
      apiDriver(),
      apiDriver({
        name: "api-jetstream",
        engine: async () => {
          const engine = await connectJetStream(nats.url);
          for (const entry of await engine.list()) await engine.delete(entry.name, { force: true });
          return engine;
        },
      }),
    ];
    const report = await runSuite({ manifests, drivers, concurrency: 1 });
    const text = formatReport(report);
    require("node:fs").writeFileSync("/tmp/jsx/report.txt", text);
    const per: Record<string, { pass: number; fail: number; skip: number; parity: number }> = {};
    for (const r of report.records.filter((r) => r.driver === "api-jetstream")) {
      per[r.file] ??= { pass: 0, fail: 0, skip: 0, parity: 0 };
      per[r.file][r.status]++;
    }
    for (const f of report.parity.failures) {
      const file = (f as unknown as { file?: string }).file ?? "?";
      per[file] ??= { pass: 0, fail: 0, skip: 0, parity: 0 };
      per[file].parity++;
    }
    require("node:fs").writeFileSync("/tmp/jsx/per.json", JSON.stringify(per, null, 1));
    require("node:fs").writeFileSync(
      "/tmp/jsx/skips.txt",
      report.records
        .filter((r) => r.driver === "api-jetstream" && r.status === "skip")
        .map((r) => `${r.file} ${r.id}: ${r.reason}`)
        .join("\n"),
    );
    expect(report.steps).toBeGreaterThan(0);
  } finally {
    await nats.stop();
  }
}, 600_000);
