// Makes a package's tarball self-contained: every run-time dependency goes inside it as
// bundleDependencies, so `npm install -g <the spool tarball>` works alone (npm counts the
// dependencies of a bundled package as bundled too, so the closure is bundled whole).
// Invariants: bundled workspace packages are the exact tarballs packed in the same run; the
// third-party closure is installed by npm as a user's install would lay it out, direct
// dependencies at the versions the workspace lockfile resolved; one range per name (a conflict
// is an error); the tarball keeps its name and the `package/` layout npm expects.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { internalDependencies } from "./workspace.mjs";

function untar(tarball, into) {
  mkdirSync(into, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", into, "--strip-components=1"]);
}

/** Every workspace package `pkg` needs at run time, transitively, in a stable order. */
function bundledNames(pkg, byName) {
  const names = new Set(byName.keys());
  const out = new Set();
  const walk = (manifest) => {
    for (const dep of internalDependencies(manifest, names)) {
      if (out.has(dep)) continue;
      out.add(dep);
      walk(byName.get(dep).manifest);
    }
  };
  walk(pkg.manifest);
  return [...out].sort();
}

/** The version of `dep` installed for the workspace package in `dir` (what the lockfile pins). */
function pinnedVersion(dir, dep) {
  const file = join(dir, "node_modules", ...dep.split("/"), "package.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : undefined;
}

/**
 * Rewrites `tarballs.get(pkg.name)` in place with all its run-time dependencies bundled: the
 * workspace ones from this run's tarballs, the third-party ones installed by npm at the versions
 * the workspace lockfile pins for the direct ones. `packages` are the public packages; returns
 * the bundled workspace package names.
 */
export function bundleWorkspaceDependencies(pkg, packages, tarballs) {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const bundled = bundledNames(pkg, byName);
  if (bundled.length === 0) return [];
  const stage = mkdtempSync(join(tmpdir(), "spool-bundle-"));
  try {
    const root = join(stage, "package");
    const outer = tarballs.get(pkg.name);
    untar(outer, root);
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    // name -> [range, whose]: every third-party run-time dependency of the closure, once.
    const thirdParty = new Map();
    const addThirdParty = (owner, deps) => {
      for (const [dep, range] of Object.entries(deps ?? {})) {
        if (byName.has(dep)) continue;
        const seen = thirdParty.get(dep);
        if (seen && seen[0] !== range) {
          throw new Error(
            `${pkg.name} bundles ${owner}, which needs ${dep}@${range}, but ${seen[1]} needs ${dep}@${seen[0]}: give both the same range`,
          );
        }
        if (!seen) thirdParty.set(dep, [range, owner]);
      }
    };
    addThirdParty(pkg.name, manifest.dependencies);
    for (const name of bundled) addThirdParty(name, byName.get(name).manifest.dependencies);
    // Install the closure into the stage: workspace packages from their tarballs, third-party
    // ones at the versions the workspace resolved (npm hoists and nests as a user install would).
    const install = {};
    for (const name of bundled) install[name] = `file:${tarballs.get(name)}`;
    for (const [dep, [range, owner]] of thirdParty) {
      const ownerDir = (byName.get(owner) ?? pkg).dir;
      install[dep] = pinnedVersion(ownerDir, dep) ?? range;
    }
    writeFileSync(
      join(root, "package.json"),
      JSON.stringify({ name: "spool-bundle-stage", private: true, dependencies: install }),
    );
    execFileSync(
      "npm",
      ["install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock"],
      { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
    );
    const dependencies = {};
    for (const name of bundled) dependencies[name] = byName.get(name).manifest.version;
    for (const [dep, [range]] of thirdParty) dependencies[dep] = range;
    manifest.dependencies = Object.fromEntries(
      Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)),
    );
    manifest.bundleDependencies = Object.keys(manifest.dependencies);
    delete manifest.devDependencies;
    writeFileSync(join(root, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(outer);
    const packed = execFileSync("npm", ["pack", "--json", "--pack-destination", stage], {
      cwd: root,
      encoding: "utf8",
      // the JSON lists every file of the closure (over 1 MiB of text with ink's dependencies)
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, npm_config_ignore_scripts: "true" },
    });
    const [{ filename }] = JSON.parse(packed);
    copyFileSync(join(stage, filename), outer);
    return bundled;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
