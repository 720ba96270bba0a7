// Temporary directories for benchmark files: one root under os.tmpdir() per run, removed at the
// end (and on SIGINT/SIGTERM), so a run leaves nothing behind.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let root;
let counter = 0;

/** The run's root directory (created on first use). */
export function tempRoot() {
  if (!root) {
    root = mkdtempSync(join(tmpdir(), "spool-bench-"));
    const onSignal = (signal) => {
      removeTempRoot();
      process.kill(process.pid, signal);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  return root;
}

/** A fresh empty directory inside the run's root. */
export function freshDir(label) {
  const safe = label.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
  const dir = join(tempRoot(), `${safe}-${++counter}`);
  mkdirSync(dir);
  return dir;
}

/** Removes a directory made by freshDir. */
export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Removes the run's root directory. */
export function removeTempRoot() {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}
