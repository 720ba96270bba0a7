#!/usr/bin/env node
// @spool/core's install script: nothing to do where a prebuilt addon fits this platform (it is
// loaded in a child process to prove it), else the source build (build-native.mjs) as the
// fallback. Invariants: never downloads anything; never builds where the prebuilt loads; a
// failed fallback says what it needs and exits non-zero so the install reports it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeTarget, prebuiltAddon } from "./native-target.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = nativeTarget();
const prebuilt = prebuiltAddon(root, target);

/** True when `file` loads as an addon in a fresh Node (a crash or a dlopen error is a no). */
function loads(file) {
  const probe = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(file)})`], {
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 30_000,
  });
  return probe.status === 0;
}

if (existsSync(prebuilt) && loads(prebuilt)) process.exit(0);

const why = existsSync(prebuilt)
  ? `the prebuilt addon for ${target} does not load here`
  : `no prebuilt addon for ${target}`;
console.error(
  `@spool/core: ${why}; building it from source (needs python3, make and a C compiler)`,
);
const build = spawnSync(process.execPath, [join(root, "scripts", "build-native.mjs")], {
  stdio: "inherit",
});
if (build.status !== 0) {
  console.error(
    "@spool/core: the source build of the native addon failed; install python3, make and a C compiler (build-essential on Debian/Ubuntu, Xcode's command line tools on macOS), then rebuild @spool/core with your package manager",
  );
  process.exit(build.status ?? 1);
}
