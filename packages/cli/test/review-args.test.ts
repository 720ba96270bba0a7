// Review findings on option values and --where: a flag given without its value must be a Usage
// error (spec §1: invalid option values are Usage), not silently ignored; `--where` expressions
// that read further inputs or stop jq are Usage errors (spec §6.3) even when only one message
// is evaluated at a time (live follow, --tail 1).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collect, jsonLines, run, sleep, start, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function usageError(stderr: string): Record<string, unknown> {
  const lines = jsonLines(stderr) as { error?: Record<string, unknown> }[];
  const error = lines.find((l) => l.error)?.error;
  expect(error?.kind).toBe("Usage");
  expect(typeof error?.hint).toBe("string");
  return error as Record<string, unknown>;
}

describe("a flag without its value", () => {
  // Before the fix, `follow p --tail` (e.g. `--tail $N` with N unset) followed from now without
  // replaying, `--replay` followed forever instead of replaying, `--tag`/`--where` filtered
  // nothing, and `feed --retry`/`pool create --index-capacity` used the default.
  it.each(
    [
      ["follow", "p", "--timeout", "0.2", "--tail"],
      ["follow", "p", "--timeout", "0.2", "-n"],
      ["follow", "p", "--timeout", "0.2", "--replay"],
      ["follow", "p", "--timeout", "0.2", "--tag"],
      ["follow", "p", "--timeout", "0.2", "--where"],
      ["follow", "p", "--timeout", "0.2", "--gap"],
      ["feed", "p", "1", "--retry"],
      ["feed", "p", "1", "--tag"],
      ["pool", "create", "q", "--index-capacity"],
      ["follow", "p", "--timeout", "0.2", "--dir"],
    ].map((args) => [args.join(" "), args] as const),
  )("`%s` is a Usage error", async (_name, args) => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const r = await run(dir, args, { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    usageError(r.stderr);
  });

  it("values that look like negative numbers still reach validation", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const r = await run(dir, ["follow", "p", "--tail", "-1"]);
    expect(r.code).toBe(2);
    expect(usageError(r.stderr).message).toContain("--tail");
  });

  it("a flag followed by its value in either form still works", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    expect((await run(dir, ["feed", "p", "-q", "--tag", "a", "--tag=b", "1"])).code).toBe(0);
    const r = await run(dir, ["follow", "p", "--tail=1", "-t", "a", "--timeout", "0.2"]);
    expect(r.code).toBe(124);
    expect(jsonLines(r.stdout)).toMatchObject([{ seq: 1, meta: { tags: ["a", "b"] }, data: 1 }]);
  });
});

describe("--where reading inputs or stopping jq, one message at a time", () => {
  it.each(["input | true", "[inputs] | length >= 0", "first(inputs) | true"])(
    "%s with --tail 1 is a Usage error",
    async (expression) => {
      expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
      expect((await run(dir, ["feed", "p", "-q", "1"])).code).toBe(0);
      const r = await run(dir, [
        "follow",
        "p",
        "--tail",
        "1",
        "--timeout",
        "0.5",
        "--where",
        expression,
      ]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      usageError(r.stderr);
    },
  );

  it("a field or key named input is not mistaken for the builtin", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    expect((await run(dir, ["feed", "p", "-q", '{"input":1}'])).code).toBe(0);
    const r = await run(dir, [
      "follow",
      "p",
      "--tail",
      "1",
      "--timeout",
      "0.3",
      "--where",
      '.data.input == 1 and ({input: 2} | .input == 2) and ("input" | length == 5)',
    ]);
    expect(r.code).toBe(124);
    expect(jsonLines(r.stdout)).toMatchObject([{ seq: 1 }]);
  });
});

describe("feed --file errors name the file, not the pool", () => {
  // Before the fix, `feed p --file /some/dir` said "not a usable pool path: /some/dir (EISDIR)"
  // with a hint about pool names (core's mapping for pool paths).
  it("a directory given to --file", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const r = await run(dir, ["feed", "p", "--file", dir]);
    expect(r.code).toBe(2);
    const error = usageError(r.stderr);
    expect(error.message).toContain("--file");
    expect(error.message).not.toContain("pool path");
    expect(error.hint).toContain("--file");
    expect(error.path).toBe(dir);
  });
});

describe("`spool` without a command", () => {
  // Before the fix the help text was written to stderr before the JSON error line, so a piped
  // stderr did not get "exactly one line" (spec §8).
  it("piped stderr gets exactly the one JSON error line", async () => {
    const r = await run(dir, []);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    usageError(r.stderr);
  });
});

describe("pool delete of a pool in use", () => {
  // The Busy hint must be actionable from the CLI (spec §8): it names `--force`, which exists.
  it("is Busy with a hint the CLI can act on, and --force deletes it", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const follower = start(dir, ["follow", "p", "--timeout", "10s"]);
    const done = collect(follower, 15_000);
    try {
      await sleep(700);
      const r = await run(dir, ["pool", "delete", "p"]);
      expect(r.code).toBe(5);
      const error = (jsonLines(r.stderr)[0] as { error: Record<string, unknown> }).error;
      expect(error.kind).toBe("Busy");
      expect(String(error.hint)).toMatch(/--force/);
      const forced = await run(dir, ["pool", "delete", "p", "--force"]);
      expect(forced.code).toBe(0);
    } finally {
      follower.kill("SIGTERM");
      await done;
    }
  });
});

describe("--where with a trailing jq comment", () => {
  // Before the fix the comment swallowed the brackets of the wrapping program: the expression
  // passed the syntax check, then the first message failed with "--where failed: syntax error".
  it("keeps working", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    expect((await run(dir, ["feed", "p", "-q", "1"])).code).toBe(0);
    const r = await run(dir, [
      "follow",
      "p",
      "--tail",
      "1",
      "--timeout",
      "0.3",
      "--where",
      ".seq > 0 # every message",
      "--where",
      "# a comment line\n.data == 1",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(124);
    expect(jsonLines(r.stdout)).toMatchObject([{ seq: 1, data: 1 }]);
  });
});

describe("--create-size when the pool already exists", () => {
  // Before the fix an invalid --create-size was only parsed when the pool had to be created, so
  // `feed p --create --create-size 5x` succeeded on an existing pool (spec §1: invalid option
  // values are Usage errors).
  it.each([
    ["feed", "p", "--create", "--create-size", "5x", "-q", "1"],
    ["tap", "p", "--create", "--create-size", "1K", "--", "true"],
  ])("%s with an invalid size is a Usage error", async (...args) => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const r = await run(dir, args);
    expect(r.code).toBe(2);
    expect(String(usageError(r.stderr).message)).toContain("--create-size");
    const f = await run(dir, ["pool", "info", "p", "--json"]);
    expect((JSON.parse(f.stdout) as { pool: { message_count: number } }).pool.message_count).toBe(
      0,
    );
  });
});

describe("operands after --", () => {
  // `--` only ends option parsing: before the fix, `feed p -- DATA` ignored DATA and read stdin.
  it("are the command's operands, so data that looks like a flag can be fed", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const inline = await run(dir, ["feed", "p", "--", '{"a":1}'], { input: '{"b":2}\n' });
    expect(inline.code, inline.stderr).toBe(0);
    const negative = await run(dir, ["feed", "p", "-q", "--", "-5"]);
    expect(negative.code, negative.stderr).toBe(0);
    const pool = await run(dir, ["follow", "--", "p", "--since", "1", "--timeout", "0.2"]);
    expect(pool.code).toBe(2); // after --, "--since" is an operand, not an option
    const all = await run(dir, ["follow", "p", "--since", "1", "--data-only", "--timeout", "0.2"]);
    expect(all.stdout).toBe('{"a":1}\n-5\n');
  });

  it("left over are a Usage error, not silently dropped", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const r = await run(dir, ["follow", "p", "--timeout", "0.2", "--", "extra"]);
    expect(r.code).toBe(2);
    expect(usageError(r.stderr).message).toContain('"extra"');
  });
});

describe("follow --max", () => {
  it("prints at most N messages that pass the filters, then exits 0", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const fed = await run(dir, ["feed", "p", "-q"], { input: "1\n2\n3\n4\n5\n" });
    expect(fed.code).toBe(0);
    const plain = await run(dir, ["follow", "p", "--since", "1", "--max", "2", "--data-only"]);
    expect([plain.code, plain.stdout]).toEqual([0, "1\n2\n"]);
    const jsonl = await run(dir, ["follow", "p", "--since", "1", "--max", "3", "--jsonl"]);
    expect((jsonLines(jsonl.stdout) as { seq: number }[]).map((m) => m.seq)).toEqual([1, 2, 3]);
    const filtered = await run(dir, [
      "follow",
      "p",
      "--since",
      "1",
      "--max",
      "2",
      "--where",
      ".data % 2 == 1",
      "--data-only",
    ]);
    expect([filtered.code, filtered.stdout]).toEqual([0, "1\n3\n"]);
    const none = await run(dir, ["follow", "p", "--since", "1", "--max", "0"]);
    expect([none.code, none.stdout]).toEqual([0, ""]);
    const bad = await run(dir, ["follow", "p", "--max", "-1"]);
    expect(bad.code).toBe(2);
  });
});
