/**
 * What to tell a user whose @spool/core cannot load its native addon: which package manager
 * installed it (read off the installed layout, since no install-time record survives a skipped
 * install script) and that manager's way to allow and rerun the addon's build.
 *
 * Invariants: detection only reads paths and marker files next to the package (never runs a
 * program); every hint names a command of the manager in use, or all of them when unknown.
 */
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, sep } from "node:path";

export type PackageManager = "npm" | "pnpm" | "yarn" | "source" | "unknown";

/** Every `node_modules` directory holding `dir`, nearest first (none in a source checkout). */
function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let at = dir; dirname(at) !== at; at = dirname(at)) {
    if (at.endsWith(`${sep}node_modules`)) found.push(at);
  }
  return found;
}

/** Which package manager laid out the package at `root` (its directory, symlinks resolved). */
export function packageManagerOf(root: string): PackageManager {
  if ((process.versions as { pnp?: string }).pnp !== undefined) return "yarn";
  let real = root;
  try {
    real = realpathSync(root);
  } catch {
    // Keep the given path: detection below only reads names.
  }
  if (real.includes(`${sep}node_modules${sep}.pnpm${sep}`)) return "pnpm";
  const modules = nodeModulesAbove(real);
  if (modules.length === 0) return "source";
  for (const dir of modules) {
    const has = (name: string) => existsSync(join(dir, name));
    if (has(".modules.yaml")) return "pnpm";
    if (has(".yarn-state.yml") || has(".yarn-integrity")) return "yarn";
    if (has(".package-lock.json")) return "npm";
  }
  // npm's global installs (<prefix>/lib/node_modules) and npx's cache keep no marker file.
  if (real.includes(`${sep}lib${sep}node_modules${sep}`) || real.includes(`${sep}_npx${sep}`)) {
    return "npm";
  }
  return "unknown";
}

const FIXES: Record<PackageManager, string> = {
  npm: "npm runs a dependency's install script only once it is approved: `npm install-scripts approve @spool/core` then `npm rebuild @spool/core` in the project (a global install: `npm install -g --allow-scripts=@spool/core spool`)",
  pnpm: "pnpm runs a dependency's build only once it is approved: `pnpm approve-builds` and pick @spool/core (or list it under `onlyBuiltDependencies` in pnpm-workspace.yaml), then `pnpm rebuild @spool/core`",
  yarn: 'yarn runs the build when allowed: set `"dependenciesMeta": {"@spool/core": {"built": true}}` in package.json (and do not disable `enableScripts`), then `yarn rebuild @spool/core` (yarn 1: `yarn install --force`)',
  source:
    "in a clone of the repository, `node packages/core/scripts/install-native.mjs` (or the package manager's install) builds it",
  unknown:
    "allow @spool/core's install script and rerun it: `npm install-scripts approve @spool/core && npm rebuild @spool/core`, `pnpm approve-builds && pnpm rebuild @spool/core`, or `yarn rebuild @spool/core`",
};

/** The hint for an addon that `manager` installed but that cannot be loaded. */
export function nativeAddonHint(manager: PackageManager, reason: "missing" | "unloadable"): string {
  const build =
    reason === "missing"
      ? "its install script builds the addon from source (needs python3, make and a C compiler)"
      : "rebuild the addon from source (needs python3, make and a C compiler)";
  return `${build}; ${FIXES[manager]}`;
}
