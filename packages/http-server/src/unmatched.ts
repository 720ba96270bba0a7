/**
 * The answer to a request no route matched: 405 with `Allow` for a known path asked with another
 * method, else 404 NotFound whose hint says what to fix (a trailing slash, a dot segment, or where
 * the endpoints are).
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
        hint: `use ${allowed.join(", ")}`,
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
