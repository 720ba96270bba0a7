/**
 * `GET /metrics`: the app's metrics in the Prometheus text exposition format 0.0.4.
 *
 * Invariants: reads no message (the consumer families are read from the pools' ledgers,
 * consumer-metrics.ts); with tokens configured it needs a valid token of any access mode
 * (401 otherwise) unless the app was built with `metrics: { public: true }`; with
 * `metrics: false` the path answers 404 NotFound with a hint (and nothing is collected); on an
 * engine that reads across an archive tier, the archive families (archive-metrics.ts) too.
 */
import { SpoolError } from "@spool/core";
import type { Hono } from "hono";
import { readArchives } from "../archive-metrics.js";
import { type AppContext, guard } from "../context.js";
import { METRICS_TYPE } from "../headers.js";
import { MAX_POOL_LABELS } from "../metrics.js";

export function metricsRoutes(app: Hono, ctx: AppContext): void {
  const metrics = ctx.metrics;
  if (!metrics) {
    app.get("/metrics", () => {
      throw new SpoolError("NotFound", "metrics are disabled on this server", {
        hint: "start the server with metrics enabled to scrape /metrics",
      });
    });
    return;
  }
  // Archive sides live in PostgreSQL, read per scrape, and only an engine can read across a tier.
  const archives = ctx.options.engine
    ? () => readArchives(ctx.pools, MAX_POOL_LABELS)
    : () => Promise.resolve(undefined);
  const handler = async (): Promise<Response> =>
    new Response(metrics.render(await archives()), {
      status: 200,
      headers: { "content-type": METRICS_TYPE },
    });
  if (ctx.options.metrics.public) app.get("/metrics", handler);
  else app.get("/metrics", guard(ctx, "meta"), handler);
}
