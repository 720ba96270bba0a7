// version, help, completion scripts (exercised in a real bash), doctor on healthy pools, and
// the global options.
import { spawnSync } from "node:child_process";
import { accessSync, mkdirSync, realpathSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { launcherFor, quoteFor } from "../src/lib/launcher.js";
import { CLI, cliLine, jsonLines, PACKAGE_DIR, run, runTty, tempDir } from "./helpers.js";

/** The committed bin, as `npx spool` runs it, and this test's PATH minus every `spool`. */
const BIN = join(PACKAGE_DIR, "bin", "spool.js");
const PATH_WITHOUT_SPOOL = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((d) => {
    try {
      accessSync(join(d, "spool"));
      return false;
    } catch {
      return true;
    }
  })
  .join(delimiter);

/** `node BIN completion SHELL` with `path` as PATH. */
function completionVia(shell: string, path: string): string {
  const r = spawnSync(process.execPath, [BIN, "completion", shell], {
    env: { ...process.env, PATH: path },
    encoding: "utf8",
  });
  expect(r.status).toBe(0);
  return r.stdout;
}

/** Sources a bash script and completes `spool WORDS...` in a real bash with `env`. */
function bashComplete(script: string, env: NodeJS.ProcessEnv, ...words: string[]): string[] {
  const line = `${script}\nCOMP_WORDS=(spool ${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length}; _spool_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["-c", line], { env, encoding: "utf8" });
  return r.stdout.split("\n").filter(Boolean);
}

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
      expect(r.stdout).toContain(" __complete --");
      expect(r.stdout).toMatch(/^# Candidates come from: .* __complete$/m);
      expect(r.stdout).toMatch(/^(complete -c spool|compdef _spool spool$|complete .* spool$)/m);
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

  it("embeds node and the bin when PATH has no spool (npx), and that script completes", () => {
    const script = completionVia("bash", PATH_WITHOUT_SPOOL);
    const launcher = `${quoteFor("bash", process.execPath)} ${quoteFor("bash", realpathSync(BIN))}`;
    expect(script).toContain(`# Candidates come from: ${launcher} __complete\n`);
    expect(script).toContain(`COMPREPLY=($(${launcher} __complete -- `);
    expect(script).toContain("complete -o default -F _spool_completion spool\n");
    const env = { ...process.env, PATH: PATH_WITHOUT_SPOOL, SPOOL_DIR: dir };
    expect(bashComplete(script, env, "fe")).toEqual(["feed", "fetch"]);
    expect(bashComplete(script, env, "follow", "--ta")).toEqual(["--tail", "--tag"]);
    // npx puts its node_modules/.bin on the CLI's PATH only: such a spool does not count
    const npxBin = join(dir, "npx", "node_modules", ".bin");
    mkdirSync(npxBin, { recursive: true });
    symlinkSync(BIN, join(npxBin, "spool"));
    expect(completionVia("bash", `${npxBin}${delimiter}${PATH_WITHOUT_SPOOL}`)).toContain(launcher);
  });

  it("calls plain spool when PATH's spool is the running bin, else the launcher", () => {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync(BIN, join(bin, "spool"));
    const path = `${bin}${delimiter}${PATH_WITHOUT_SPOOL}`;
    const script = completionVia("bash", path);
    expect(script).toContain("# Candidates come from: spool __complete\n");
    expect(script).toContain("COMPREPLY=($(spool __complete -- ");
    expect(script).not.toContain(process.execPath);
    const env = { ...process.env, PATH: path, SPOOL_DIR: dir };
    expect(bashComplete(script, env, "fe")).toEqual(["feed", "fetch"]);
    for (const shell of ["zsh", "fish"]) {
      const text = completionVia(shell, path);
      expect(text).toContain("# Candidates come from: spool __complete\n");
      expect(text).not.toContain(process.execPath);
    }
    // a different spool first on PATH: the script must not call it
    const other = join(dir, "other");
    mkdirSync(other);
    symlinkSync(CLI, join(other, "spool"));
    expect(completionVia("bash", `${other}${delimiter}${path}`)).toContain(
      `${quoteFor("bash", process.execPath)} ${quoteFor("bash", realpathSync(BIN))} __complete`,
    );
  });

  it("quotes the launcher for each shell (spaces, quotes, backslashes)", () => {
    const node = join(dir, `it's a "node" \\ dir`, "node");
    const bin = join(dir, "bin's", "spool.js");
    mkdirSync(join(bin, ".."), { recursive: true });
    symlinkSync(BIN, bin);
    const env = { PATH: PATH_WITHOUT_SPOOL };
    const real = realpathSync(BIN);
    expect(launcherFor("bash", env, bin, node)).toBe(
      `'${node.replaceAll("'", "'\\''")}' '${real.replaceAll("'", "'\\''")}'`,
    );
    expect(launcherFor("zsh", env, bin, node)).toBe(launcherFor("bash", env, bin, node));
    const fish = (p: string): string => `'${p.replace(/[\\']/g, "\\$&")}'`;
    expect(launcherFor("fish", env, bin, node)).toBe(`${fish(node)} ${fish(real)}`);
    expect(quoteFor("fish", `a'b\\c d`)).toBe(`'a\\'b\\\\c d'`);
    expect(quoteFor("bash", `a'b\\c d`)).toBe(`'a'\\''b\\c d'`);
    // bash reads its quoting back to the same words
    const words = [node, `x'y`, `back\\slash`, `$HOME "q"`];
    const r = spawnSync(
      "bash",
      ["-c", `printf '%s\\n' ${words.map((w) => quoteFor("bash", w)).join(" ")}`],
      {
        encoding: "utf8",
      },
    );
    expect(r.stdout).toBe(`${words.join("\n")}\n`);
    expect(launcherFor("fish", env, join(dir, "missing.js"), node)).toBe("spool");
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
