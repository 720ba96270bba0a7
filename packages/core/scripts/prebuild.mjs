#!/usr/bin/env node
// Makes the prebuilt addon that ships inside the @spool/core package (run when it is packed):
// builds from source if needed, then copies the addon to prebuilds/<target>/ and checks it
// loads. Invariants: the copy is the exact build output; a stale prebuilt for the same target
// is replaced; the step fails (and so the pack) if the addon does not load.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeTarget, prebuiltAddon, sourceBuiltAddon } from "./native-target.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const build = spawnSync(process.execPath, [join(root, "scripts", "build-native.mjs")], {
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);

const target = nativeTarget();
const out = prebuiltAddon(root, target);
mkdirSync(dirname(out), { recursive: true });
copyFileSync(sourceBuiltAddon(root), out);
const addon = createRequire(import.meta.url)(out);
if (typeof addon.lock !== "function") {
  console.error(`@spool/core: the prebuilt addon at ${out} does not export the lock functions`);
  process.exit(1);
}
console.error(`@spool/core: prebuilt addon for ${target} at prebuilds/${target}/`);
