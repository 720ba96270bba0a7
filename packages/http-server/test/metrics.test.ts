// GET /metrics: the Prometheus text format parses (with a small strict parser below), the counts
// move with appends, errors and tails, label cardinality stays bounded, and auth follows the
// options (any valid token by default, public on request, off entirely).
import { ERROR_KINDS } from "@spool/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createApp } from "../src/index.js";
import { MAX_POOL_LABELS, Metrics, OTHER_POOLS } from "../src/metrics.js";
import { type Fixture, makeApp, send, until } from "./helpers/fixtures.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the text exposition format 0.0.4 strictly: HELP/TYPE comments, samples with escaped
 * label values, every sample belonging to a family whose TYPE came first, one family block each.
 */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  expect(text.endsWith("\n")).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  let current: string | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === "TYPE") {
        expect(types.has(comment[2]!)).toBe(false);
        expect(["counter", "gauge", "histogram"]).toContain(comment[3]);
        types.set(comment[2]!, comment[3]!);
        current = comment[2];
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const name = m[1]!;
    const family = name.replace(/_(bucket|sum|count)$/, "");
    expect(name === current || (family === current && types.get(family) === "histogram")).toBe(
      true,
    );
    const labels: Record<string, string> = {};
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let match = re.exec(m[2]);
      let consumed = 0;
      while (match) {
        labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
        consumed = re.lastIndex;
        match = re.exec(m[2]);
      }
      expect(consumed).toBe(m[2].length);
    }
    const value = m[3] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[3]);
    expect(Number.isNaN(value)).toBe(false);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

/** The value of the one sample `name` whose labels include `labels` (0 when absent). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found.reduce((sum, s) => sum + s.value, 0);
}

let f: Fixture;
beforeEach(async () => {
  f = makeApp();
});
afterEach(async () => {
  await f.dispose();
});

async function scrape(app = f.app, headers: Record<string, string> = {}) {
  const res = await send(app, "GET", "/metrics", undefined, headers);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  expect(res.headers.get("spool-version")).toBe("0");
  return parseMetrics(res.text);
}

describe("content", () => {
  test("a fresh app exposes every family, every error kind at 0", async () => {
    const { samples, types } = await scrape();
    expect(Object.fromEntries(types)).toEqual({
      spool_http_requests_total: "counter",
      spool_http_request_duration_seconds: "histogram",
      spool_errors_total: "counter",
      spool_appended_messages_total: "counter",
      spool_appended_bytes_total: "counter",
      spool_tails_open: "gauge",
      spool_tails_started_total: "counter",
      spool_tail_gaps_total: "counter",
      spool_tail_where_errors_total: "counter",
      spool_tail_skipped_messages_total: "counter",
      spool_cursor_lag: "gauge",
      spool_group_lag: "gauge",
      spool_group_in_flight: "gauge",
      spool_group_waiting: "gauge",
      spool_group_deliveries_total: "counter",
      spool_group_redeliveries_total: "counter",
      spool_group_acks_total: "counter",
      spool_group_dead_letters_total: "counter",
      spool_group_exhausted_total: "counter",
      spool_group_lost_to_retention_total: "counter",
    });
    for (const kind of ERROR_KINDS) {
      expect(samples.some((s) => s.name === "spool_errors_total" && s.labels.kind === kind)).toBe(
        true,
      );
    }
    expect(value(samples, "spool_errors_total")).toBe(0);
  });

  test("appends count messages and data bytes per pool", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    await send(f.app, "POST", "/v0/pools", { pool: "b" });
    await send(f.app, "POST", "/v0/pools/a/append", '{"data": {"k":"é"}}'); // 10 bytes (é is 2)
    await send(f.app, "POST", "/v0/pools/a/append_batch", {
      messages: [{ data: 1 }, { data: "xy" }, { data: null }], // 1 + 4 + 4
    });
    await send(f.app, "POST", "/v0/pools/b/append", { data: [] }); // 2
    const { samples } = await scrape();
    expect(value(samples, "spool_appended_messages_total", { pool: "a" })).toBe(4);
    expect(value(samples, "spool_appended_bytes_total", { pool: "a" })).toBe(10 + 1 + 4 + 4);
    expect(value(samples, "spool_appended_messages_total", { pool: "b" })).toBe(1);
    expect(value(samples, "spool_appended_bytes_total", { pool: "b" })).toBe(2);
    expect(f.app.metrics!.snapshot()).toMatchObject({ appendedMessages: 5, appendedBytes: 21 });
    // Failed appends count nothing.
    await send(f.app, "POST", "/v0/pools/a/append", { nodata: 1 });
    const after = await scrape();
    expect(value(after.samples, "spool_appended_messages_total")).toBe(5);
  });

  test("requests by route pattern, method and code; a latency histogram per status class", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
    for (let i = 0; i < 3; i++) await send(f.app, "POST", "/v0/pools/a/append", { data: i });
    await send(f.app, "GET", "/v0/pools/a/messages/99");
    await send(f.app, "GET", "/v0/pools/zzz/messages/1");
    await send(f.app, "GET", "/no/such/thing");
    const { samples } = await scrape();
    const route = "/v0/pools/:pool/append";
    expect(
      value(samples, "spool_http_requests_total", { method: "POST", route, code: "200" }),
    ).toBe(3);
    const messages = "/v0/pools/:pool/messages/:seq";
    expect(value(samples, "spool_http_requests_total", { route: messages, code: "404" })).toBe(2);
    expect(value(samples, "spool_http_requests_total", { route: "unmatched", code: "404" })).toBe(
      1,
    );
    // No raw path or pool name ever becomes a route label.
    expect(
      samples.some((s) => s.labels.route?.includes("zzz") || s.labels.route === "/no/such/thing"),
    ).toBe(false);
    const base = { method: "POST", route, status_class: "2xx" };
    expect(value(samples, "spool_http_request_duration_seconds_count", base)).toBe(3);
    const buckets = samples.filter(
      (s) =>
        s.name === "spool_http_request_duration_seconds_bucket" &&
        s.labels.route === route &&
        s.labels.status_class === "2xx",
    );
    expect(buckets.at(-1)!.labels.le).toBe("+Inf");
    expect(buckets.at(-1)!.value).toBe(3);
    for (let i = 1; i < buckets.length; i++) {
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    }
    expect(value(samples, "spool_http_request_duration_seconds_sum", base)).toBeGreaterThan(0);
    expect(
      value(samples, "spool_http_request_duration_seconds_count", {
        route: messages,
        status_class: "4xx",
      }),
    ).toBe(2);
  });

  test("errors are counted by kind, including 405, 413 and a stream's final error", async () => {
    const g = makeApp({ limits: { maxBodyBytes: 1024 } });
    await send(g.app, "POST", "/v0/pools", { pool: "a" });
    await send(g.app, "POST", "/v0/pools", { pool: "a" }); // AlreadyExists
    await send(g.app, "GET", "/v0/pools/nope/info"); // NotFound
    await send(g.app, "GET", "/nope"); // NotFound (no route)
    await send(g.app, "PUT", "/v0/pools"); // 405 Usage
    await send(g.app, "POST", "/v0/pools/a/append", { data: "x".repeat(2000) }); // 413 Usage
    await send(g.app, "GET", "/v0/pools/a/tail?since_seq=x"); // Usage
    const tail = await g.app.fetch(new Request("http://spool.test/v0/pools/a/events"));
    await until(() => g.app.openTails === 1, 2000, "tail open");
    const running = await scrape(g.app);
    expect(value(running.samples, "spool_tails_open")).toBe(1);
    expect(value(running.samples, "spool_tails_started_total", { format: "sse" })).toBe(1);
    const closing = g.app.close(); // the open tail ends with a final Busy error event
    await tail.text();
    await closing;
    const { errors } = g.app.metrics!.snapshot();
    expect(errors).toMatchObject({ AlreadyExists: 1, NotFound: 2, Usage: 3, Busy: 1 });
    expect(g.app.metrics!.snapshot().openTails).toBe(0);
    await g.dispose();
  });

  test("tails started by format, gaps and skipped messages", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    const big = "w".repeat(2000);
    for (let i = 0; i < 20; i++) await send(f.app, "POST", "/v0/pools/small/append", { data: big });
    const oldest: number = (await send(f.app, "GET", "/v0/pools/small/info")).json.pool.bounds
      .oldest;
    await send(f.app, "GET", "/v0/pools/small/tail?since_seq=1&timeout_ms=10");
    await send(f.app, "GET", "/v0/pools/small/events?since_seq=1&timeout_ms=10");
    await send(f.app, "HEAD", "/v0/pools/small/tail"); // starts nothing
    const { samples } = await scrape();
    expect(value(samples, "spool_tails_started_total", { format: "jsonl" })).toBe(1);
    expect(value(samples, "spool_tails_started_total", { format: "sse" })).toBe(1);
    expect(value(samples, "spool_tail_gaps_total")).toBe(2);
    expect(value(samples, "spool_tail_skipped_messages_total")).toBe(2 * (oldest - 1));
    expect(value(samples, "spool_tails_open")).toBe(0);
  });
});

describe("bounded labels", () => {
  test(`pools beyond ${MAX_POOL_LABELS} share the label ${OTHER_POOLS}`, () => {
    const metrics = new Metrics(() => 0);
    for (let i = 0; i < MAX_POOL_LABELS + 50; i++) metrics.appended(`p${i}`, 1, 10);
    metrics.appended("p0", 1, 10);
    metrics.appended("late", 2, 20);
    const { samples } = parseMetrics(metrics.render());
    const pools = samples.filter((s) => s.name === "spool_appended_messages_total");
    expect(pools).toHaveLength(MAX_POOL_LABELS + 1);
    expect(value(samples, "spool_appended_messages_total", { pool: "p0" })).toBe(2);
    expect(value(samples, "spool_appended_messages_total", { pool: OTHER_POOLS })).toBe(52);
    expect(value(samples, "spool_appended_messages_total")).toBe(MAX_POOL_LABELS + 53);
    expect(value(samples, "spool_appended_bytes_total", { pool: OTHER_POOLS })).toBe(520);
  });

  test("odd methods are OTHER and label values are escaped", () => {
    const metrics = new Metrics(() => 0);
    metrics.request("BREW", 'a"b\\c\nd', 418, 0.001);
    const { samples } = parseMetrics(metrics.render());
    const s = samples.find((x) => x.name === "spool_http_requests_total")!;
    expect(s.labels).toEqual({ method: "OTHER", route: 'a"b\\c\nd', code: "418" });
  });
});

describe("auth and options", () => {
  const tokens = [
    { token: "rw", access: "read-write" as const },
    { token: "wo", access: "write-only" as const },
    { token: "ro", access: "read-only" as const },
  ];

  test("with tokens, any valid token may scrape; none or a wrong one is 401", async () => {
    const g = makeApp({ tokens });
    expect((await send(g.app, "GET", "/metrics")).status).toBe(401);
    expect(
      (await send(g.app, "GET", "/metrics", undefined, { authorization: "Bearer x" })).status,
    ).toBe(401);
    for (const token of ["rw", "wo", "ro"]) {
      await scrape(g.app, { authorization: `Bearer ${token}` });
    }
    await g.dispose();
  });

  test("metrics: { public: true } needs no token", async () => {
    const g = makeApp({ tokens, metrics: { public: true } });
    await scrape(g.app);
    await g.dispose();
  });

  test("metrics: false answers 404 with a hint and collects nothing", async () => {
    const g = makeApp({ metrics: false });
    const res = await send(g.app, "GET", "/metrics");
    expect(res.status).toBe(404);
    expect(res.json.error.kind).toBe("NotFound");
    expect(res.json.error.hint).toContain("metrics");
    expect(g.app.metrics).toBeUndefined();
    await g.dispose();
  });

  test("an invalid metrics option is a Usage error naming it", () => {
    expect(() => createApp({ dir: "/nonexistent", metrics: { public: "yes" } as never })).toThrow(
      /option metrics/,
    );
  });

  test("other methods on /metrics are 405 with Allow", async () => {
    const res = await send(f.app, "POST", "/metrics", {});
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });
});
