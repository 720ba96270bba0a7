#!/usr/bin/env node
// Builds the native addon (native/*.c: locks, mappings, CRC-32) with node-gyp against the headers of the
// Node running this script (the fallback where no prebuilt addon fits, and the build in a clone).
// Invariants: uses the headers next to node itself when they are there; skips the build when an
// up-to-date addon already exists; the old addon stays usable until the new one is linked.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceBuiltAddon } from "./native-target.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const addon = sourceBuiltAddon(root);
const nativeDir = join(root, "native");
const sources = [
  join(root, "binding.gyp"),
  ...readdirSync(nativeDir)
    .filter((name) => /\.[ch]$/.test(name))
    .map((name) => join(nativeDir, name)),
];
const newestSource = Math.max(...sources.map((file) => statSync(file).mtimeMs));

if (existsSync(addon) && statSync(addon).mtimeMs >= newestSource) {
  process.exit(0);
}

// Node's own headers live at <prefix>/include/node next to <prefix>/bin/node; where they do not,
// node-gyp finds (or fetches) the headers itself, as it does for any native package.
const prefix = resolve(dirname(process.execPath), "..");
const nodedir = process.env.npm_config_nodedir || process.env.SPOOL_NODEDIR || prefix;
const nodedirArgs = existsSync(join(nodedir, "include", "node", "node_api.h"))
  ? [`--nodedir=${nodedir}`]
  : [];

/**
 * node-gyp as [command, ...args]: the repository's own copy (a devDependency), else the one the
 * package manager running this install provides (npm and pnpm ship it and name it in
 * npm_config_node_gyp), else `node-gyp` on PATH (where both add their copy during scripts).
 */
function nodeGyp() {
  try {
    return [process.execPath, createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js")];
  } catch {
    const provided = process.env.npm_config_node_gyp;
    if (provided && existsSync(provided)) return [process.execPath, provided];
    return ["node-gyp"];
  }
}

// configure + build (not rebuild): an existing addon stays in place until the new one is linked,
// so processes using the package while it rebuilds keep working.
const [gyp, ...gypArgs] = nodeGyp();
for (const step of ["configure", "build"]) {
  const result = spawnSync(gyp, [...gypArgs, step, ...nodedirArgs], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.error) {
    console.error(
      `spool: cannot run node-gyp (${result.error.message}); install node-gyp or use npm or pnpm, which ship it`,
    );
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}
