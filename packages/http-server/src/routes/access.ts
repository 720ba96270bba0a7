/**
 * `GET /v0/access` (Spool addition): the caller's access mode, so a client (the web console)
 * can offer only what it may do: `{"access": "read-only", "tokens": true}`.
 *
 * Invariants: authenticated like every pool endpoint (401 without a valid token when tokens are
 * configured), allowed in every access mode (meta); `access` is the mode the caller's requests
 * run with (the token's own mode, else the server's); `tokens` says whether the server checks
 * tokens; it reads no pool and takes no query parameters.
 */
import type { Hono } from "hono";
import type { AppContext } from "../context.js";
import { jsonResponse } from "../responses.js";
import { checkQueryKeys } from "../validation.js";

export function accessRoutes(app: Hono, ctx: AppContext): void {
  app.get("/v0/access", (c) => {
    const mode = ctx.auth.authenticate(c.req.header("authorization"));
    ctx.auth.authorize(mode, "meta");
    checkQueryKeys(new URL(c.req.url), []);
    return jsonResponse({ access: mode, tokens: ctx.options.tokens.length > 0 });
  });
}
