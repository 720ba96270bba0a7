/**
 * Answers that fit the remote user: core's errors carry advice for someone at the server's
 * shell (`--dir`, `spool pool create`, `--size`, `spool doctor`), and absolute paths of the
 * server's disk. Over HTTP the client can only send requests, so this module gives every error
 * that reaches a response (or a stream's final record) a hint in HTTP/SDK words and, unless the
 * app was created with `exposePaths: true`, names pool files by their name inside the served
 * directory (`build.spool`) instead of their absolute path.
 *
 * Invariants: the remote wording lives in one table, `REMOTE_HINTS`, keyed by error kind and
 * situation; the situation of an error is decided by `situationOf` from its kind, the operation
 * the request performed and the fields core set (`path`, `seq`), and — only where one kind and
 * operation cover several of core's errors — by the fixed start of core's message; an error with
 * no situation (the server's own errors, written for HTTP already, and core's surface-neutral
 * validation errors) keeps its hint; hints are replaced whole, never edited. Paths: `path`
 * becomes relative to the served directory, and that directory's absolute prefix is removed from
 * the message (the only text edit: it removes a known path, it rewrites no advice). The status of
 * an error (including `withStatus` overrides) never changes.
 */
import { basename, isAbsolute, relative, sep } from "node:path";
import {
  type ErrorKind,
  POOL_EXTENSION,
  reviseError,
  type SpoolError,
  type SpoolErrorJson,
  spoolErrorFromJson,
} from "@spool/core";

/** How answers show the server's files. */
export interface RemoteView {
  /** The served pool directory (absolute), or the served engine's location (`nats://…`). */
  dir: string;
  /** Keep absolute paths in answers (the `exposePaths` option). */
  exposePaths: boolean;
}

/** What a request did when it failed: decides which of core's errors it met. */
export type Operation =
  | "create"
  | "open"
  | "info"
  | "list"
  | "delete"
  | "append"
  | "get"
  | "tail"
  | "consumer"
  | "other";

/** What a core error is about, as seen from the client's side of the connection. */
export type Situation =
  | "pool-missing"
  | "message-missing"
  | "pool-exists"
  | "pool-in-use"
  | "lock-timeout"
  | "pool-busy"
  | "damaged"
  | "retention-gap"
  | "too-large"
  | "pool-closed"
  | "pool-name"
  | "pool-size"
  | "pool-file"
  | "file-permission"
  | "disk-full"
  | "io"
  | "condition-failed"
  | "producer-gap"
  | "producer-fenced"
  | "no-producer-state"
  | "no-consumer-state"
  | "cursor-missing"
  | "group-missing"
  | "ledger-full"
  | "retention-blocked"
  | "lease-expired"
  | "internal";

/** What a hint may name. */
interface HintContext {
  /** The pool's name, or `NAME` when the error does not say. */
  pool: string;
  /** The pool file's name as the answer shows it (`build.spool`, or absolute when exposed). */
  file: string;
}

type Hint = (c: HintContext) => string;

const OPERATOR = "ask the server's operator";

/**
 * The remote hint of each kind's situations (every kind listed; a situation a kind lacks keeps
 * core's hint).
 */
export const REMOTE_HINTS: { readonly [K in ErrorKind]: Partial<Record<Situation, Hint>> } = {
  NotFound: {
    "pool-missing": ({ pool }) =>
      `create it with POST /v0/pools {"pool": "${pool}"} (SDK: client.createPool("${pool}")), or list the pools with GET /v0/pools`,
    "cursor-missing": ({ pool }) =>
      `a tail with this cursor creates it (GET /v0/pools/${pool}/tail?cursor=NAME; SDK: pool.follow({ cursor })); GET /v0/pools/${pool}/cursors lists the kept ones`,
    "group-missing": ({ pool }) =>
      `a claim creates the group (POST /v0/pools/${pool}/groups/NAME/claim), and so does PUT /v0/pools/${pool}/groups/NAME (SDK: pool.group(name).claim()); GET /v0/pools/${pool}/groups lists the kept ones`,
    "message-missing": ({ pool }) =>
      `ask for a seq within the pool's bounds (GET /v0/pools/${pool}/info; SDK: pool.info()); overwritten messages are gone: a pool created with a larger size_bytes (SDK: createPool(name, { size })) keeps more history`,
  },
  AlreadyExists: {
    "pool-exists": ({ pool }) =>
      `open the existing pool with POST /v0/pools/open {"pool": "${pool}"} (SDK: client.openPool("${pool}")), delete it first with DELETE /v0/pools/${pool}, or pick another name`,
  },
  Busy: {
    "pool-in-use": () =>
      "another process on the server writes or follows this pool; retry the DELETE when it has stopped",
    "lock-timeout": () =>
      "another process on the server holds the pool's writer lock; nothing was appended: retry the request (the server's lock timeout is a server setting)",
    "pool-busy": () => "the pool is busy on the server; retry the request shortly",
    "ledger-full": ({ pool }) =>
      `the pool keeps no more cursors, groups or deliveries in flight: ack or nack deliveries, delete unused cursors and groups (DELETE /v0/pools/${pool}/cursors/NAME, DELETE /v0/pools/${pool}/groups/NAME), or ${OPERATOR} to recreate the pool with a larger ledger`,
    "retention-blocked": ({ pool }) =>
      `nothing was appended: let the group's members catch up (GET /v0/pools/${pool}/groups shows their lag), or set the group's retention to lost (PUT /v0/pools/${pool}/groups/NAME {"retention": "lost"}); then retry`,
  },
  Corrupt: {
    damaged: ({ pool, file }) =>
      `the pool file ${file} on the server is damaged (or written by a newer Spool); messages within its bounds may still be read with GET /v0/pools/${pool}/messages/{seq}; ${OPERATOR} to check it, then restore or recreate the pool`,
  },
  RetentionGap: {
    "retention-gap": ({ pool }) =>
      `read faster, create the pool with a larger size_bytes (SDK: createPool(name, { size })), or tail with gap_policy=continue (SDK: gapPolicy: "continue"); resume at the pool's oldest seq (GET /v0/pools/${pool}/info, bounds.oldest) with since_seq`,
  },
  Usage: {
    "too-large": ({ pool }) =>
      `send a smaller message (at most max_message_bytes of GET /v0/pools/${pool}/info), split the batch into smaller ones, or create a pool with a larger size_bytes (SDK: createPool(name, { size }))`,
    "pool-closed": () => "retry the request",
    "pool-name": () =>
      "send a plain pool name such as `build`: letters, digits, '_', '-', '.', '@' or '+', starting with a letter, digit or '_' (no '/', no '..')",
    "pool-size": () =>
      "send size_bytes (SDK: createPool(name, { size })) between 16384 (16 KiB) and 1099511627776 (1 TiB), e.g. 1048576, or leave it out for the server's default",
    "pool-file": ({ file }) =>
      `the server cannot use the pool file ${file} in its pool directory; ${OPERATOR} to check it`,
    "no-consumer-state": ({ pool }) =>
      `this pool was created before Spool kept consumer state: tail it without cursor, or create a new pool (POST /v0/pools) and move the messages over (SDK: client.createPool); delete the old one with DELETE /v0/pools/${pool}`,
    "no-producer-state": ({ pool }) =>
      `this pool was created before Spool kept producer state: append without producer_id, or create a new pool (POST /v0/pools) and move the messages over (SDK: client.createPool); delete the old one with DELETE /v0/pools/${pool}`,
  },
  Permission: {
    "file-permission": ({ file }) =>
      `the server's process may not use the pool file ${file}; ${OPERATOR} to check the file's owner and mode`,
  },
  Io: {
    "disk-full": ({ pool }) =>
      `the server's disk is full: create a pool with a smaller size_bytes, delete pools you no longer need (DELETE /v0/pools/${pool}), or ${OPERATOR} to free space`,
    io: () => `retry the request; if it keeps failing, ${OPERATOR} to check the server's disk`,
  },
  Conflict: {
    "condition-failed": () =>
      "another writer appended first; nothing was appended: read the pool again (its newest seq is newest_seq in this error), decide, and retry with expected_last_seq set to it (SDK: expectedLastSeq)",
    "producer-gap": ({ pool }) =>
      `messages between are missing: send from producer_seq = expected_seq (in this error), or restart the producer with a higher producer_epoch; GET /v0/pools/${pool}/producers/PRODUCER_ID (your producer_id) shows its state (SDK: pool.producerState(id))`,
    "lease-expired": () =>
      "the message will be delivered again: claim with a longer lease_ms (SDK: leaseMs), or extend the lease (POST …/extend) while working on it",
    "producer-fenced": () =>
      "a newer incarnation of this producer (its producer_epoch is epoch in this error) is writing; stop this one, or restart it with a producer_epoch above epoch",
  },
  Internal: {
    internal: () =>
      "this is a bug in Spool; please report it with the request that caused it (method, path and body)",
  },
};

/** The operation of a request, from its method and matched route pattern. */
export function operationOf(method: string, route: string): Operation {
  switch (route) {
    case "/v0/pools":
      return method === "POST" ? "create" : "list";
    case "/v0/pools/open":
      return "open";
    case "/v0/pools/:pool/info":
    case "/v0/pools/:pool/producers/:id":
      return "info";
    case "/v0/pools/:pool":
      return method === "DELETE" ? "delete" : "other";
    case "/v0/pools/:pool/append":
    case "/v0/pools/:pool/append_batch":
      return "append";
    case "/v0/pools/:pool/messages/:seq":
      return "get";
    case "/v0/pools/:pool/tail":
    case "/v0/pools/:pool/events":
      return "tail";
    default:
      return route.startsWith("/v0/pools/:pool/cursors") ||
        route.startsWith("/v0/pools/:pool/groups")
        ? "consumer"
        : "other";
  }
}

/** The situation of `error` met during `op`, or undefined when its own hint stands. */
export function situationOf(error: SpoolError, op: Operation): Situation | undefined {
  const onFile = error.path !== undefined;
  const consuming = op === "consumer" || op === "tail";
  switch (error.kind) {
    case "NotFound":
      if (op === "consumer") {
        // Core's consumer errors start with what they are about.
        if (/^cursor \S+ not found/.test(error.message)) return "cursor-missing";
        if (/^group \S+ not found/.test(error.message)) return "group-missing";
        if (error.seq !== undefined) return undefined; // a seq the group never delivered
      }
      if (error.seq !== undefined) return "message-missing";
      return onFile ? "pool-missing" : undefined;
    case "AlreadyExists":
      return onFile ? "pool-exists" : undefined;
    case "Busy":
      if (!onFile) return undefined;
      if (error.message.startsWith("the pool's ledger has no room")) return "ledger-full";
      if (error.message.startsWith("the append would overwrite message")) {
        return "retention-blocked";
      }
      if (op === "delete") return "pool-in-use";
      if (op === "append") return "lock-timeout";
      return "pool-busy";
    case "Corrupt":
      return "damaged";
    case "RetentionGap":
      return "retention-gap";
    case "Usage":
      if (onFile) {
        if (error.message === "the pool is closed") return "pool-closed";
        if (error.message.startsWith("this pool has no producer state")) {
          return consuming ? "no-consumer-state" : "no-producer-state";
        }
        // core's consumer checks (an ack past the newest seq, a start past the next): its hint
        if (op === "consumer" || error.message.startsWith("cannot start cursor")) return undefined;
        return op === "append" ? "too-large" : "pool-file";
      }
      // core's name and size validation: the only ones whose hints speak of paths and units.
      if (error.message.startsWith("invalid pool name")) return "pool-name";
      if (op === "create" && error.message.startsWith("pool size ")) return "pool-size";
      return undefined;
    case "Permission":
      return onFile ? "file-permission" : undefined;
    case "Io": {
      const code = (error.cause as { code?: unknown } | undefined)?.code;
      if (
        code === "ENOSPC" ||
        code === "EDQUOT" ||
        error.message.startsWith("not enough free space")
      )
        return "disk-full";
      return "io";
    }
    case "Conflict":
      if (error.newestSeq !== undefined) return "condition-failed";
      if (error.expectedSeq !== undefined) return "producer-gap";
      if (error.epoch !== undefined) return "producer-fenced";
      return op === "consumer" && error.message.includes(": its lease expired")
        ? "lease-expired"
        : undefined;
    case "Internal":
      return "internal";
  }
}

/** `path` as answers show it: relative to the served directory unless paths are exposed. */
export function remotePath(path: string, view: RemoteView): string {
  if (view.exposePaths) return path;
  // An engine's pool reference (nats://host:port/POOL): the pool's name, not the servers.
  if (path.includes("://")) return path.slice(path.lastIndexOf("/") + 1) || path;
  const inside = relative(view.dir, path);
  if (inside === "") return ".";
  if (!inside.startsWith("..") && !isAbsolute(inside)) return inside;
  return basename(path);
}

/** `text` without the served directory's absolute prefix (unless paths are exposed). */
function withoutDir(text: string, view: RemoteView): string {
  if (view.exposePaths) return text;
  const prefix = view.dir.endsWith(sep) ? view.dir : `${view.dir}${sep}`;
  const where = view.dir.includes("://") ? "the pools' engine" : "the pool directory";
  return text.split(prefix).join("").split(view.dir).join(where);
}

/**
 * `error` as the remote user sees it: the remote hint of its situation and the path shown by
 * `view`. Answers the same object when nothing changes.
 *
 * @example
 * remoteError(new SpoolError("NotFound", "pool not found: /srv/p/build.spool", { path: "/srv/p/build.spool" }), "info", { dir: "/srv/p", exposePaths: false })
 * // NotFound "pool not found: build.spool", path "build.spool", hint "create it with POST /v0/pools {…}"
 */
export function remoteError(error: SpoolError, op: Operation, view: RemoteView): SpoolError {
  const situation = situationOf(error, op);
  const file = error.path === undefined ? undefined : remotePath(error.path, view);
  const hint =
    situation === undefined
      ? error.hint
      : (REMOTE_HINTS[error.kind][situation]?.({
          pool: poolNameOf(error.path),
          file: file ?? "(unknown)",
        }) ?? error.hint);
  const message = withoutDir(error.message, view);
  if (hint === error.hint && file === error.path && message === error.message) return error;
  return reviseError(error, { message, hint, path: file, cause: error });
}

/** A listing entry's error (core's JSON shape) as the remote user sees it. */
export function remoteErrorJson(json: SpoolErrorJson, view: RemoteView): SpoolErrorJson {
  return remoteError(spoolErrorFromJson(json), "list", view).toJSON();
}

/** The pool name of a pool file path (`/srv/p/build.spool` → `build`), or `NAME`. */
function poolNameOf(path: string | undefined): string {
  if (path === undefined) return "NAME";
  const file = basename(path);
  return file.endsWith(POOL_EXTENSION) ? file.slice(0, -POOL_EXTENSION.length) : file;
}
