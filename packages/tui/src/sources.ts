/**
 * What the terminal UI reads from: the engine-neutral pool interface of @spool/core, narrowed to
 * the calls the views make, so a pool directory, a Spool server (through @spool/client) and any
 * other engine feed the same views.
 *
 * Invariants: types only; every member is a subset of core's `PoolEngine` / `EnginePool`
 * (structurally: `FileEngine`, the SDK's `RemotePool` and the CLI's pool targets fit), so the
 * UI never redefines the envelope, tail semantics (order, gaps, since/last) or error kinds.
 */
import type { Message, PoolEngine, PoolInfo, TailOptions } from "@spool/core/shared";

/** One pool a live view watches: its name, info (bounds, usage, cursors, groups) and tail. */
export interface WatchPool {
  readonly name: string;
  info(): Promise<PoolInfo>;
  tail(options?: TailOptions): AsyncIterable<Message>;
}

/** The pools `spool top` lists, and (optionally) how to open one of them in a live view. */
export interface TopSource {
  /** Where the pools are, as a user writes it (a directory, a server URL). */
  readonly location: string;
  /** The pools, sorted by name; an unreadable one is listed with its error. */
  list: PoolEngine["list"];
  /** Opens a pool for `watch` (absent: Enter does nothing). */
  open?: (name: string) => Promise<WatchPool & { close?: () => void | Promise<void> }>;
}
