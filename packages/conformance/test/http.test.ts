// The http driver's own pieces: the protocol checks on recorded exchanges, the session server's
// lifecycle, and statuses and skips as the runner reports them for a real server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { httpDriver } from "../src/drivers/http.js";
import { probeFor } from "../src/drivers/http-probe.js";
import { SessionServer } from "../src/drivers/http-server.js";
import { type Exchange, exchangeProblems, sameAsWire } from "../src/drivers/http-wire.js";
import { formatReport, runSuite } from "../src/runner/suite.js";
import { inline } from "./helpers.js";

const temp = mkdtempSync(join(tmpdir(), "spool-conformance-http-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const answer = (status: number, error: object, extra: Partial<Exchange> = {}): Exchange => ({
  request: "GET /v0/pools/p/messages/9",
  status,
  version: "0",
  contentType: "application/json; charset=utf-8",
  body: JSON.stringify({ error }),
  ...extra,
});

test("exchanges: statuses by kind, the documented exceptions, the envelope, the version header", async () => {
  const notFound = { kind: "NotFound", message: "m", hint: "h", seq: 9 };
  expect(await exchangeProblems([answer(404, notFound)])).toEqual([]);
  expect(await exchangeProblems([answer(400, notFound)])).toEqual([
    "GET /v0/pools/p/messages/9 answered 400, but the error kind NotFound is 404 (core's HTTP_STATUSES, spec/http/v0 §5)",
  ]);
  expect(await exchangeProblems([answer(413, { kind: "Usage", message: "m" })])).toEqual([]);
  const denied = { kind: "Permission", message: "m", hint: "h" };
  const challenge = { authenticate: 'Bearer realm="spool"' };
  expect(await exchangeProblems([answer(401, denied, challenge)])).toEqual([]);
  expect(await exchangeProblems([answer(401, denied)])).toEqual([
    "GET /v0/pools/p/messages/9 answered 401 without a www-authenticate: Bearer challenge (spec/http/v0 §5)",
  ]);
  expect(await exchangeProblems([answer(413, notFound)])).toEqual([
    "GET /v0/pools/p/messages/9 answered 413 with kind NotFound, but 413 carries Usage (spec/http/v0 §5)",
  ]);
  expect(await exchangeProblems([answer(404, { ...notFound, hint: null })])).toEqual([
    "GET /v0/pools/p/messages/9 answered 404: the error's hint is null (absent fields must be omitted)",
  ]);
  expect(await exchangeProblems([answer(404, notFound, { version: null })])).toEqual([
    'GET /v0/pools/p/messages/9 answered 404 with spool-version null, expected "0"',
  ]);
  expect(
    await exchangeProblems([answer(500, notFound, { contentType: "text/plain", body: "oops" })]),
  ).toEqual(["GET /v0/pools/p/messages/9 answered 500 as text/plain, not the JSON error envelope"]);
  expect(
    (await exchangeProblems([answer(404, notFound, { body: '{"kind":"NotFound"}' })]))[0],
  ).toMatch(/the body is not an error envelope/);
  const stream = (text: string, complete = true): Exchange => ({
    request: "GET /v0/pools/p/tail?since_seq=1",
    status: 200,
    version: "0",
    contentType: "application/jsonl",
    stream: Promise.resolve({ text, complete }),
  });
  const line =
    '{"seq":1,"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":[]},"data":{"a":1}}';
  const gap = '{"gap":{"from":2,"to":4,"count":3}}';
  const end = '{"error":{"kind":"RetentionGap","message":"m","hint":"h","seq":2}}';
  expect(await exchangeProblems([stream(`${line}\n${gap}\n${line}\n${end}\n`)])).toEqual([]);
  expect(await exchangeProblems([stream(`${line}\n{"seq":2`, false)])).toEqual([]);
  expect(await exchangeProblems([stream(`${end}\n${line}\n`)])).toEqual([
    `GET /v0/pools/p/tail?since_seq=1 (JSONL): an error line that is not the stream's last: ${end}`,
  ]);
  expect(await exchangeProblems([stream('{"seq": 1, "time": "t"}\n')])).toEqual([
    'GET /v0/pools/p/tail?since_seq=1 (JSONL): not an envelope (exact rendering), gap or error line: {"seq": 1, "time": "t"}',
  ]);
  expect(await exchangeProblems([stream(line)])).toEqual([
    `GET /v0/pools/p/tail?since_seq=1 (JSONL): the stream ends without a newline: ${line}`,
  ]);
  expect(sameAsWire("PoolInfo", { a: 1, b: 2 }, { b: 2, a: 1 })).toBeUndefined();
  expect(sameAsWire("PoolInfo", { a: 0 }, {})).toBe(
    "the SDK's PoolInfo differs from the server's answer: {\"a\":0} vs {}",
  );
});

test("the session server: loopback, survives a restart, and is gone after close", async () => {
  const server = await SessionServer.start({ dir: join(temp, "pools") });
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  expect(health.headers.get("spool-version")).toBe("0");
  await health.text();
  const before = server.app;
  await server.restart();
  expect(server.app).not.toBe(before);
  const again = await fetch(`${server.url}/healthz`);
  expect(again.status).toBe(200);
  await again.text();
  await server.close();
  await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
});

test("statuses, local refusals and skips as the runner reports them", async () => {
  const manifest = inline(
    {
      conformance_version: 0,
      name: "http-driver",
      steps: [
        { id: "create", op: "create", pool: "h", input: { size: "16K" } },
        {
          id: "get-absent",
          op: "get",
          pool: "h",
          input: { seq: 9 },
          expect: { error: { kind: "NotFound", seq: 9 }, codes: { http: 400 } },
        },
        {
          id: "get-zero",
          op: "get",
          pool: "h",
          input: { seq: 0 },
          expect: { error: { kind: "Usage" }, codes: { http: 400 } },
          note: "the SDK refuses seq 0 before sending anything: there is no status",
        },
        { id: "by-path", op: "info", pool: "sub/h.spool" },
        { id: "with-index", op: "create", pool: "i", input: { index_capacity: 10 } },
      ],
    },
    "http-driver.json",
  );
  const report = await runSuite({ manifests: [manifest], drivers: [httpDriver()] });
  const text = formatReport(report, true);
  expect(report.failed).toBe(2);
  expect(text).toContain(
    'FAIL http-driver (http-driver.json) step 1 "get-absent" [http]: status code: expected 400 on http, got 404',
  );
  expect(text).toContain(
    'FAIL http-driver (http-driver.json) step 2 "get-zero" [http]: status code: expected 400 on http, got (absent)',
  );
  expect(text).toContain(
    'skip http-driver (http-driver.json) step 3 "by-path" [http]: HTTP names pools only',
  );
  expect(text).toContain(
    'skip http-driver (http-driver.json) step 4 "with-index" [http]: HTTP protocol v0 creates pools with a name and size_bytes only',
  );
});

test("probes spell a refused input as the protocol's raw request", () => {
  expect(probeFor({ op: "get", pool: "p q", input: { seq: "one" } })).toEqual({
    method: "GET",
    path: "/v0/pools/p%20q/messages/one",
  });
  expect(probeFor({ op: "create", pool: "s", input: { size: 8192 } })?.body).toBe(
    '{"pool":"s","size_bytes":8192}',
  );
  expect(probeFor({ op: "create", pool: "s", input: { size: "lots" } })?.body).toBe(
    '{"pool":"s","size_bytes":"lots"}',
  );
  expect(
    probeFor({
      op: "tail",
      pool: "t",
      input: { since: 1, last: 2, tags: ["", "b"], gap_policy: "x" },
    })?.path,
  ).toBe("/v0/pools/t/tail?since_seq=1&last=2&gap_policy=x&tag=&tag=b&timeout_ms=100");
  expect(probeFor({ op: "info", pool: "sub/p.spool", input: {} })).toBeUndefined();
  // An append is spelled as its body, with raw `json_hex` bytes spliced in and every member the
  // step gives kept as given.
  const append = probeFor({
    op: "append",
    pool: "p",
    input: { json_hex: "22ff22", tags: [""], durability: "slow" },
  });
  expect(append?.method).toBe("POST");
  expect(append?.path).toBe("/v0/pools/p/append");
  expect(Array.from(append?.body as Uint8Array)).toEqual(
    Array.from(
      Buffer.concat([
        Buffer.from('{"data":'),
        Buffer.from([0x22, 0xff, 0x22]),
        Buffer.from(',"tags":[""],"durability":"slow"}'),
      ]),
    ),
  );
  const text = probeFor({ op: "append", pool: "p", input: { data: { a: 1 } } });
  expect(new TextDecoder().decode(text?.body as Uint8Array)).toBe('{"data":{"a":1}}');
  expect(probeFor({ op: "append_batch", pool: "p", input: { messages: [] } })).toBeUndefined();
});
