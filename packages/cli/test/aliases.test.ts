// The glossary's aliases (spec/cli/v0 §1): `spool get` = `fetch`, `spool append` = `feed`,
// `spool verify` = `doctor`, `--last` = `--tail`, `--gap-policy` = `--gap`; help lists them,
// completion offers them, and did-you-mean suggests them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_GROUPS, COMMANDS, findCommand } from "../src/commands/registry.js";
import { jsonLines, run, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  tmp = tempDir();
  expect((await run(tmp.dir, ["pool", "create", "p"])).code).toBe(0);
});
afterAll(() => tmp.cleanup());

const spool = (...args: string[]) => run(tmp.dir, args);
const complete = async (...words: string[]) =>
  (await spool("__complete", "--", ...words)).stdout.split("\n").filter(Boolean);

describe("command aliases", () => {
  it("name one command each, and never another command's name", () => {
    const names = new Set([
      ...COMMAND_GROUPS.map((g) => g.name),
      "help",
      ...COMMANDS.map((c) => c.path[0] as string),
    ]);
    const aliases = COMMANDS.flatMap((c) => c.aliases ?? []);
    expect(aliases.sort()).toEqual(["append", "get", "verify"]);
    expect(new Set(aliases).size).toBe(aliases.length);
    for (const alias of aliases) expect(names.has(alias), alias).toBe(false);
    expect(findCommand(["get"])?.path).toEqual(["fetch"]);
    expect(findCommand(["append"])?.path).toEqual(["feed"]);
    expect(findCommand(["verify"])?.path).toEqual(["doctor"]);
  });

  it("append, get and verify run feed, fetch and doctor", async () => {
    const appended = await spool("append", "p", '{"a":1}', "--tag", "x");
    expect(appended.code).toBe(0);
    expect(jsonLines(appended.stdout)).toMatchObject([{ seq: 1, meta: { tags: ["x"] } }]);
    expect((await spool("get", "p", "1")).stdout).toBe((await spool("fetch", "p", "1")).stdout);
    const verified = await spool("verify", "p", "--json");
    expect(verified.code).toBe(0);
    expect(verified.stdout).toBe((await spool("doctor", "p", "--json")).stdout);
  });

  it("an alias's help is its command's help, and the command list shows the aliases", async () => {
    const get = await spool("get", "--help");
    expect(get.code).toBe(0);
    expect(get.stdout).toBe((await spool("fetch", "--help")).stdout);
    expect(get.stdout).toContain("Also spelled: spool get");
    expect((await spool("help", "verify")).stdout).toBe((await spool("doctor", "--help")).stdout);
    const top = (await spool("--help")).stdout;
    expect(top).toMatch(/spool feed .*\[aliases: append\]/);
    expect(top).toMatch(/spool fetch .*\[aliases: get\]/);
    expect(top).toMatch(/spool doctor .*\[aliases: verify\]/);
  });

  it("did-you-mean and completion know the command aliases", async () => {
    const r = await spool("verfy", "p");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean `verify`?");
    expect(await complete("ge")).toEqual(["get"]);
    expect(await complete("ap")).toEqual(["append"]);
    expect(await complete("get", "--js")).toEqual(["--jsonl", "--json"]);
  });
});

describe("flag aliases", () => {
  it("--last is --tail in follow and duplex, and an error names the spelling typed", async () => {
    await spool("feed", "p", '{"a":2}');
    const last = await spool("follow", "p", "--last", "1", "--no-follow", "--jsonl");
    expect(jsonLines(last.stdout)).toMatchObject([{ seq: 2 }]);
    expect(last.stdout).toBe(
      (await spool("follow", "p", "--tail", "1", "--no-follow", "--jsonl")).stdout,
    );
    const bad = await spool("follow", "p", "--last", "abc");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--last must be a number (got abc)");
    const short = await spool("follow", "p", "-n", "abc");
    expect(short.stderr).toContain("-n must be a number (got abc)");
    const duplex = await run(tmp.dir, ["duplex", "p", "--last", "1", "--timeout", "300ms"], {
      input: "",
    });
    expect(duplex.code).toBe(124);
    expect(jsonLines(duplex.stdout)).toMatchObject([{ seq: 2 }]);
    expect((await spool("follow", "--help")).stdout).toMatch(/-n, --tail, --last/);
  });

  it("--gap-policy is --gap", async () => {
    const r = await spool("follow", "p", "--gap-policy", "error", "--since", "1", "--no-follow");
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(2);
    const bad = await spool("follow", "p", "--gap-policy", "stop");
    expect(bad.code).toBe(2);
    expect((await spool("follow", "--help")).stdout).toMatch(/--gap, --gap-policy/);
  });

  it("did-you-mean and completion know the flag aliases", async () => {
    expect((await spool("follow", "p", "--lsat", "1")).stderr).toContain("did you mean --last?");
    expect((await spool("follow", "p", "--gap-polcy", "error")).stderr).toContain(
      "did you mean --gap-policy?",
    );
    expect((await spool("follow", "p", "--data-onyl")).stderr).toContain(
      "unknown option --data-onyl for `spool follow`; did you mean --data-only?",
    );
    expect(await complete("follow", "--la")).toEqual(["--last"]);
    expect(await complete("follow", "--gap-policy", "")).toEqual(["continue", "error"]);
    expect(await complete("duplex", "--la")).toEqual(["--last"]);
  });
});
