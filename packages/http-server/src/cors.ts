/**
 * CORS for an exact-origin allowlist.
 *
 * Invariants: only a request whose `Origin` is in the allowlist gets CORS headers; a preflight
 * (OPTIONS with `Origin` and `Access-Control-Request-Method`) from an allowed origin is answered
 * 204 at once, without a token, with the allowed methods, request headers and max-age; any other
 * OPTIONS (no preflight headers, or an origin not allowed) carries no CORS header and goes on to
 * the routes like any other request (a known path answers 405 with `Allow`); every answer to an
 * allowed origin carries `vary: origin`, `access-control-allow-origin` and exposes
 * `spool-version`.
 */
import type { MiddlewareHandler } from "hono";

const ALLOW_METHODS = "GET, HEAD, POST, PUT, DELETE";
const ALLOW_HEADERS =
  "authorization, content-type, last-event-id, spool-expected-last-seq, spool-producer-id, spool-producer-epoch, spool-producer-seq";
const MAX_AGE_SECONDS = "600";

/** The CORS middleware for `origins` (exact matches: scheme, host and port). */
export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined || !allowed.has(origin)) {
      await next();
      return;
    }
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
      // No body and no content-type; the outermost middleware adds the protocol headers.
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": ALLOW_METHODS,
          "access-control-allow-headers": ALLOW_HEADERS,
          "access-control-max-age": MAX_AGE_SECONDS,
          vary: "origin",
        },
      });
    }
    await next();
    const headers = c.res.headers;
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-expose-headers", "spool-version");
    headers.append("vary", "origin");
  };
}
