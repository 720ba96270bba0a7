// version, help, completion scripts (exercised in a real bash), doctor on healthy pools, and
// the global options.
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI, cliLine, jsonLines, run, runTty, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe("help and version", () => {
  it("prints help with every command, and per-command help, with status 0", async () => {
    const top = await run(dir, ["--help"]);
    expect(top.code).toBe(0);
    for (const c of [
      "pool <command>",
      "feed <pool> [data]",
      "fetch <pool> <seq>",
      "follow <pool>",
      "duplex <pool>",
      "tap <pool>",
      "doctor [pool]",
      "version",
      "completion <shell>",
    ]) {
      expect(top.stdout).toContain(`spool ${c}`);
    }
    expect(top.stdout).not.toContain("__complete");
    const feed = await run(dir, ["feed", "--help"]);
    expect(feed.code).toBe(0);
    expect(feed.stdout).toContain("--create-size");
    expect((await run(dir, ["pool", "--help"])).stdout).toContain("spool pool create <names..>");
  });

  it("without a command prints help to a terminal stderr and exits 2", async () => {
    // (a piped stderr gets only the JSON error line, spec §8: see review-args.test.ts)
    const r = await runTty(dir, cliLine([]));
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("spool <command>");
    expect(r.stdout).toContain("no command given");
  });
});

describe("completion", () => {
  it("prints scripts for bash, zsh and fish, and refuses other shells", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await run(dir, ["completion", shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("spool __complete --");
    }
    expect((await run(dir, ["completion", "tcsh"])).code).toBe(2);
  });

  it("completes commands, subcommands, options, choices and pool names in bash", async () => {
    await run(dir, ["pool", "create", "alpha", "beta"]);
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync(CLI, join(bin, "spool"));
    const script = (await run(dir, ["completion", "bash"])).stdout;
    const complete = (...words: string[]): string[] => {
      const line = `${script}\nCOMP_WORDS=(spool ${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length}; _spool_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync("bash", ["-c", line], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SPOOL_DIR: dir },
        encoding: "utf8",
      });
      return r.stdout.split("\n").filter(Boolean);
    };
    expect(complete("fo")).toEqual(["follow"]);
    expect(complete("pool", "")).toEqual(["create", "list", "info", "delete"]);
    expect(complete("follow", "--ta")).toEqual(["--tail", "--tag"]);
    expect(complete("follow", "--gap", "")).toEqual(["continue", "error"]);
    expect(complete("feed", "a")).toEqual(["alpha"]);
    expect(complete("completion", "")).toEqual(["bash", "zsh", "fish"]);
  });
});

describe("doctor", () => {
  it("reports healthy pools with status 0, and needs POOL or --all", async () => {
    await run(dir, ["pool", "create", "a", "b"]);
    await run(dir, ["feed", "a", "-q"], { input: "1\n2\n" });
    const r = await run(dir, ["doctor", "--all", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      pools: [
        {
          name: "a",
          path: `${dir}/a.spool`,
          ok: true,
          messages: 2,
          bounds: { oldest: 1, newest: 2 },
          issues: [],
        },
        { name: "b", path: `${dir}/b.spool`, ok: true, messages: 0, bounds: {}, issues: [] },
      ],
    });
    const human = await run(dir, ["doctor", "a"]);
    expect(human.stdout).toMatch(/^ok {3}a \(2 messages, seq 1\.\.2; .*a\.spool\)\n$/);
    expect((await run(dir, ["doctor"])).code).toBe(2);
    const missing = await run(dir, ["doctor", "ghost", "--json"]);
    expect(missing.code).toBe(3);
    expect((JSON.parse(missing.stdout) as { ok: boolean }).ok).toBe(false);
    expect(jsonLines(missing.stderr)).toEqual([]);
  });
});
