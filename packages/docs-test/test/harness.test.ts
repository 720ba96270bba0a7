/**
 * The doc-test's own rules: directives parse (and typos are errors), rewrites touch only the
 * server address and oversized pool sizes, an unmarked failing block fails, a marked one is
 * skipped, exit and output expectations are checked, and long-running follows are stopped.
 */
import { describe, expect, test } from "vitest";
import { extractBlocks } from "../src/extract.js";
import { rewrite, runDoc } from "../src/run-doc.js";

describe("extractBlocks", () => {
  test("reads fences, their language, indentation and the directives right above them", () => {
    const md = [
      "text",
      "<!-- doctest: skip: needs root -->",
      "```sh",
      "sudo true",
      "```",
      "1. step",
      "",
      "   <!-- doctest: exit: 3 -->",
      "",
      "   <!-- doctest: stdout: /^a$/ -->",
      "   ```bash",
      "   echo a",
      "   ```",
      "```",
      "plain",
      "```",
    ].join("\n");
    const [first, second, third] = extractBlocks(md);
    expect(first).toMatchObject({ line: 3, lang: "sh", code: "sudo true" });
    expect(first?.directives.skip).toBe("needs root");
    expect(second).toMatchObject({ line: 11, lang: "bash", code: "echo a", errors: [] });
    expect(second?.directives.exit).toBe(3);
    expect(second?.directives.stdout[0]).toBeInstanceOf(RegExp);
    expect(third).toMatchObject({ lang: "", code: "plain" });
    expect(third?.directives.skip).toBeUndefined();
  });

  test("an unknown directive or a skip without a reason is an error", () => {
    const [typo, bare] = extractBlocks(
      "<!-- doctest: skp: x -->\n```sh\ntrue\n```\n<!-- doctest: skip -->\n```sh\ntrue\n```\n",
    );
    expect(typo?.errors).toEqual(['unknown doctest directive "skp"']);
    expect(bare?.errors[0]).toMatch(/skip needs a reason/);
  });
});

test("rewrite: the server address and sizes over 8M only", () => {
  expect(rewrite("curl http://127.0.0.1:9700/v0/pools", 4321)).toBe(
    "curl http://127.0.0.1:4321/v0/pools",
  );
  expect(rewrite("--size 64M --create-size 256M --size 8M --size 1G --size 512K", undefined)).toBe(
    "--size 8M --create-size 8M --size 8M --size 8M --size 512K",
  );
});

test("runDoc: failures, skips, expectations, a stopped follow, and a fresh sandbox", async () => {
  const md = [
    "```sh",
    "false",
    "```",
    "<!-- doctest: skip: cannot run here -->",
    "```sh",
    "false",
    "```",
    "<!-- doctest: exit: 3 -->",
    "<!-- doctest: stderr: NotFound -->",
    "```sh",
    "spool fetch nope 1",
    "```",
    "<!-- doctest: long-running: follow runs until Ctrl-C -->",
    '<!-- doctest: stdout: "data":{"a":1} -->',
    "```sh",
    "npx spool feed p --create '{\"a\":1}'",
    "spool follow p --tail 1",
    'echo "HOME=$HOME SPOOL_DIR=$SPOOL_DIR"',
    "```",
    '<!-- doctest: stdout: "never printed" -->',
    "```sh",
    "spool pool list",
    "```",
    "```json",
    "{not json}",
    "```",
    "<!-- doctest: sandbox: fresh -->",
    "<!-- doctest: exit: 3 -->",
    "```sh",
    "spool fetch p 1",
    "```",
    "<!-- doctest: long-running: follow runs until Ctrl-C -->",
    "```sh",
    "spool follow missing",
    "```",
    "<!-- doctest: needs: jq no-such-tool-here -->",
    "```sh",
    "no-such-tool-here",
    "```",
  ].join("\n");
  const results = await runDoc(md);
  expect(results.map((r) => r.outcome)).toEqual([
    "failed",
    "skipped",
    "passed",
    "passed",
    "failed",
    "failed",
    "passed",
    "failed",
    "skipped",
  ]);
  expect(results[8]?.detail).toBe("needs no-such-tool-here (not installed)");
  expect(results[7]?.detail).toBe("spool follow missing: exited 3");
  expect(results[0]?.detail).toBe("exit status 1, expected 0");
  expect(results[3]?.stdout).toMatch(/HOME=\S+\/spool-doctest-\w+\/home SPOOL_DIR=\S+\/pools/);
  expect(results[4]?.detail).toBe('stdout lacks "never printed"');
  expect(results[5]?.detail).toMatch(/not valid JSON/);
});
