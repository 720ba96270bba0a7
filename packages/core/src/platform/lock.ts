/**
 * Cross-process locks, through the small N-API addon in native/ (see native.ts):
 * - the writer lock: flock(2) on the pool's descriptor, held by one appender at a time;
 * - the presence lock: a shared open-file-description lock on the file's first byte, held by
 *   every open Pool, so a delete can see that the pool is in use.
 *
 * Invariants: the kernel owns the locks, so they are released when the holder closes its
 * descriptor or dies; acquiring the writer lock never waits longer than the timeout (then Busy),
 * and `tryLockFile` never waits at all; the addon is loaded lazily on first use.
 */
import { constants } from "node:os";
import { SpoolError } from "../errors.js";
import { loadNative } from "./native.js";

const EWOULDBLOCK = constants.errno.EWOULDBLOCK;

/** Takes the exclusive writer lock on `fd`, waiting at most `timeoutMs` (blocks the thread). */
export function lockFile(fd: number, timeoutMs: number, path: string): void {
  const rc = loadNative().lock(fd, timeoutMs);
  if (rc === 0) return;
  if (rc === EWOULDBLOCK) throw lockBusy(path, timeoutMs);
  throw lockFailed(path, rc);
}

/**
 * Tries the exclusive writer lock on `fd` once, without waiting: true when it is now held, false
 * when another holder has it (Io when the file system cannot lock).
 */
export function tryLockFile(fd: number, path: string): boolean {
  const rc = loadNative().lock(fd, 0);
  if (rc === 0) return true;
  if (rc === EWOULDBLOCK) return false;
  throw lockFailed(path, rc);
}

/** The Busy error of a writer that waited `waitedMs` for the lock in vain. */
export function lockBusy(path: string, waitedMs: number): SpoolError {
  return new SpoolError("Busy", `pool is locked by another writer (waited ${waitedMs} ms)`, {
    path,
    hint: "another process is writing to this pool or is stuck holding its lock; retry, or raise the lock timeout",
  });
}

function lockFailed(path: string, errno: number): SpoolError {
  return new SpoolError("Io", `cannot lock pool (errno ${errno})`, {
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

/** Marks `fd`'s pool as in use (shared; never waits). False if the platform refuses. */
export function holdPresence(fd: number): boolean {
  return loadNative().rangeLock(fd, 0, 1, 1) === 0;
}

/** True when no open Pool anywhere holds the presence lock on this file (checked via `fd`). */
export function isUnused(fd: number): boolean {
  const rc = loadNative().rangeLock(fd, 0, 1, 3);
  return rc === 0 || rc === constants.errno.ENOSYS; // without OFD locks, presence is unknown
}

/**
 * True when `fd` is a pipe or socket whose reader has gone away, so output written to it could
 * never be read (`spool follow x | head -1` after head exited). Never waits, never writes.
 */
export function isReaderGone(fd: number): boolean {
  return loadNative().pipeClosed(fd) === 1;
}
