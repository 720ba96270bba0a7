/**
 * The conformance suite on JetStream pools: every manifest of conformance/ through the api driver
 * twice in one run — on the file engine and on a real single-node nats-server (the driver
 * `api-jetstream`, surface `api`) — so the report shows, step by step and byte for byte, where
 * the JetStream engine answers like file pools and where it differs.
 *
 * Invariants: each session starts from a server without Spool pools (pools of the previous
 * manifest are deleted), like the fresh pool directory of a file session; the assertions hold
 * what the engine already matches (the manifests listed in EXACT pass in full, with parity),
 * every other manifest runs to its end with no step that could not run (a hang, a crash), and
 * every failing step on either JetStream driver is one that jetstream-deviations.ts explains with
 * a deviation of spec/engines/jetstream/v0 (a new difference fails the test).
 */
import { connectJetStream } from "@spool/jetstream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeNats, type NatsFixture, startNats } from "../../jetstream/test/nats-fixture.js";
import { apiDriver, formatReport, httpDriver, loadManifests, runSuite } from "../src/index.js";

import { MANIFEST_DIR } from "./helpers.js";
import { acceptedReason } from "./jetstream-deviations.js";

/** Manifests whose every step passes on JetStream pools, with parity to file pools. */
const EXACT = ["12-where.json", "13-conditional.json"];

/** The answer fields where a JetStream pool differs by design (spec/engines/jetstream/v0). */
const ENGINE_FIELDS =
  /^outcome\.(result\.pool|error)\.(path|bytes_free|bytes_used|file_size|ring_size|index_capacity|index_stride|format_version|producer_capacity): /;

describeNats("conformance on JetStream pools", () => {
  let nats: NatsFixture;

  beforeAll(async () => {
    nats = await startNats();
  }, 90_000);
  afterAll(async () => {
    await nats?.stop();
  });

  it("runs every manifest on the file engine and on JetStream; the exact ones match in full", async () => {
    const manifests = loadManifests([MANIFEST_DIR]);
    /** A JetStream engine on a server without Spool pools (the last session's are deleted). */
    const freshEngine = async () => {
      const engine = await connectJetStream(nats.url);
      for (const entry of await engine.list()) await engine.delete(entry.name, { force: true });
      return engine;
    };
    const drivers = [
      apiDriver(),
      apiDriver({ name: "api-jetstream", engine: freshEngine }),
      // `spool serve --engine nats://…` in process: the HTTP protocol over JetStream pools.
      httpDriver({ name: "http-jetstream", engine: freshEngine }),
    ];
    const report = await runSuite({ manifests, drivers, concurrency: 1 });
    const per = new Map<string, { pass: number; fail: number; skip: number; differ: number }>();
    const row = (file: string) => {
      const name = file.split("/").pop() ?? file;
      const counts = per.get(name) ?? { pass: 0, fail: 0, skip: 0, differ: 0 };
      per.set(name, counts);
      return counts;
    };
    for (const r of report.records.filter((r) => r.driver === "api-jetstream"))
      row(r.file)[r.status]++;
    for (const p of report.parity.failures) row(p.file).differ++;
    const table = [...per].map(
      ([file, c]) => `${file}: ${c.pass} pass, ${c.fail} fail, ${c.skip} skip, ${c.differ} differ`,
    );
    console.log(`JetStream conformance (api driver):\n${table.join("\n")}`);
    const overHttp = new Map<string, { pass: number; fail: number; skip: number }>();
    for (const r of report.records.filter((r) => r.driver === "http-jetstream")) {
      const name = r.file.split("/").pop() ?? r.file;
      const counts = overHttp.get(name) ?? { pass: 0, fail: 0, skip: 0 };
      counts[r.status]++;
      overHttp.set(name, counts);
    }
    console.log(
      `JetStream conformance (http driver, JetStream-backed server):\n${[...overHttp]
        .map(([file, c]) => `${file}: ${c.pass} pass, ${c.fail} fail, ${c.skip} skip`)
        .join("\n")}`,
    );
    const text = formatReport(report);
    // The file engine itself passes everything (the suite's own test checks it on every surface).
    const fileFailures = report.records.filter((r) => r.driver === "api" && r.status === "fail");
    expect(fileFailures.map((r) => `${r.id}: ${r.failures.join("; ")}`)).toEqual([]);
    // Nothing hangs or crashes on JetStream: every failure is an answer that differs (the
    // fs.* fixtures damage pool files, which JetStream pools do not have).
    const broken = report.records.filter(
      (r) =>
        !r.op.startsWith("fs.") && r.failures.some((f) => f.startsWith("the step could not run")),
    );
    expect(
      broken.map((r) => `${r.file} ${r.id}: ${r.failures[0]}`),
      text,
    ).toEqual([]);
    // Every other failure on JetStream is one the engine spec explains (jetstream-deviations.ts).
    const unexplained = report.records
      .filter((r) => r.driver !== "api" && r.status === "fail")
      .filter((r) => {
        const file = r.file.split("/").pop() ?? r.file;
        return acceptedReason(file, r.id, r.failures) === undefined;
      })
      .map((r) => `${r.driver} ${r.file.split("/").pop()} ${r.id}: ${r.failures.join("; ")}`);
    expect(unexplained, "failures no deviation of spec/engines/jetstream/v0 explains").toEqual([]);
    for (const file of EXACT) {
      const counts = per.get(file);
      expect(counts, file).toBeDefined();
      expect(counts?.fail, `${file}\n${text}`).toBe(0);
      expect(counts?.pass ?? 0).toBeGreaterThan(0);
      // Parity differs only where the engine spec says a JetStream pool reports other numbers
      // or names: its location (a nats:// URL) and its sizes (stream bytes, not file bytes).
      const differ = report.parity.failures.filter((p) => p.file.endsWith(file));
      for (const p of differ) expect(p.detail, `${file} ${p.id}`).toMatch(ENGINE_FIELDS);
    }
  }, 300_000);
});
