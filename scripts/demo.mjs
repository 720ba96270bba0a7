#!/usr/bin/env node
// Spool's main job, end to end through the `spool` CLI: create a pool in the default pool
// directory (SPOOL_DIR, else ~/.spool/pools), feed it (inline, piped JSON Lines), and follow it
// while another process feeds live messages. Prints every command and its output.
// Run with `pnpm demo` from the repository root (it builds first).
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../packages/cli/dist/cli.js", import.meta.url));
const env = { ...process.env, NO_COLOR: "1" };

function run(args, input) {
  console.log(`\n$ spool ${args.map((a) => (/[\s{}"']/.test(a) ? `'${a}'` : a)).join(" ")}`);
  const result = spawnSync(process.execPath, [cli, ...args], { input, env, encoding: "utf8" });
  process.stdout.write(result.stdout);
  process.stdout.write(result.stderr);
  return result.status;
}

const created = run(["pool", "create", "demo", "--size", "1M"]);
if (created !== 0 && created !== 4) process.exit(created ?? 1); // 4: it already exists
run(["feed", "demo", '{"step":"lint","ok":true}', "--tag", "build"]);
run(
  ["feed", "demo", "--tag", "build"],
  '{"step":"test","ok":true}\n{"step":"deploy","ok":false}\n',
);

console.log(
  "\n$ spool follow demo --tail 3 --timeout 2s   # while another process feeds 3 live messages",
);
const follower = spawn(
  process.execPath,
  [cli, "follow", "demo", "--tail", "3", "--timeout", "2s"],
  {
    env,
    stdio: ["ignore", "inherit", "inherit"],
  },
);
await new Promise((resolve) => setTimeout(resolve, 500));
for (let i = 1; i <= 3; i++) {
  spawnSync(process.execPath, [cli, "feed", "demo", JSON.stringify({ live: i }), "--tag", "live"], {
    env,
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await new Promise((resolve) => follower.on("exit", resolve));

run(["pool", "info", "demo"]);
run(["doctor", "demo"]);
console.log("\nTry it yourself: npx spool --help   (from this directory)");
