/**
 * The route table of protocol v0: every method and path the app answers, in one place, so that
 * a known path asked with another method gets 405 (with `Allow`) and anything else 404.
 *
 * Invariants: the table lists exactly the routes the route modules register (checked by a test);
 * paths use hono's `:param` syntax.
 */

export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: "GET", path: "/" },
  { method: "GET", path: "/v0" },
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/metrics" },
  { method: "GET", path: "/v0/access" },
  { method: "GET", path: "/v0/pools" },
  { method: "POST", path: "/v0/pools" },
  { method: "POST", path: "/v0/pools/open" },
  { method: "GET", path: "/v0/pools/:pool/info" },
  { method: "DELETE", path: "/v0/pools/:pool" },
  { method: "POST", path: "/v0/pools/:pool/append" },
  { method: "POST", path: "/v0/pools/:pool/append_batch" },
  { method: "GET", path: "/v0/pools/:pool/messages/:seq" },
  { method: "GET", path: "/v0/pools/:pool/producers/:id" },
  { method: "GET", path: "/v0/pools/:pool/tail" },
  { method: "GET", path: "/v0/pools/:pool/events" },
  { method: "GET", path: "/v0/pools/:pool/cursors" },
  { method: "GET", path: "/v0/pools/:pool/cursors/:name" },
  { method: "DELETE", path: "/v0/pools/:pool/cursors/:name" },
  { method: "POST", path: "/v0/pools/:pool/cursors/:name/ack" },
  { method: "POST", path: "/v0/pools/:pool/cursors/:name/reset" },
  { method: "GET", path: "/v0/pools/:pool/groups" },
  { method: "GET", path: "/v0/pools/:pool/groups/:group" },
  { method: "PUT", path: "/v0/pools/:pool/groups/:group" },
  { method: "DELETE", path: "/v0/pools/:pool/groups/:group" },
  { method: "POST", path: "/v0/pools/:pool/groups/:group/claim" },
  { method: "POST", path: "/v0/pools/:pool/groups/:group/ack" },
  { method: "POST", path: "/v0/pools/:pool/groups/:group/nack" },
  { method: "POST", path: "/v0/pools/:pool/groups/:group/extend" },
];

const compiled = ROUTES.map((route) => ({
  ...route,
  pattern: new RegExp(`^${route.path.replace(/:[a-z_]+/g, "[^/]+")}$`),
}));

/**
 * Methods allowed on `path` (empty when the path is unknown); HEAD comes with GET. The path must
 * match a route exactly, as hono's strict routing does: `/v0/pools/a/info/` is not a known path.
 */
export function allowedMethods(path: string): string[] {
  const methods = new Set<string>();
  for (const route of compiled) {
    if (!route.pattern.test(path)) continue;
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
  }
  return [...methods];
}
