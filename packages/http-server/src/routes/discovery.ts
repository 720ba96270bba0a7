/**
 * `GET /` and `GET /v0`: a short JSON index of the service, so a person or a client pointed at
 * the base URL learns what it is talking to: the service name, the protocol version and every
 * endpoint with its methods.
 *
 * Invariants: the endpoint list is derived from the route table (one definition), with paths in
 * the spec's spelling (`{pool}`, `{seq}`); it needs no token and reads no pool (it says nothing
 * the spec does not); it links to nothing outside this server; it takes no query parameters.
 */
import type { Hono } from "hono";
import { jsonResponse } from "../responses.js";
import { checkQueryKeys } from "../validation.js";
import { ROUTES } from "./table.js";

/** The index body: `{service, protocol, endpoints: [{path, methods}]}`. */
function indexBody(): unknown {
  const endpoints = new Map<string, string[]>();
  for (const route of ROUTES) {
    const path = route.path.replace(/:([a-z_]+)/g, "{$1}");
    const methods = endpoints.get(path) ?? [];
    methods.push(route.method);
    if (route.method === "GET") methods.push("HEAD");
    endpoints.set(path, methods);
  }
  return {
    service: "spool",
    protocol: "v0",
    endpoints: [...endpoints].map(([path, methods]) => ({ path, methods })),
  };
}

export function discoveryRoutes(app: Hono): void {
  const body = indexBody();
  for (const path of ["/", "/v0"]) {
    app.get(path, (c) => {
      checkQueryKeys(new URL(c.req.url), []);
      return jsonResponse(body);
    });
  }
}
