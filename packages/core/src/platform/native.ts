/**
 * The small N-API addon in native/ (built from source by node-gyp at install): the kernel's
 * file locks, a pipe check, and guarded access to a mapping of a pool's header and index.
 *
 * Invariants: loaded lazily, once, on first use; a missing addon is an Internal error with the
 * fix as its hint; the addon's functions never throw for an OS failure (they return an errno).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { SpoolError } from "../errors.js";

/** An opaque handle to a mapping made by `mapOpen`. */
export type NativeMapping = { readonly __mapping: unique symbol };

/**
 * Copies `length` bytes between mapping bytes at `position` and `buf[offset..]`: 0, EFAULT when
 * the file no longer backs those bytes, EINVAL out of range or closed, EBADF writing read-only.
 */
export type MapCopy = (
  map: NativeMapping,
  position: number,
  buf: Uint8Array,
  offset: number,
  length: number,
) => number;

export interface NativeAddon {
  lock(fd: number, timeoutMs: number): number;
  unlock(fd: number): number;
  rangeLock(fd: number, start: number, len: number, mode: 0 | 1 | 2 | 3): number;
  pipeClosed(fd: number): number;
  /** A shared mapping of the file's first `length` bytes, or an errno. */
  mapOpen(fd: number, length: number, writable: boolean): NativeMapping | number;
  mapRead: MapCopy;
  mapWrite: MapCopy;
  mapClose(map: NativeMapping): number;
  /** The file's length in bytes, or a negated errno. */
  fileLength(fd: number): number;
}

let native: NativeAddon | undefined;

export function loadNative(): NativeAddon {
  if (native) return native;
  const require = createRequire(import.meta.url);
  // dist/*.js and src/platform/native.ts sit one and two levels below the package root.
  const candidates = [
    "../build/Release/spool_native.node",
    "../../build/Release/spool_native.node",
  ].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new SpoolError("Internal", "the native addon of @spool/core is not built", {
      hint: "reinstall @spool/core so its install step builds the addon (needs python3, make and a C compiler), e.g. `npm rebuild @spool/core`",
    });
  }
  native = require(found) as NativeAddon;
  return native;
}
