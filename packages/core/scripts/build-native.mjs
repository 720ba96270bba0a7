#!/usr/bin/env node
// Builds the native lock addon (native/spool_native.c) with node-gyp against the headers of the
// Node running this script. Invariant: never downloads headers (the machine has them next to
// node itself), and skips the build when an up-to-date addon already exists.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const addon = join(root, "build", "Release", "spool_native.node");
const source = join(root, "native", "spool_native.c");

if (existsSync(addon) && statSync(addon).mtimeMs >= statSync(source).mtimeMs) {
  process.exit(0);
}

// Node's own headers live at <prefix>/include/node next to <prefix>/bin/node.
const prefix = resolve(dirname(process.execPath), "..");
const nodedir = process.env.npm_config_nodedir || process.env.SPOOL_NODEDIR || prefix;
if (!existsSync(join(nodedir, "include", "node", "node_api.h"))) {
  console.error(
    `spool: cannot find Node headers under ${nodedir}/include/node; set SPOOL_NODEDIR to the directory that holds include/node`,
  );
  process.exit(1);
}

const require = createRequire(import.meta.url);
let gyp;
try {
  gyp = require.resolve("node-gyp/bin/node-gyp.js");
} catch {
  console.error("spool: node-gyp is not installed; run the package manager's install first");
  process.exit(1);
}
// configure + build (not rebuild): an existing addon stays in place until the new one is linked,
// so processes using the package while it rebuilds keep working.
for (const step of ["configure", "build"]) {
  const result = spawnSync(process.execPath, [gyp, step, `--nodedir=${nodedir}`], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
