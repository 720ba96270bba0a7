/**
 * Change notification for followers: one fs.watch (inotify) watcher per pool file per process,
 * shared by every waiter, with a bounded poll as the fallback.
 *
 * Invariants: correctness never depends on an event (a waiter always wakes by its poll deadline
 * and re-reads the pool state); a waiter can be cancelled by an AbortSignal; the watcher closes
 * when its last waiter leaves, so no handle or timer outlives the tails that needed it.
 */
import { type FSWatcher, watch } from "node:fs";

interface Watch {
  watcher: FSWatcher | undefined;
  waiters: Set<() => void>;
  users: number;
  /** Counts change events, so a waiter can tell that one arrived before it started waiting. */
  version: number;
}

/** A follower's handle on a pool file's changes. */
export interface Subscription {
  /** The change counter now: read it before reading the pool state. */
  mark(): number;
  /** Resolves on a change after `seen`, after `ms`, or on abort, whichever comes first. */
  wait(ms: number, seen: number, signal?: AbortSignal): Promise<void>;
  /** Ends interest; the last release closes the watcher. */
  release(): void;
}

const watches = new Map<string, Watch>();

/** Set SPOOL_NO_WATCH=1 to rely on polling alone (used by tests that prove the fallback). */
function watchingDisabled(): boolean {
  return process.env.SPOOL_NO_WATCH === "1";
}

/** Registers interest in `path`; returns a function that waits for a change and a release. */
export function subscribe(path: string): Subscription {
  let entry = watches.get(path);
  if (!entry) {
    const created: Watch = { watcher: undefined, waiters: new Set(), users: 0, version: 0 };
    if (!watchingDisabled()) {
      try {
        created.watcher = watch(path, { persistent: false }, () => {
          created.version++;
          for (const wake of [...created.waiters]) wake();
        });
        created.watcher.on("error", () => {
          created.watcher?.close();
          created.watcher = undefined;
        });
      } catch {
        created.watcher = undefined; // polling alone still works
      }
    }
    entry = created;
    watches.set(path, entry);
  }
  const watchEntry = entry;
  watchEntry.users++;
  let released = false;

  const wait = (ms: number, seen: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || watchEntry.version !== seen) return resolve();
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        watchEntry.waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      timer = setTimeout(done, ms);
      watchEntry.waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });

  const release = (): void => {
    if (released) return;
    released = true;
    watchEntry.users--;
    if (watchEntry.users === 0) {
      watchEntry.watcher?.close();
      watches.delete(path);
    }
  };
  return { mark: () => watchEntry.version, wait, release };
}

/** Number of pool files currently watched in this process (for leak checks). */
export function activeWatchCount(): number {
  return watches.size;
}
