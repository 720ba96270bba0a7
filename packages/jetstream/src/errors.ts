/**
 * NATS and JetStream errors as SpoolErrors: every failure of the NATS client maps to one Spool
 * kind with a hint, so callers never see a bare NATS error.
 *
 * Invariants: a SpoolError passes through unchanged; JetStream API codes map by code (stream or
 * message not found → NotFound, name in use → AlreadyExists, wrong last sequence → Conflict, a
 * bad configuration → Usage, permissions → Permission); connection-level failures (refused,
 * closed, timeouts, no responders) are Io naming the server; anything else is Io too, with the
 * NATS text kept in the message and as the cause.
 */
import { isSpoolError, SpoolError } from "@spool/core";

/** The JetStream API error codes Spool tells apart. */
export const API = {
  StreamNotFound: 10059,
  NoMessageFound: 10037,
  StreamNameInUse: 10058,
  WrongLastSequence: 10071,
  MessageTooLarge: 10054,
  InsufficientResources: 10023,
  NoSuitablePeers: 10005,
  ReplicasNotSupported: 10074,
  JetStreamNotEnabled: 10039,
  JetStreamNotEnabledForAccount: 10076,
} as const;

/** The JetStream API error code of `error`, if it is one. */
export function apiCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { name?: string; code?: unknown; apiError?: () => { err_code?: number } };
  if (typeof e.apiError === "function") return e.apiError().err_code;
  return undefined;
}

function textOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `error` as a SpoolError about `what` (a pool or the server at `location`). */
export function toSpoolError(
  error: unknown,
  location: string,
  what = "the NATS request",
): SpoolError {
  if (isSpoolError(error)) return error;
  const code = apiCode(error);
  const text = textOf(error);
  const name = (error as { name?: string } | null)?.name ?? "";
  if (code !== undefined) {
    switch (code) {
      case API.StreamNotFound:
        return new SpoolError("NotFound", `pool not found: ${what}`, {
          path: location,
          hint: "create it first, or check the pool name and the NATS server",
          cause: error,
        });
      case API.NoMessageFound:
        return new SpoolError("NotFound", `no such message: ${what}`, {
          path: location,
          cause: error,
        });
      case API.StreamNameInUse:
        return new SpoolError("AlreadyExists", `pool already exists: ${what}`, {
          path: location,
          hint: "open it instead, or delete it first",
          cause: error,
        });
      case API.WrongLastSequence:
        return new SpoolError("Conflict", `${what}: ${text}: nothing was appended`, {
          path: location,
          cause: error,
          hint: "another writer appended first: read the pool and retry",
        });
      case API.MessageTooLarge:
        return new SpoolError("Usage", `${what}: ${text}`, {
          path: location,
          hint: "send a smaller message, or create the pool larger",
          cause: error,
        });
      case API.InsufficientResources:
      case API.NoSuitablePeers:
      case API.ReplicasNotSupported:
        return new SpoolError("Usage", `${what}: the NATS cluster cannot hold it: ${text}`, {
          path: location,
          hint: "ask for fewer replicas (no more than the cluster's JetStream servers) or a smaller size, or add servers",
          cause: error,
        });
      case API.JetStreamNotEnabled:
      case API.JetStreamNotEnabledForAccount:
        return new SpoolError("Io", `${what}: JetStream is not enabled on ${location}: ${text}`, {
          path: location,
          hint: "start nats-server with -js (or `jetstream {}` in its configuration) and enable it for this account",
          cause: error,
        });
      default:
        if (/permission|authoriz/i.test(text)) {
          return new SpoolError("Permission", `${what}: ${text}`, { path: location, cause: error });
        }
        return new SpoolError("Io", `${what}: JetStream answered: ${text} (code ${code})`, {
          path: location,
          cause: error,
        });
    }
  }
  if (
    /Permission|Authorization|UserAuthentication/.test(name) ||
    /permission|authoriz/i.test(text)
  ) {
    return new SpoolError("Permission", `${what}: ${text}`, {
      path: location,
      hint: "check the NATS user, password, token or creds file and the account's permissions",
      cause: error,
    });
  }
  if (/NoResponders/.test(name) || /no responders/i.test(text)) {
    return new SpoolError("Io", `${what}: nothing answered on ${location}: ${text}`, {
      path: location,
      hint: "JetStream is not running or not enabled there: start nats-server with -js, or wait for the cluster to elect a leader",
      cause: error,
    });
  }
  return new SpoolError("Io", `${what}: NATS at ${location} failed: ${text}`, {
    path: location,
    hint: `check that nats-server is running and reachable at ${location}`,
    cause: error,
  });
}
