/**
 * Temporary pool directories for tests: one fresh directory under os.tmpdir() per call, removed
 * by the returned `cleanup` (call it in afterEach/afterAll). Nothing is written outside it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  dir: string;
  /** A path inside the directory. */
  path(name: string): string;
  cleanup(): void;
}

export function makeTempDir(prefix = "spool-test-"): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
