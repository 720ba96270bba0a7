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
        name: "jetstream",
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
    expect(report.steps).toBeGreaterThan(0);
  } finally {
    await nats.stop();
  }
}, 600_000);
