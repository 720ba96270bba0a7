/**
 * The small N-API addon in native/ (shipped prebuilt for linux-x64 glibc, else built from source
 * by node-gyp at install): the kernel's file locks, a pipe check, guarded access to a mapping
 * of a pool's header and index, and the format's CRC-32.
 *
 * Invariants: loaded lazily, once, on first use, and before a pool file is created or opened; a
 * missing or unloadable addon is an Internal error whose hint names the fix for the package
 * manager in use; the addon's functions never throw for an OS failure (they return an errno).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeTarget, prebuiltAddon, sourceBuiltAddon } from "../../scripts/native-target.mjs";
import { SpoolError } from "../errors.js";
import { nativeAddonHint, packageManagerOf } from "./native-hint.js";

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
  /** zlib's crc32(initial, buf[start, end)) (absent from addons built before it existed). */
  crc32?(buf: Uint8Array, start: number, end: number, initial: number): number;
  /**
   * Writes the JSONL envelope lines of `count` stored frames into `out` from 0 (meta: seq,
   * seconds, nanos, payload offset in `src`, payload length per line); the bytes written.
   */
  envelopeLines?(out: Uint8Array, src: Uint8Array, meta: Float64Array, count: number): number;
}

let native: NativeAddon | undefined;

/** The package root: dist/*.js and src/platform/native.ts sit one and two levels below it. */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return existsSync(join(here, "..", "package.json")) ? join(here, "..") : join(here, "..", "..");
}

/**
 * The addon, loaded once: a source build (`build/Release`, made in a clone or by the install
 * script where no prebuilt fits) wins over the prebuilt for this platform. Throws Internal with
 * the fix for the package manager in use when neither loads, before any pool is touched.
 */
export function loadNative(): NativeAddon {
  if (native) return native;
  const root = packageRoot();
  const require = createRequire(import.meta.url);
  const target = nativeTarget();
  const candidates = [sourceBuiltAddon(root), prebuiltAddon(root, target)];
  let failure: unknown;
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      native = require(file) as NativeAddon;
      return native;
    } catch (error) {
      failure ??= error;
    }
  }
  const manager = packageManagerOf(root);
  if (failure !== undefined) {
    const why = failure instanceof Error ? failure.message.split("\n")[0] : String(failure);
    throw new SpoolError("Internal", `the native addon of @spool/core cannot be loaded: ${why}`, {
      hint: nativeAddonHint(manager, "unloadable"),
      cause: failure,
    });
  }
  throw new SpoolError(
    "Internal",
    `the native addon of @spool/core is missing: no prebuilt addon for ${target} and no source build`,
    { hint: nativeAddonHint(manager, "missing") },
  );
}

/**
 * Loads the addon now, throwing its install error (with the package manager's fix) if it cannot
 * be loaded: servers call it before they listen, so an unusable install never answers requests.
 */
export function requireNativeAddon(): void {
  loadNative();
}
