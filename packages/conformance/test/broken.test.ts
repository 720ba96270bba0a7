// The runner catches broken surfaces: a `spool` that exits with the wrong status for one op, a
// driver that drops `seq` from an error, a driver whose result differs only where the manifest
// does not look (parity), and an HTTP server (behind a faulty proxy) that breaks the protocol.
// Each failure names the manifest, step, id and driver.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { apiDriver } from "../src/drivers/api.js";
import { cliDriver, defaultSpoolBin } from "../src/drivers/cli.js";
import { httpDriver } from "../src/drivers/http.js";
import { formatReport, runSuite } from "../src/runner/suite.js";
import { inline, tamper } from "./helpers.js";

const manifest = inline(
  {
    conformance_version: 0,
    name: "broken",
    steps: [
      { id: "create", op: "create", pool: "b", input: { size: "16K" } },
      { id: "append", op: "append", pool: "b", input: { data: { n: 1 }, tags: ["t"] } },
      {
        id: "get-absent",
        op: "get",
        pool: "b",
        input: { seq: 99 },
        expect: { error: { kind: "NotFound", seq: 99, path: true } },
      },
      {
        id: "tail",
        op: "tail",
        pool: "b",
        input: { since: 1 },
        expect: { result: { messages: [{ seq: 1 }] } },
      },
    ],
  },
  "broken.json",
);

const temp = mkdtempSync(join(tmpdir(), "spool-conformance-broken-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

test("a spool whose fetch exits 4 instead of 3 fails with the exact step, driver and reason", async () => {
  const fake = join(temp, "fake-spool.mjs");
  writeFileSync(
    fake,
    [
      'import { spawnSync } from "node:child_process";',
      `const r = spawnSync(process.execPath, [${JSON.stringify(defaultSpoolBin())}, ...process.argv.slice(2)], { stdio: "inherit", timeout: 20000 });`,
      'process.exit(process.argv.includes("fetch") && r.status === 3 ? 4 : (r.status ?? 1));',
    ].join("\n"),
  );
  chmodSync(fake, 0o755);
  const report = await runSuite({
    manifests: [manifest],
    drivers: [apiDriver(), cliDriver({ command: [fake] })],
  });
  const text = formatReport(report);
  expect(report.ok).toBe(false);
  expect(report.failed).toBe(1);
  expect(text).toContain(
    'FAIL broken (broken.json) step 2 "get-absent" [cli]: exit status 4, but the error kind NotFound exits 3 (spec/cli/v0 §8)',
  );
  expect(text).toContain("4 steps × 2 drivers (api, cli) = 8 step runs: 7 passed, 1 failed");
});

test("an error without its seq fails the expectation and parity", async () => {
  const broken = tamper(apiDriver(), "api-noseq", "get", (outcome) => {
    if (outcome.status !== "error") return outcome;
    const { seq: _dropped, ...error } = outcome.error;
    return { ...outcome, error };
  });
  const report = await runSuite({ manifests: [manifest], drivers: [apiDriver(), broken] });
  const text = formatReport(report);
  expect(report.ok).toBe(false);
  expect(text).toContain(
    'FAIL broken (broken.json) step 2 "get-absent" [api-noseq]: error.seq: expected 99, got (absent)',
  );
  expect(text).toContain(
    'PARITY broken (broken.json) step 2 "get-absent": outcome.error.seq: 99 vs (absent) (api vs api-noseq)',
  );
});

test("a difference the manifest does not check still fails parity", async () => {
  const broken = tamper(apiDriver(), "api-data", "tail", (outcome) => {
    if (outcome.status !== "ok") return outcome;
    const result = outcome.result as { messages: { data: unknown }[] };
    return {
      ...outcome,
      result: { ...result, messages: result.messages.map((m) => ({ ...m, data: { n: 2 } })) },
    };
  });
  const report = await runSuite({ manifests: [manifest], drivers: [apiDriver(), broken] });
  const text = formatReport(report);
  expect(report.failed).toBe(0); // each driver matches the manifest...
  expect(report.ok).toBe(false); // ...but they disagree
  expect(text).toContain(
    'PARITY broken (broken.json) step 3 "tail": outcome.result.messages[0].data.n: 1 vs 2 (api vs api-data)',
  );
});

test("envelope bytes that parse to the same value still fail parity (bytes, not values)", async () => {
  // A surface that respells the stored data (`{"n":1}` as `{"n": 1}`): equal when parsed.
  const broken = tamper(apiDriver(), "api-respelled", "tail", (outcome) => {
    if (outcome.status !== "ok" || outcome.lines === undefined) return outcome;
    return {
      ...outcome,
      lines: outcome.lines.map((l) => l.replace('"data":{"n":1}', '"data":{"n": 1}')),
    };
  });
  const report = await runSuite({ manifests: [manifest], drivers: [apiDriver(), broken] });
  const text = formatReport(report);
  expect(report.failed).toBe(0);
  expect(report.ok).toBe(false);
  expect(text).toContain('PARITY broken (broken.json) step 3 "tail": lines[0] differ at character');
  expect(text).toContain("(api vs api-respelled)");
});

test("a surface that gives no envelope lines where another does fails parity", async () => {
  const broken = tamper(apiDriver(), "api-nolines", "get", (outcome) => {
    if (outcome.status !== "ok") return outcome;
    const { lines: _dropped, ...rest } = outcome;
    return rest;
  });
  const lines = inline(
    {
      conformance_version: 0,
      name: "lines",
      steps: [
        { id: "create", op: "create", pool: "b", input: { size: "16K" } },
        { id: "append", op: "append", pool: "b", input: { json: "[1,\n 2]" } },
        {
          id: "get",
          op: "get",
          pool: "b",
          input: { seq: 1 },
          expect: { lines: ['{"seq":1,"time":"<time>","meta":{"tags":[]},"data":[1, 2]}'] },
        },
      ],
    },
    "lines.json",
  );
  const report = await runSuite({ manifests: [lines], drivers: [apiDriver(), broken] });
  const text = formatReport(report);
  expect(text).toContain('step 2 "get" [api-nolines]: lines: the surface gave no envelope lines');
  expect(text).toContain('PARITY lines (lines.json) step 2 "get": lines: 1 envelope lines vs none');
  expect(text).not.toContain('step 2 "get" [api]:');
});

test("a field missing on every surface alike still fails, as a shape problem", async () => {
  const broken = tamper(apiDriver(), "api-nostride", "create", (outcome) => {
    if (outcome.status !== "ok") return outcome;
    const { index_stride: _dropped, ...pool } = (outcome.result as { pool: object }).pool as {
      index_stride?: number;
    };
    return { ...outcome, result: { pool } };
  });
  const report = await runSuite({ manifests: [manifest], drivers: [broken] });
  expect(report.ok).toBe(false);
  expect(formatReport(report)).toContain(
    'FAIL broken (broken.json) step 0 "create" [api-nostride]: shape: result.pool.index_stride: missing',
  );
});

/** A proxy in front of the real server that rewrites one kind of answer. */
function faulty(rewrite: (response: Response, url: string) => Response | undefined): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    return rewrite(response, String(input)) ?? response;
  };
}

test("an http server that answers a missing message with 400 fails with the exact step and reason", async () => {
  const proxy = faulty((response, url) => {
    if (response.status !== 404 || !url.includes("/messages/")) return undefined;
    return new Response(response.body, { status: 400, headers: response.headers });
  });
  const report = await runSuite({
    manifests: [manifest],
    drivers: [apiDriver(), httpDriver({ fetch: proxy })],
  });
  const text = formatReport(report);
  expect(report.failed).toBe(1);
  expect(text).toContain(
    'FAIL broken (broken.json) step 2 "get-absent" [http]: GET /v0/pools/b/messages/99 answered 400, but the error kind NotFound is 404',
  );
});

test("an http server without spool-version, or whose tail breaks the JSONL rendering, fails", async () => {
  const proxy = faulty((response, url) => {
    const headers = new Headers(response.headers);
    if (url.includes("/info")) {
      headers.delete("spool-version");
      return new Response(response.body, { status: response.status, headers });
    }
    if (!url.includes("/tail")) return undefined;
    // Re-render each envelope with spaces: still JSON, no longer the exact JSONL rendering.
    const lines = response.text().then((t) =>
      t
        .split("\n")
        .map((l) => (l === "" ? l : JSON.stringify(JSON.parse(l), null, 1).replace(/\n/g, "")))
        .join("\n"),
    );
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode(await lines));
        controller.close();
      },
    });
    return new Response(body, { status: response.status, headers });
  });
  const withInfo = inline(
    {
      ...JSON.parse(JSON.stringify(manifest.manifest)),
      steps: [...manifest.manifest.steps, { id: "info", op: "info", pool: "b" }],
    },
    "broken.json",
  );
  const report = await runSuite({ manifests: [withInfo], drivers: [httpDriver({ fetch: proxy })] });
  const text = formatReport(report);
  expect(report.failed).toBe(2);
  expect(text).toMatch(
    /FAIL broken \(broken\.json\) step 3 "tail" \[http\]: GET \/v0\/pools\/b\/tail\?since_seq=1&\S+ \(JSONL\): not an envelope \(exact rendering\), gap or error line: \{ "seq": 1,/,
  );
  expect(text).toContain(
    'FAIL broken (broken.json) step 4 "info" [http]: GET /v0/pools/b/info answered 200 with spool-version null, expected "0"',
  );
});

test("a server that accepts an input the SDK refuses fails, although the SDK never sends it", async () => {
  const proxy = faulty((response, url) => {
    if (!url.endsWith("/messages/0")) return undefined;
    const body =
      '{"message":{"seq":1,"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":[]},"data":0}}';
    return new Response(body, { status: 200, headers: response.headers });
  });
  const zero = inline(
    {
      conformance_version: 0,
      name: "probe",
      steps: [
        { id: "create", op: "create", pool: "z", input: { size: "16K" } },
        {
          id: "get-zero",
          op: "get",
          pool: "z",
          input: { seq: 0 },
          expect: { error: { kind: "Usage" } },
        },
      ],
    },
    "probe.json",
  );
  const report = await runSuite({ manifests: [zero], drivers: [httpDriver({ fetch: proxy })] });
  expect(formatReport(report)).toContain(
    'FAIL probe (probe.json) step 1 "get-zero" [http]: the SDK refuses this input before sending it (Usage), but the server answers GET /v0/pools/z/messages/0 with 200',
  );
  expect(report.failed).toBe(1);
});
