/**
 * The path the app routes on: the request target as the client sent it, not the normalised URL.
 *
 * Why: @hono/node-server builds each Request's URL with WHATWG `new URL()`, which resolves `.`
 * and `..` segments, percent-encoded ones (`%2e%2e`) included, before hono sees the request. On
 * that URL `POST /v0/pools/x/%2e%2e/victim/append` routes to `victim`'s append. Routing on the raw
 * target keeps every segment, so a dot segment is either a pool name core refuses (400) or a path
 * no route matches (404); it never reaches another pool's endpoint.
 *
 * Invariants: with node-server bindings (`env.incoming.url`, HTTP/1.1 and HTTP/2) the path comes
 * from the raw target (origin form, or the path of an absolute-form target), cut at `?`, and is
 * decoded exactly as hono decodes request URLs (hono's own `getPath`), so routes and parameters
 * mean what they meant before; without those bindings (`app.fetch` called directly, other
 * runtimes) hono's default applies to `request.url`.
 */
import { getPath } from "hono/utils/url";

interface NodeBindings {
  incoming?: { url?: unknown };
}

/** hono's `getPath` option: see the module comment. */
export function rawRequestPath(request: Request, options?: { env?: unknown }): string {
  const target = (options?.env as NodeBindings | undefined)?.incoming?.url;
  if (typeof target !== "string") return getPath(request);
  return getPath({ url: `http://h${pathOfTarget(target)}` } as Request);
}

/** The path (and query) of a request target: origin form as is, absolute form after its host. */
function pathOfTarget(target: string): string {
  if (target.charCodeAt(0) === 0x2f) return target;
  const scheme = /^https?:\/\//i.exec(target);
  if (!scheme) return `/${target}`; // no route starts like this: 404
  const slash = target.indexOf("/", scheme[0].length);
  return slash < 0 ? "/" : target.slice(slash);
}
