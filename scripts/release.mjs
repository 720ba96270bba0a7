#!/usr/bin/env node
// Spool's release: checks, builds, packs and publishes every public package in dependency order.
//
//   node scripts/release.mjs check                 metadata, READMEs, changesets (no build)
//   node scripts/release.mjs pack --out DIR        build, then DIR/<name>-<version>.tgz each
//   node scripts/release.mjs publish --dry-run     all of the above, then `npm publish --dry-run`
//   node scripts/release.mjs publish [--tag next]  the real thing (needs npm credentials)
//
// Invariants: packages are packed by pnpm (workspace: ranges become versions) and published
// from those exact tarballs, dependencies first; the spool CLI's tarball bundles its workspace
// dependencies (scripts/release/bundle.mjs); a real publish refuses pending changesets (run
// `pnpm changeset version` and commit first) and versions the registry already has.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundleWorkspaceDependencies } from "./release/bundle.mjs";
import { checkTarball } from "./release/tarball.mjs";
import { publicPackages, ROOT, releaseProblems } from "./release/workspace.mjs";

const PNPM = ["-y", "pnpm@10.34.8"];
/** Packages whose tarball carries its workspace dependencies inside. */
const SELF_CONTAINED = new Set(["spool"]);

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { cwd: ROOT, stdio: "inherit", ...options });
}

function fail(lines) {
  for (const line of lines) console.error(`release: ${line}`);
  process.exit(1);
}

/** Metadata and README problems of every public package (exits when there are any). */
function check(packages) {
  const problems = packages.flatMap(releaseProblems);
  if (problems.length > 0) fail(problems);
  console.error(
    `release: ${packages.length} packages ready: ${packages.map((p) => p.name).join(", ")}`,
  );
}

/** Names of packages with pending changesets (empty when versions are applied). */
function pendingChangesets() {
  const dir = join(ROOT, ".changeset");
  return readdirSync(dir).filter((f) => f.endsWith(".md") && f !== "README.md");
}

/** Packs every package into `out`, in order; returns name → tarball path. */
function pack(packages, out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tarballs = new Map();
  for (const pkg of packages) {
    const before = new Set(readdirSync(out));
    // Lifecycle output (core's prepack) goes to stderr; the tarball is the one new file.
    execFileSync("npx", [...PNPM, "pack", "--pack-destination", out], {
      cwd: pkg.dir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const made = readdirSync(out).filter((f) => !before.has(f));
    if (made.length !== 1) fail([`pnpm pack of ${pkg.name} made ${made.length} files in ${out}`]);
    tarballs.set(pkg.name, resolve(out, made[0]));
  }
  for (const pkg of packages) {
    if (!SELF_CONTAINED.has(pkg.name)) continue;
    const bundled = bundleWorkspaceDependencies(pkg, packages, tarballs);
    console.error(`release: ${pkg.name} bundles ${bundled.join(", ")}`);
  }
  const problems = packages.flatMap((pkg) => checkTarball(pkg, tarballs.get(pkg.name)));
  if (problems.length > 0) fail(problems);
  for (const pkg of packages) console.error(`release: packed ${tarballs.get(pkg.name)}`);
  return tarballs;
}

function alreadyPublished(name, version) {
  try {
    execFileSync("npm", ["view", `${name}@${version}`, "version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    tag: { type: "string", default: "latest" },
  },
});
const [command] = positionals;
const packages = publicPackages();

if (command === "check") {
  check(packages);
} else if (command === "pack" || command === "publish") {
  check(packages);
  if (!values["no-build"]) run("npx", [...PNPM, "build"]);
  const dryRun = values["dry-run"];
  if (command === "publish" && !dryRun) {
    const pending = pendingChangesets();
    if (pending.length > 0) {
      fail([
        `${pending.length} changesets are pending (${pending.slice(0, 3).join(", ")}...)`,
        "run `npx -y pnpm@10.34.8 changeset version`, review and commit the versions and changelogs, then publish",
      ]);
    }
  }
  const out = resolve(values.out ?? join(ROOT, ".release"));
  const tarballs = pack(packages, out);
  if (command === "publish") {
    for (const pkg of packages) {
      const version = pkg.manifest.version;
      if (!dryRun && alreadyPublished(pkg.name, version)) {
        fail([`${pkg.name}@${version} is already on the registry: version the packages first`]);
      }
      const args = ["publish", tarballs.get(pkg.name), "--access", "public", "--tag", values.tag];
      if (dryRun) args.push("--dry-run");
      run("npm", args);
    }
    console.error(`release: ${dryRun ? "dry run of" : "published"} ${packages.length} packages`);
  }
} else {
  fail([
    `unknown command ${command === undefined ? "(none)" : JSON.stringify(command)}`,
    "usage: node scripts/release.mjs check | pack --out DIR [--no-build] | publish [--dry-run] [--tag TAG] [--no-build]",
  ]);
}
