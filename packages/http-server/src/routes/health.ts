/**
 * `GET /healthz`: liveness for load balancers and the server app.
 *
 * Invariants: needs no token and reads no pool (it only says the app is up and not shutting
 * down); the answer is `{"ok": true}`.
 */
import type { Hono } from "hono";

export function healthRoutes(app: Hono): void {
  app.get("/healthz", (c) => c.json({ ok: true }));
}
