/**
 * Which tools an access mode allows: the table the server builds its tool list from, and the
 * check every tool runs before it touches a pool.
 *
 * Invariants: the same rule as the HTTP API's (spec/http/v0: pool metadata in every mode, reading
 * messages needs read access, creating and appending need write access); a tool the mode does not
 * allow is neither listed nor callable (the call is refused with Permission, nothing is done).
 */
import { type AccessMode, SpoolError } from "@spool/core";

/** What a tool does, in the HTTP API's words. */
export type ToolOperation = "meta" | "read" | "write";

/** Whether `mode` allows `op`. */
export function allows(mode: AccessMode, op: ToolOperation): boolean {
  if (op === "meta" || mode === "read-write") return true;
  return op === "read" ? mode === "read-only" : mode === "write-only";
}

/** Throws Permission when `mode` does not allow `op`. */
export function authorize(mode: AccessMode, op: ToolOperation, tool: string): void {
  if (allows(mode, op)) return;
  throw new SpoolError("Permission", `${tool} needs ${op} access; this connection is ${mode}`, {
    hint:
      op === "write"
        ? "connect with a token that has write access (read-write or write-only)"
        : "connect with a token that has read access (read-write or read-only)",
  });
}
