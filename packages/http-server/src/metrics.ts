/**
 * The app's metrics: counters, a gauge and a latency histogram, rendered in the Prometheus text
 * exposition format (version 0.0.4) for `GET /metrics`.
 *
 * Invariants: recording is cheap (a Map lookup and a few increments; no allocation after a
 * series exists, no sorting, no formatting — all of that happens at render time); label values
 * come from bounded sets only — methods from a fixed list, routes from the registered route
 * patterns ("unmatched" for anything else, never the raw path), status codes, error kinds, tail
 * formats, and pool names of pools this app appended to, capped at MAX_POOL_LABELS (later pools
 * count under the label `(other)`, which no pool name can spell); counters never decrease; every
 * error kind is present from the start (at 0). The consumer families (cursor and group lag and
 * counters) are read from the pools' ledgers at render time (consumer-metrics.ts), never counted
 * here.
 */

import { ERROR_KINDS, type ErrorKind } from "@spool/core";
import { type PoolArchive, renderArchives } from "./archive-metrics.js";
import { type PoolConsumers, renderConsumers } from "./consumer-metrics.js";

/** Upper bounds (seconds) of the request latency histogram buckets; `+Inf` is implied. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Pools that get their own `pool` label value; appends to later pools count as `(other)`. */
export const MAX_POOL_LABELS = 256;
/** The `pool` label value of appends beyond MAX_POOL_LABELS pools. */
export const OTHER_POOLS = "(other)";

/** Methods with their own label value; any other is "OTHER". */
const METHODS: readonly string[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** The tail framings: JSON Lines, Server-Sent Events and WebSocket frames. */
export type TailFormat = "jsonl" | "sse" | "ws";

interface RequestSeries {
  method: string;
  route: string;
  status: number;
  count: number;
  sum: number;
  /** Per-bucket counts (not cumulative); the last slot is `+Inf`. */
  buckets: number[];
}

interface PoolCounters {
  messages: number;
  bytes: number;
}

/** A plain copy of the totals, for the server app's logs or its own endpoints. */
export interface MetricsSnapshot {
  requests: number;
  appendedMessages: number;
  appendedBytes: number;
  errors: Record<ErrorKind, number>;
  openTails: number;
  tailsStarted: Record<TailFormat, number>;
  gaps: number;
  /** Messages a tail's where expression failed on. */
  whereErrors: number;
  skippedMessages: number;
}

/**
 * The metrics registry of one app.
 *
 * @example
 * const metrics = new Metrics(() => 0);
 * metrics.request("POST", "/v0/pools/:pool/append", 200, 0.0004);
 * metrics.appended("build", 1, 42);
 * metrics.render(); // "# HELP spool_http_requests_total …"
 */
export class Metrics {
  readonly #openTails: () => number;
  readonly #consumers: () => readonly PoolConsumers[];
  /** route → (status × 16 + method index) → series. */
  readonly #requests = new Map<string, Map<number, RequestSeries>>();
  readonly #pools = new Map<string, PoolCounters>();
  readonly #errors = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<
    ErrorKind,
    number
  >;
  readonly #tails: Record<TailFormat, number> = { jsonl: 0, sse: 0, ws: 0 };
  #gaps = 0;
  #whereErrors = 0;
  #skipped = 0;

  /**
   * `openTails` is read at render time (the tail slots own that number), and so are `consumers`
   * (the pools' ledgers own those numbers; default: none).
   */
  constructor(openTails: () => number, consumers: () => readonly PoolConsumers[] = () => []) {
    this.#openTails = openTails;
    this.#consumers = consumers;
  }

  /** One answered request: `route` is the matched route pattern (or "unmatched"). */
  request(method: string, route: string, status: number, seconds: number): void {
    let methodIndex = METHODS.indexOf(method);
    if (methodIndex < 0) methodIndex = METHODS.length;
    // Keyed by route, then by a number: no string is built per request.
    let byRoute = this.#requests.get(route);
    if (!byRoute) {
      byRoute = new Map();
      this.#requests.set(route, byRoute);
    }
    const key = status * 16 + methodIndex;
    let series = byRoute.get(key);
    if (!series) {
      series = {
        method: METHODS[methodIndex] ?? "OTHER",
        route,
        status,
        count: 0,
        sum: 0,
        buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0),
      };
      byRoute.set(key, series);
    }
    series.count++;
    series.sum += seconds;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] as number)) i++;
    (series.buckets[i] as number)++;
  }

  /** `messages` messages with `bytes` bytes of data committed to `pool`. */
  appended(pool: string, messages: number, bytes: number): void {
    let counters = this.#pools.get(pool);
    if (!counters) {
      const label = this.#pools.size < MAX_POOL_LABELS ? pool : OTHER_POOLS;
      counters = this.#pools.get(label);
      if (!counters) {
        counters = { messages: 0, bytes: 0 };
        this.#pools.set(label, counters);
      }
    }
    counters.messages += messages;
    counters.bytes += bytes;
  }

  /** An error answered (as a response, or as a stream's final record). */
  error(kind: ErrorKind): void {
    this.#errors[kind]++;
  }

  /** A tail stream started. */
  tailStarted(format: TailFormat): void {
    this.#tails[format]++;
  }

  /** A where expression failed on one message of a tail (the message was dropped). */
  whereError(): void {
    this.#whereErrors++;
  }

  /** A tail skipped `count` overwritten messages (gap policy `continue`). */
  gap(count: number): void {
    this.#gaps++;
    this.#skipped += count;
  }

  snapshot(): MetricsSnapshot {
    let requests = 0;
    for (const series of this.#allRequests()) requests += series.count;
    let appendedMessages = 0;
    let appendedBytes = 0;
    for (const counters of this.#pools.values()) {
      appendedMessages += counters.messages;
      appendedBytes += counters.bytes;
    }
    return {
      requests,
      appendedMessages,
      appendedBytes,
      errors: { ...this.#errors },
      openTails: this.#openTails(),
      tailsStarted: { ...this.#tails },
      gaps: this.#gaps,
      whereErrors: this.#whereErrors,
      skippedMessages: this.#skipped,
    };
  }

  /**
   * Everything, in the Prometheus text exposition format 0.0.4; `archives` are the archive sides
   * read for this scrape (archive-metrics.ts), rendered only when the app reads across a tier.
   */
  render(archives?: readonly PoolArchive[]): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    const requests = this.#allRequests().sort(
      (a, b) =>
        a.route.localeCompare(b.route) || a.method.localeCompare(b.method) || a.status - b.status,
    );

    family(
      "spool_http_requests_total",
      "counter",
      "HTTP requests answered, by method, route and status code.",
    );
    for (const s of requests) {
      out.push(
        `spool_http_requests_total${labels({ method: s.method, route: s.route, code: String(s.status) })} ${s.count}`,
      );
    }

    family(
      "spool_http_request_duration_seconds",
      "histogram",
      "Time to answer a request (for tails: until the stream started), by method, route and status class.",
    );
    const byClass = new Map<
      string,
      { method: string; route: string; cls: string; s: RequestSeries[] }
    >();
    for (const s of requests) {
      const cls = `${Math.floor(s.status / 100)}xx`;
      const key = `${s.method} ${cls} ${s.route}`;
      const group = byClass.get(key) ?? { method: s.method, route: s.route, cls, s: [] };
      group.s.push(s);
      byClass.set(key, group);
    }
    for (const group of byClass.values()) {
      const base = { method: group.method, route: group.route, status_class: group.cls };
      let cumulative = 0;
      let sum = 0;
      let count = 0;
      for (const s of group.s) {
        sum += s.sum;
        count += s.count;
      }
      for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
        for (const s of group.s) cumulative += s.buckets[i] as number;
        const le = i < LATENCY_BUCKETS.length ? String(LATENCY_BUCKETS[i]) : "+Inf";
        out.push(
          `spool_http_request_duration_seconds_bucket${labels({ ...base, le })} ${cumulative}`,
        );
      }
      out.push(`spool_http_request_duration_seconds_sum${labels(base)} ${sum}`);
      out.push(`spool_http_request_duration_seconds_count${labels(base)} ${count}`);
    }

    family(
      "spool_errors_total",
      "counter",
      "Errors answered (responses and final stream records), by kind.",
    );
    for (const kind of ERROR_KINDS) {
      out.push(`spool_errors_total${labels({ kind })} ${this.#errors[kind]}`);
    }

    const pools = [...this.#pools.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    family(
      "spool_appended_messages_total",
      "counter",
      "Messages appended through this server, by pool.",
    );
    for (const [pool, c] of pools) {
      out.push(`spool_appended_messages_total${labels({ pool })} ${c.messages}`);
    }
    family(
      "spool_appended_bytes_total",
      "counter",
      "Bytes of message data appended through this server, by pool.",
    );
    for (const [pool, c] of pools) {
      out.push(`spool_appended_bytes_total${labels({ pool })} ${c.bytes}`);
    }

    family("spool_tails_open", "gauge", "Tail streams (JSONL, SSE and WebSocket) open right now.");
    out.push(`spool_tails_open ${this.#openTails()}`);
    family("spool_tails_started_total", "counter", "Tail streams started, by format.");
    for (const format of ["jsonl", "sse", "ws"] as const) {
      out.push(`spool_tails_started_total${labels({ format })} ${this.#tails[format]}`);
    }
    family(
      "spool_tail_gaps_total",
      "counter",
      "Retention gaps tails skipped under gap_policy=continue.",
    );
    out.push(`spool_tail_gaps_total ${this.#gaps}`);
    family(
      "spool_tail_where_errors_total",
      "counter",
      "Messages a tail's where expression failed on (dropped, not delivered).",
    );
    out.push(`spool_tail_where_errors_total ${this.#whereErrors}`);
    family(
      "spool_tail_skipped_messages_total",
      "counter",
      "Messages overwritten before a tail read them (skipped under gap_policy=continue).",
    );
    out.push(`spool_tail_skipped_messages_total ${this.#skipped}`);
    renderConsumers(this.#consumers(), out, family, labels);
    if (archives !== undefined) renderArchives(archives, out, family, labels);
    return `${out.join("\n")}\n`;
  }

  #allRequests(): RequestSeries[] {
    const all: RequestSeries[] = [];
    for (const byRoute of this.#requests.values()) all.push(...byRoute.values());
    return all;
  }
}

/** The route label of a matched hono route path: wildcard (middleware-only) matches are "unmatched". */
export function routeLabel(path: string): string {
  return path === "" || path.includes("*") ? "unmatched" : path;
}

/** `{a="x",b="y"}` with label values escaped as the exposition format requires. */
function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return `{${parts.join(",")}}`;
}
