/**
 * The cross-process writer lock: flock(2) on the pool's file descriptor, through the small N-API
 * addon in native/ (built from source at install).
 *
 * Invariants: the kernel owns the lock, so it is released when the holder closes its descriptor
 * or dies; acquiring never waits longer than the timeout (then Busy); the addon is loaded lazily
 * on first use so read-only users never need it.
 */
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { SpoolError } from "../errors.js";

interface NativeLock {
  lock(fd: number, timeoutMs: number): number;
  unlock(fd: number): number;
}

const EWOULDBLOCK = constants.errno.EWOULDBLOCK;
let native: NativeLock | undefined;

function loadNative(): NativeLock {
  if (native) return native;
  const require = createRequire(import.meta.url);
  // dist/index.js and src/platform/lock.ts sit one and two levels below the package root.
  const candidates = ["../build/Release/spool_native.node", "../../build/Release/spool_native.node"].map(
    (rel) => fileURLToPath(new URL(rel, import.meta.url)),
  );
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new SpoolError("Internal", "the native lock addon of @spool/core is not built", {
      hint: "reinstall @spool/core so its install step builds the addon (needs python3, make and a C compiler), e.g. `npm rebuild @spool/core`",
    });
  }
  native = require(found) as NativeLock;
  return native;
}

/** Takes the exclusive writer lock on `fd`, waiting at most `timeoutMs`. */
export function lockFile(fd: number, timeoutMs: number, path: string): void {
  const rc = loadNative().lock(fd, timeoutMs);
  if (rc === 0) return;
  if (rc === EWOULDBLOCK) {
    throw new SpoolError("Busy", `pool is locked by another writer (waited ${timeoutMs} ms)`, {
      path,
      hint: "another process is writing to this pool or is stuck holding its lock; retry, or raise the lock timeout",
    });
  }
  throw new SpoolError("Io", `cannot lock pool (errno ${rc})`, {
    path,
    hint: "the file system may not support flock; keep pools on a local file system",
  });
}

/** Releases the writer lock on `fd`. */
export function unlockFile(fd: number): void {
  loadNative().unlock(fd);
}

/** Tries the lock once without waiting: true if it was free (and is now released again). */
export function isLockFree(fd: number): boolean {
  const rc = loadNative().lock(fd, 0);
  if (rc !== 0) return false;
  loadNative().unlock(fd);
  return true;
}
