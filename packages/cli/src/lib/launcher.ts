/**
 * The command that runs this CLI again, for scripts it prints (completion): plain `spool` when
 * the shell would find this very CLI by that name, else the exact launcher (node + bin script).
 *
 * Invariants: `spool` is chosen only when the first executable `spool` on PATH has the same
 * realpath as the running bin (realpath of process.argv[1]); PATH entries inside a
 * `node_modules/.bin` are skipped, since npx/npm exec/pnpm put them on the child's PATH only, not
 * on the user's shell's; otherwise the words are process.execPath and the realpath of
 * process.argv[1], each quoted for the target shell. Never throws.
 */
import { accessSync, constants, realpathSync } from "node:fs";
import { basename, delimiter, dirname, isAbsolute, join } from "node:path";

export type Shell = "bash" | "zsh" | "fish";

/** `s` as one word of `shell`, in single quotes. */
export function quoteFor(shell: Shell, s: string): string {
  if (shell === "fish") return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function realpathOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** The first executable `name` on `path` the user's shell would also see, or null. */
function lookup(name: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    if (basename(dir) === ".bin" && basename(dirname(dir)) === "node_modules") continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return null;
}

/** The shell words (already quoted for `shell`) that run this CLI. */
export function launcherFor(
  shell: Shell,
  env: NodeJS.ProcessEnv = process.env,
  argv1: string | undefined = process.argv[1],
  execPath: string = process.execPath,
): string {
  const bin = argv1 === undefined ? null : realpathOrNull(argv1);
  if (bin === null) return "spool";
  const onPath = lookup("spool", env.PATH ?? "");
  if (onPath !== null && realpathOrNull(onPath) === bin) return "spool";
  return `${quoteFor(shell, execPath)} ${quoteFor(shell, bin)}`;
}
