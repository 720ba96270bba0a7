// Checks of one packed tarball, read the way the registry will serve it. Invariants: every file
// the manifest points at (bin, main, types, exports except the repository-only @spool/source
// condition) is inside; no `workspace:` range survives; README.md and LICENSE are there; a
// package shipping a native addon carries the linux-x64 glibc prebuilt; bundled dependencies
// are inside the tarball.
import { execFileSync } from "node:child_process";

/** Where in the tarball @spool/core's prebuilt addon for linux-x64 (glibc) must be. */
const PREBUILT = "prebuilds/linux-x64-glibc/spool_native.node";
const SOURCE_CONDITION = "@spool/source";

/** Every path an `exports` value points at, skipping the repository-only condition. */
function exportTargets(value, out = []) {
  if (typeof value === "string") out.push(value);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key !== SOURCE_CONDITION) exportTargets(inner, out);
    }
  }
  return out;
}

/** Problems of `tarball` (packed from `pkg`), as sentences; empty when it is fine. */
export function checkTarball(pkg, tarball) {
  const files = new Set(
    execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, "")),
  );
  const manifest = JSON.parse(
    execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }),
  );
  const problems = [];
  const where = `${pkg.name} (${tarball})`;
  const need = (file, why) => {
    const path = file.replace(/^\.\//, "");
    if (!files.has(path)) problems.push(`${where}: ${why} ${file} is not in the tarball`);
  };
  need("README.md", "the readme");
  need("LICENSE", "the license");
  const bins =
    typeof manifest.bin === "string" ? [manifest.bin] : Object.values(manifest.bin ?? {});
  for (const bin of bins) need(bin, "the bin");
  for (const field of ["main", "types"]) if (manifest[field]) need(manifest[field], field);
  for (const target of exportTargets(manifest.exports)) need(target, "the export");
  for (const field of ["dependencies", "optionalDependencies", "peerDependencies"]) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith("workspace:")) {
        problems.push(`${where}: ${field}.${dep} is still ${range}`);
      }
    }
  }
  if (manifest.gypfile || files.has("binding.gyp")) need(PREBUILT, "the prebuilt addon");
  for (const dep of manifest.bundleDependencies ?? []) {
    need(`node_modules/${dep}/package.json`, "the bundled dependency");
  }
  return problems;
}
