/**
 * The console's connection to the server that serves it: the SDK client for this origin, the
 * bearer token (kept in the tab's sessionStorage only, never localStorage, a cookie or the URL),
 * and the caller's access mode from `GET /v0/access`.
 *
 * Invariants: the token is sent only to this origin; a 401 answer (missing or wrong token)
 * clears the stored token so the page asks again; the access mode decides what the page offers
 * (no append form without write access) and is re-read whenever the token changes.
 */
import { createClient, type SpoolClient, SpoolHttpError } from "@spool/client";

export type AccessMode = "read-only" | "write-only" | "read-write";

const TOKEN_KEY = "spool.console.token";

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage refused (private mode quotas): the token lives only as long as the page
  }
}

export function makeClient(token: string | undefined): SpoolClient {
  return createClient(
    token === undefined ? { baseUrl: location.origin } : { baseUrl: location.origin, token },
  );
}

/** True for an answer that means "give me a (valid) token". */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof SpoolHttpError && error.status === 401;
}

export interface AccessInfo {
  access: AccessMode;
  tokens: boolean;
}

/** The caller's access mode; throws a SpoolHttpError with status 401 when a token is needed. */
export async function readAccess(token: string | undefined): Promise<AccessInfo> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${location.origin}/v0/access`, { headers });
  const body = (await response.json().catch(() => ({}))) as {
    access?: AccessMode;
    tokens?: boolean;
    error?: { kind?: string; message?: string; hint?: string };
  };
  if (!response.ok || body.access === undefined) {
    throw new SpoolHttpError(
      response.status === 404 ? "NotFound" : "Permission",
      body.error?.message ?? `GET /v0/access answered ${response.status}`,
      response.status,
      body.error?.hint === undefined ? {} : { hint: body.error.hint },
    );
  }
  return { access: body.access, tokens: body.tokens === true };
}

export function canWrite(access: AccessMode): boolean {
  return access !== "read-only";
}

export function canRead(access: AccessMode): boolean {
  return access !== "write-only";
}
