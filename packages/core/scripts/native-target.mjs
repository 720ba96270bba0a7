// Where @spool/core's native addon lives: the one definition shared by the loader
// (src/platform/native.ts), the install script and the prepack step, which run without a build.
//
// Invariants: a prebuilt addon is `prebuilds/<target>/spool_native.node`, `<target>` being
// `<platform>-<arch>` plus `-glibc` or `-musl` on Linux; a source build is
// `build/Release/spool_native.node`; telling the C library apart costs well under a millisecond
// (it reads the process's own mappings, not a diagnostic report).
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The addon's file name, in a prebuilt directory and in node-gyp's build output. */
export const ADDON_FILE = "spool_native.node";

/** The C library this Linux process runs on, from the libraries mapped into it. */
function linuxLibc() {
  try {
    const maps = readFileSync("/proc/self/maps", "latin1");
    if (/ld-musl|libc\.musl/.test(maps)) return "musl";
    if (/\/libc\.so\.6|\/libc-2\.\d+\.so/.test(maps)) return "glibc";
  } catch {
    // No /proc: ask Node's diagnostic report below (slower, but always answers).
  }
  const header = process.report?.getReport?.()?.header;
  return header?.glibcVersionRuntime ? "glibc" : "musl";
}

/** The prebuilt target this process can load, e.g. `linux-x64-glibc` or `darwin-arm64`. */
export function nativeTarget() {
  const base = `${process.platform}-${process.arch}`;
  return process.platform === "linux" ? `${base}-${linuxLibc()}` : base;
}

/** The prebuilt addon's path for `target` under the package root. */
export function prebuiltAddon(root, target = nativeTarget()) {
  return join(root, "prebuilds", target, ADDON_FILE);
}

/** The source build's path under the package root. */
export function sourceBuiltAddon(root) {
  return join(root, "build", "Release", ADDON_FILE);
}
