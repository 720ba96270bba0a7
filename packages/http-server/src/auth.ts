/**
 * Bearer tokens and access modes.
 *
 * Invariants: with no tokens configured every request is anonymous with the app's access mode;
 * with tokens, a missing or wrong `Authorization: Bearer <token>` is 401 (kind Permission,
 * `www-authenticate: Bearer`) and tokens are compared in constant time (SHA-256 digests compared
 * with timingSafeEqual, every configured token checked, no early exit); an operation the caller's
 * access mode does not allow is 403 (kind Permission). Pool metadata (list, info, open, the
 * cursors and groups a pool keeps) is allowed in every mode, so write-only producers can still
 * open their pool. Consuming (a tail with a cursor, acks, claims: they read messages and write
 * the pool's ledger) needs both, so only `read-write`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { SpoolError } from "@spool/core";
import { withStatus } from "./errors.js";
import type { AccessMode, ResolvedOptions } from "./options.js";

/**
 * What an endpoint does: read messages, write (create, delete, append), pool metadata, or
 * consume (durable cursors and consumer groups: read messages and write consumer state).
 */
export type Operation = "read" | "write" | "meta" | "consume";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

export interface Authorizer {
  /** The caller's access mode, or a thrown 401 SpoolError. */
  authenticate(header: string | undefined): AccessMode;
  /** Throws 403 when `mode` does not allow `op`. */
  authorize(mode: AccessMode, op: Operation): void;
}

export function createAuthorizer(options: ResolvedOptions): Authorizer {
  const tokens = options.tokens.map((t) => ({ digest: digest(t.token), access: t.access }));
  return {
    authenticate(header) {
      if (tokens.length === 0) return options.access;
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
      if (!match) {
        throw withStatus(
          new SpoolError(
            "Permission",
            header ? "malformed Authorization header" : "missing bearer token",
            {
              hint: "send `Authorization: Bearer <token>` with a token from the server's token file",
            },
          ),
          401,
        );
      }
      const given = digest(match[1] as string);
      let found: AccessMode | undefined;
      for (const token of tokens) {
        if (timingSafeEqual(given, token.digest) && found === undefined) found = token.access;
      }
      if (found === undefined) {
        throw withStatus(
          new SpoolError("Permission", "invalid bearer token", {
            hint: "check the token against the server's token file",
          }),
          401,
        );
      }
      return found;
    },
    authorize(mode, op) {
      if (op === "meta" || mode === "read-write") return;
      if (op === "consume") {
        throw new SpoolError(
          "Permission",
          `this server (or token) is ${mode}: cursors and consumer groups need read-write access`,
          {
            hint: "use a token with read-write access (a consumer reads messages and writes its progress), or tail without cursor",
          },
        );
      }
      if (mode === "read-only" && op === "write") {
        throw new SpoolError("Permission", "this server (or token) is read-only", {
          hint: "use a token with write access, or a server started with read-write access",
        });
      }
      if (mode === "write-only" && op === "read") {
        throw new SpoolError("Permission", "this server (or token) is write-only", {
          hint: "use a token with read access, or a server started with read-write access",
        });
      }
    },
  };
}
