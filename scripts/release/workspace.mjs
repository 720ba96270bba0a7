// The public packages of the workspace, in publishing order, and the checks a package must pass
// before it is packed. Invariants: a package comes after every workspace package it depends on
// (dependencies, optional and peer dependencies); private packages are never released; a
// failed check names the package, the field and the fix.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository's root (this file is scripts/release/workspace.mjs). */
export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** The repository every package names as its home. */
export const REPOSITORY = "https://github.com/spool-dev/spool";

const RUNTIME_FIELDS = ["dependencies", "optionalDependencies", "peerDependencies"];

/** `{name, dir, manifest}` of every workspace package under packages/ and apps/. */
function workspacePackages() {
  const found = [];
  for (const group of ["packages", "apps"]) {
    for (const entry of readdirSync(join(ROOT, group), { withFileTypes: true })) {
      const dir = join(ROOT, group, entry.name);
      const file = join(dir, "package.json");
      if (!entry.isDirectory() || !existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, "utf8"));
      found.push({ name: manifest.name, dir, manifest });
    }
  }
  return found;
}

/** Names of the workspace packages `manifest` needs at run time. */
export function internalDependencies(manifest, names) {
  const out = new Set();
  for (const field of RUNTIME_FIELDS) {
    for (const dep of Object.keys(manifest[field] ?? {})) if (names.has(dep)) out.add(dep);
  }
  return [...out];
}

/** The public packages, each after the workspace packages it depends on. */
export function publicPackages() {
  const all = workspacePackages().filter((p) => p.manifest.private !== true);
  const byName = new Map(all.map((p) => [p.name, p]));
  const names = new Set(byName.keys());
  const ordered = [];
  const state = new Map();
  const visit = (pkg, path) => {
    if (state.get(pkg.name) === "done") return;
    if (state.get(pkg.name) === "visiting") {
      throw new Error(`dependency cycle: ${[...path, pkg.name].join(" -> ")}`);
    }
    state.set(pkg.name, "visiting");
    for (const dep of internalDependencies(pkg.manifest, names).sort()) {
      visit(byName.get(dep), [...path, pkg.name]);
    }
    state.set(pkg.name, "done");
    ordered.push(pkg);
  };
  for (const pkg of [...all].sort((a, b) => a.name.localeCompare(b.name))) visit(pkg, []);
  return ordered;
}

const REQUIRED_FIELDS = [
  "description",
  "license",
  "repository",
  "homepage",
  "bugs",
  "keywords",
  "engines",
  "files",
];

/** Relative links in markdown (`](path)` not starting with a scheme, `#` or `mailto:`). */
function relativeLinks(markdown) {
  const links = [];
  for (const match of markdown.matchAll(/\]\(([^)\s]+)[^)]*\)/g)) {
    const target = match[1];
    if (!/^([a-z][a-z0-9+.-]*:|#)/i.test(target)) links.push(target);
  }
  return links;
}

/** Problems that keep `pkg` from being released, as sentences (empty when it is ready). */
export function releaseProblems(pkg) {
  const problems = [];
  const { manifest, dir, name } = pkg;
  for (const field of REQUIRED_FIELDS) {
    if (manifest[field] === undefined) problems.push(`${name}: package.json has no "${field}"`);
  }
  if (manifest.repository && manifest.repository.url !== `git+${REPOSITORY}.git`) {
    problems.push(`${name}: repository.url should be git+${REPOSITORY}.git`);
  }
  if (manifest.engines && !manifest.engines.node) {
    problems.push(`${name}: engines.node is missing`);
  }
  for (const file of ["README.md", "LICENSE"]) {
    if (!existsSync(join(dir, file))) problems.push(`${name}: ${file} is missing`);
  }
  if (existsSync(join(dir, "README.md"))) {
    for (const link of relativeLinks(readFileSync(join(dir, "README.md"), "utf8"))) {
      problems.push(
        `${name}: README.md links to "${link}", which breaks on the registry; use ${REPOSITORY}/blob/main/...`,
      );
    }
  }
  return problems;
}
