/**
 * The answer to a request no route matched: 405 with `Allow` for a known path asked with another
 * method, else 404 NotFound whose hint says what to fix (a trailing slash, a dot segment, or where
 * the endpoints are). A 405's hint names the path's safe methods, never DELETE.
 *
 * Invariants: a 405 is only ever given for a method the path does not allow, so its `Allow`
 * header and hint never name the method the client used (a path the client's method is allowed
 * on but that matched no route is a 404); paths are the ones the app routes on (the raw request
 * target, see raw-path.ts), compared exactly, as hono's strict routing compares them.
 */
import { SpoolError } from "@spool/core";
import { withStatus } from "./errors.js";
import { allowedMethods } from "./routes/table.js";

/** The 405 or 404 error for `method` on `path` (and the headers it needs). */
export function unmatchedError(
  method: string,
  path: string,
): { error: SpoolError; headers: Record<string, string> } {
  const allowed = allowedMethods(path);
  if (allowed.length > 0 && !allowed.includes(method)) {
    const error = withStatus(
      new SpoolError("Usage", `method ${method} is not allowed on ${path}`, {
        hint: methodHint(path, allowed),
      }),
      405,
    );
    return { error, headers: { allow: allowed.join(", ") } };
  }
  return {
    error: new SpoolError("NotFound", `no such endpoint: ${method} ${path}`, {
      hint: notFoundHint(path),
    }),
    headers: {},
  };
}

/**
 * What to do instead of a wrong method: the other non-destructive methods of the path; a hint
 * never suggests DELETE (a reader who sent the wrong method must not be pointed at deleting the
 * pool), it says where to read instead (and, like the `Allow` header, never names the method the
 * client used).
 */
function methodHint(path: string, allowed: readonly string[]): string {
  const safe = allowed.filter((m) => m !== "DELETE");
  if (safe.length > 0) return `use ${safe.join(", ")}`;
  return `this path only removes the pool; to read about it, ask ${path}/info (/v0 lists the endpoints)`;
}

function notFoundHint(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed !== path && trimmed !== "" && allowedMethods(trimmed).length > 0) {
    return `remove the trailing slash: ${trimmed}`;
  }
  if (/(^|\/)\.\.?(\/|$)/.test(path)) {
    return "remove the '.' and '..' segments: paths are matched as sent, never resolved";
  }
  return "endpoints live under /v0 (see spec/http/v0/SPEC.md)";
}
