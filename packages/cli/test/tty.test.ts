// Terminal behaviour under a pseudo-terminal (util-linux `script`): human output and colour on
// a TTY, machine output when piped, progress and summaries for streams, and duplex chat.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  baseEnv,
  cliLine,
  collect,
  jsonLines,
  run,
  runTty,
  start,
  stripAnsi,
  tempDir,
  waitFor,
  waitForAsync,
} from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe("on a terminal", () => {
  it("version is human text on a terminal and JSON when piped", async () => {
    const tty = await runTty(dir, cliLine(["version"]));
    expect(tty.stdout).toMatch(
      /^spool \d+\.\d+\.\d+\S* \(@spool\/core \S+, node v\d+\S*, \S+\)\n$/,
    );
    const piped = await run(dir, ["version"]);
    expect(JSON.parse(piped.stdout)).toEqual({
      spool: expect.any(String),
      core: expect.any(String),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    });
    expect(JSON.parse((await run(dir, ["--version"])).stdout)).toMatchObject({
      node: process.version,
    });
  });

  it("feed prints human receipts, and follow/fetch pretty coloured output", async () => {
    await run(dir, ["pool", "create", "p"]);
    const fed = await runTty(dir, cliLine(["feed", "p", '{"ok":true}', "-t", "ci"]));
    expect(stripAnsi(fed.stdout)).toMatch(/^stored #1 \d{4}-\d\d-\d\dT[\d:.]{18}Z \[ci\]\n$/);
    expect(fed.stdout).toContain("\u001b[32mstored");
    const followed = await runTty(dir, cliLine(["follow", "p", "--tail", "1", "--replay", "0"]));
    expect(stripAnsi(followed.stdout)).toMatch(
      /^#1 \d\d:\d\d:\d\d\.\d{3}Z \[ci\] \{"ok":true\}\n$/,
    );
    expect(followed.stdout).toContain("\u001b[36m#1");
    const jsonl = await runTty(
      dir,
      cliLine(["follow", "p", "--tail", "1", "--replay", "0", "--jsonl"]),
    );
    expect(JSON.parse(jsonl.stdout)).toMatchObject({ seq: 1, data: { ok: true } });
    const fetched = await runTty(dir, cliLine(["fetch", "p", "1"]));
    expect(JSON.parse(stripAnsi(fetched.stdout))).toMatchObject({ seq: 1, meta: { tags: ["ci"] } });
    expect(stripAnsi(fetched.stdout)).toContain('\n  "seq": 1,\n');
    const never = await runTty(
      dir,
      cliLine(["--color", "never", "follow", "p", "--tail", "1", "--replay", "0"]),
    );
    expect(never.stdout).not.toContain("\u001b[");
  });

  it("a stream feed shows progress on stderr and a summary instead of per-message receipts", async () => {
    await run(dir, ["pool", "create", "p", "--size", "32M"]);
    let input = "";
    for (let i = 0; i < 150_000; i++) input += `{"i":${i}}\n`;
    writeFileSync(`${dir}/in.jsonl`, input);
    const r = await runTty(dir, cliLine(["feed", "p", "--file", "in.jsonl"]), {
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(0);
    const text = stripAnsi(r.stdout);
    expect(text).toMatch(/fed [\d,]+ messages · [\d,]+\/s/);
    expect(text).toMatch(/stored 150000 message\(s\) \(seq 1\.\.150000\) in [\d.]+s\n$/);
  });

  it("piped stdin into feed: progress on the terminal's stderr, JSON receipts to a redirected stdout", async () => {
    await run(dir, ["pool", "create", "p", "--size", "32M"]);
    let input = "";
    for (let i = 0; i < 150_000; i++) input += `{"i":${i}}\n`;
    writeFileSync(`${dir}/in.jsonl`, input);
    // stdin is a pipe and stdout a file; only stderr is the terminal.
    const r = await runTty(dir, `cat in.jsonl | ${cliLine(["feed", "p"])} > receipts.jsonl`, {
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(0);
    expect(stripAnsi(r.stdout)).toMatch(/fed [\d,]+ messages · [\d,]+\/s/);
    const receipts = jsonLines(readFileSync(`${dir}/receipts.jsonl`, "utf8")) as { seq: number }[];
    expect(receipts).toHaveLength(150_000);
    expect(receipts.at(-1)?.seq).toBe(150_000);
  });

  it("feed with no data refuses to read a terminal", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await runTty(dir, cliLine(["feed", "p"]));
    expect(r.code).toBe(2);
    expect(stripAnsi(r.stdout)).toMatch(/^error: no DATA given and stdin is a terminal\nhint: /);
  });

  it("pool list has a bold header on a terminal", async () => {
    await run(dir, ["pool", "create", "p"]);
    const r = await runTty(dir, cliLine(["pool", "list"]));
    expect(r.stdout).toContain("\u001b[1mNAME");
  });
});

describe("duplex", () => {
  it("on a terminal needs --me", async () => {
    await run(dir, ["pool", "create", "chat"]);
    const r = await runTty(dir, cliLine(["duplex", "chat"]));
    expect(r.code).toBe(2);
    expect(stripAnsi(r.stdout)).toContain("--me");
  });

  it("chats on a terminal: sends typed lines, shows others' messages, not its own", async () => {
    await run(dir, ["pool", "create", "chat"]);
    const child = spawn(
      "script",
      ["-qfec", cliLine(["duplex", "chat", "--me", "alice"]), "/dev/null"],
      {
        env: baseEnv(dir, { TERM: "xterm-256color" }),
        cwd: dir,
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const closed = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    await waitFor(() => stripAnsi(out).includes("alice> "), 10_000, "the prompt");
    await run(dir, ["feed", "chat", '{"from":"bob","msg":"hi alice"}']);
    await waitFor(() => stripAnsi(out).includes("bob: hi alice"), 10_000, "bob's message");
    child.stdin.write("hello bob\n");
    await waitFor(
      () => stripAnsi(out).split("alice> ").length > 3,
      10_000,
      `the prompt after sending in ${JSON.stringify(out)}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    child.stdin.end();
    expect(await closed).toBe(0);
    expect(stripAnsi(out)).not.toContain("alice: hello bob");
    const stored = jsonLines(
      (await run(dir, ["follow", "chat", "--tail", "5", "--replay", "0", "--data-only", "--jsonl"]))
        .stdout,
    );
    expect(stored).toEqual([
      { from: "bob", msg: "hi alice" },
      { from: "alice", msg: "hello bob" },
    ]);
  });

  it("with piped stdin sends the JSON stream while following others (JSONL out)", async () => {
    await run(dir, ["pool", "create", "bus"]);
    const child = start(dir, ["duplex", "bus", "--timeout", "3s"]);
    const done = collect(child, 20_000, null);
    child.stdin?.write('{"mine":1}\n');
    // once our first record is stored, the follow has started (it starts before the first append)
    await waitForAsync(
      async () =>
        (
          JSON.parse((await run(dir, ["pool", "info", "bus", "--json"])).stdout) as {
            pool: { message_count: number };
          }
        ).pool.message_count === 1,
    );
    await run(dir, ["feed", "bus", '{"theirs":1}']);
    child.stdin?.write('{"mine":2}\nnot json\n');
    child.stdin?.end();
    const r = await done;
    expect(r.code).toBe(124);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ data: { theirs: 1 } })]);
    expect(jsonLines(r.stderr)).toEqual([
      { notice: expect.objectContaining({ kind: "rejected", line: 3 }) },
    ]);
    const stored = jsonLines(
      (await run(dir, ["follow", "bus", "--tail", "5", "--replay", "0", "--data-only"])).stdout,
    );
    expect(stored).toEqual([{ mine: 1 }, { theirs: 1 }, { mine: 2 }]);
  });
});
