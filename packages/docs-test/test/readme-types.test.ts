/**
 * The TypeScript examples of the package READMEs (and of README.md and docs/*.md, if any)
 * type-check against the real exported API of the built workspace packages.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { REPO_ROOT } from "../src/run-doc.js";
import { typecheckTsBlocks } from "../src/typecheck.js";

function readmes(): string[] {
  const found = [join(REPO_ROOT, "README.md")];
  for (const group of ["packages", "apps"])
    for (const name of readdirSync(join(REPO_ROOT, group))) {
      const readme = join(REPO_ROOT, group, name, "README.md");
      if (existsSync(readme)) found.push(readme);
    }
  for (const name of readdirSync(join(REPO_ROOT, "docs")))
    if (name.endsWith(".md")) found.push(join(REPO_ROOT, "docs", name));
  return found;
}

test("ts blocks type-check", async () => {
  const result = await typecheckTsBlocks(readmes());
  expect(result.checked.length).toBeGreaterThanOrEqual(5);
  expect(result.output).toBe("");
  expect(result.status).toBe(0);
});
