/**
 * The demos the docs point to (`pnpm demo` runs scripts/demo.mjs; quick-start names
 * packages/core/examples/round-trip.mjs) run to the end against a temp HOME and SPOOL_DIR.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { REPO_ROOT } from "../src/run-doc.js";

interface DemoResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

async function runDemo(script: string): Promise<DemoResult> {
  const root = mkdtempSync(join(tmpdir(), "spool-demo-"));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: root, SPOOL_DIR: join(root, "pools") };
  try {
    return await new Promise((resolveRun) => {
      execFile(
        process.execPath,
        [join(REPO_ROOT, script)],
        { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 30_000 },
        (error, stdout, stderr) =>
          resolveRun({ status: error ? (error.code as number | null) : 0, stdout, stderr }),
      );
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test.concurrent.each([
  ["scripts/demo.mjs", /ok {3}demo \(6 messages, seq 1\.\.6;/],
  ["packages/core/examples/round-trip.mjs", /verify: ok/],
])("%s runs to the end", async (script, expected) => {
  const result = await runDemo(script);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(expected);
});
