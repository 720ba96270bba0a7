/**
 * The doc-test: every fenced block of README.md and docs/*.md is run (shell), checked (JSON) or
 * explicitly marked `<!-- doctest: skip: WHY -->`; a block that is neither passing nor marked
 * fails the file's test with its line, the reason and its output. Files run concurrently, each
 * in its own sandbox; blocks within a file run in order, sharing that sandbox.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { type BlockResult, REPO_ROOT, runDocFile } from "../src/run-doc.js";

const DOCS = [
  join(REPO_ROOT, "README.md"),
  ...readdirSync(join(REPO_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(REPO_ROOT, "docs", name)),
];

function report(file: string, result: BlockResult): string {
  const where = `${relative(REPO_ROOT, file)}:${result.block.line}`;
  const output = [
    result.stdout && `stdout:\n${result.stdout}`,
    result.stderr && `stderr:\n${result.stderr}`,
  ]
    .filter(Boolean)
    .join("\n");
  return `${where}: ${result.detail}\n${result.block.code}\n${output}`;
}

describe.concurrent("doc examples", () => {
  for (const file of DOCS) {
    test(relative(REPO_ROOT, file), async () => {
      const results = await runDocFile(file);
      const failed = results.filter((r) => r.outcome === "failed").map((r) => report(file, r));
      for (const r of results)
        if (r.outcome === "skipped" && r.detail?.endsWith("(not installed)"))
          console.warn(`${relative(REPO_ROOT, file)}:${r.block.line}: skipped, ${r.detail}`);
      expect(failed).toEqual([]);
    });
  }
});
