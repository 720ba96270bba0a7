// Mistakes a user makes at the command line get an answer that says what they meant: the likely
// command or flag for a typo, `spool help CMD`, the bad number as typed, and `--create-size`
// without `--create` refused instead of silently ignored.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closest, editDistance } from "../src/lib/suggest.js";
import { jsonLines, type RunResult, run } from "./helpers.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "spool-dym-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function usageError(r: RunResult): { message: string; hint: string } {
  expect(r.code).toBe(2);
  const [line] = jsonLines(r.stderr) as {
    error: { kind: string; message: string; hint: string };
  }[];
  expect(line?.error.kind).toBe("Usage");
  return line?.error as { message: string; hint: string };
}

describe("closest", () => {
  it("finds a typo within two edits, never the word itself, nothing for unrelated words", () => {
    expect(editDistance("tial", "tail")).toBe(1); // a swap of neighbours is one edit
    expect(closest("folow", ["feed", "follow", "fetch"])).toBe("follow");
    expect(closest("--tags", ["--tag", "--tail", "--since"])).toBe("--tag");
    expect(closest("follow", ["follow"])).toBeUndefined();
    expect(closest("zzzzzz", ["feed", "follow"])).toBeUndefined();
    expect(closest("fd", ["feed"])).toBeUndefined(); // short words only get near misses
  });
});

describe("the command line", () => {
  it("suggests the command for a typo, also among the pool commands", async () => {
    const command = usageError(await run(dir, ["folow", "x"]));
    expect(command.message).toBe("unknown command `folow`; did you mean `follow`?");
    expect(command.hint).toContain("spool follow --help");
    const pool = usageError(await run(dir, ["pool", "craete", "x"]));
    expect(pool.message).toBe("unknown command `pool craete`; did you mean `pool create`?");
    const none = usageError(await run(dir, ["frobnicate"]));
    expect(none.message).toBe("unknown command `frobnicate`");
  });

  it("suggests the flag for a typo, from the command's own options", async () => {
    expect(usageError(await run(dir, ["follow", "x", "--tial", "3"])).message).toBe(
      "unknown option --tial for `spool follow`; did you mean --tail?",
    );
    expect(usageError(await run(dir, ["follow", "x", "--tags", "a"])).message).toBe(
      "unknown option --tags for `spool follow`; did you mean --tag?",
    );
    expect(usageError(await run(dir, ["feed", "x", "--craete"])).message).toContain(
      "did you mean --create?",
    );
    expect(usageError(await run(dir, ["follow", "x", "--zzzzzz"])).message).toBe(
      "unknown option --zzzzzz for `spool follow`",
    );
  });

  it("`spool help CMD` prints the command's help, like `spool CMD --help`", async () => {
    const viaHelp = await run(dir, ["help", "follow"]);
    const viaFlag = await run(dir, ["follow", "--help"]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toContain("--tail");
    const group = await run(dir, ["help", "pool", "create"]);
    expect(group.stdout).toBe((await run(dir, ["pool", "create", "--help"])).stdout);
    const top = await run(dir, ["help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("spool help <command>");
    expect(usageError(await run(dir, ["help", "folow"])).message).toContain(
      "did you mean `follow`?",
    );
  });

  it("a bad number shows the text as typed, not null", async () => {
    expect(usageError(await run(dir, ["follow", "x", "--tail", "abc"])).message).toBe(
      "--tail must be a number (got abc)",
    );
    expect(usageError(await run(dir, ["follow", "x", "--tail=1x"])).message).toBe(
      "--tail must be a number (got 1x)",
    );
  });

  it("--create-size without --create is a Usage error, and nothing is created", async () => {
    for (const args of [
      ["feed", "x", "{}", "--create-size", "64K"],
      ["tap", "x", "--create-size", "64K", "--", "true"],
    ]) {
      const error = usageError(await run(dir, args));
      expect(error.message).toBe("--create-size needs --create");
    }
    const listed = await run(dir, ["pool", "list", "--json"]);
    expect(listed.stdout).not.toContain('"x"');
  });
});
