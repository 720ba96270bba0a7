// Remote pools in the CLI: feed, fetch, follow and duplex against a real HTTP server on
// 127.0.0.1 (port 0), with tokens, gaps, and the flags that make no sense remotely.
import { createPool as createLocalPool } from "@spool/core";
import type { SpoolApp } from "@spool/http-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collect,
  type Envelope,
  jsonLines,
  run,
  type ServedApp,
  serveApp,
  start,
  tempDir,
  waitFor,
} from "./helpers.js";

const TOKEN = "remote-test-token";
let tmp: ReturnType<typeof tempDir>;
let app: SpoolApp;
let served: ServedApp;
let base: string;
const env = { SPOOL_TOKEN: TOKEN };

beforeAll(async () => {
  tmp = tempDir();
  served = await serveApp({
    dir: tmp.dir,
    tokens: [TOKEN, { token: "reader-token", access: "read-only" }],
  });
  ({ app, base } = served);
});

afterAll(async () => {
  await served.close();
  tmp.cleanup();
});

describe("remote feed and fetch", () => {
  it("creates with --create, feeds a stream, and fetches messages back exactly", async () => {
    const url = `${base}/feedme`;
    const fed = await run(tmp.dir, ["feed", url, "--create", "--create-size", "256K", "-t", "x"], {
      env,
      input: '{"n":1}\n{"n":2.50,"s":"é"}\n',
    });
    expect(fed.code, fed.stderr).toBe(0);
    const receipts = jsonLines(fed.stdout) as Envelope[];
    expect(receipts.map((r) => [r.seq, r.meta.tags])).toEqual([
      [1, ["x"]],
      [2, ["x"]],
    ]);
    const got = await run(tmp.dir, ["fetch", url, "2", "--jsonl"], { env });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(
      /^\{"seq":2,"time":"[^"]+","meta":\{"tags":\["x"\]\},"data":\{"n":2\.50,"s":"é"\}\}\n$/,
    );
    const info = await run(tmp.dir, ["pool", "info", "feedme", "--json"]);
    expect(JSON.parse(info.stdout).pool.file_size).toBe(256 * 1024);
  });

  it("reports a bad record per line with --errors skip and stores the rest", async () => {
    const url = `${base}/skip`;
    const fed = await run(tmp.dir, ["feed", url, "--create", "--errors", "skip", "-q"], {
      env,
      input: '{"ok":1}\nnot json\n{"ok":2}\n',
    });
    expect(fed.code).toBe(1);
    const notices = jsonLines(fed.stderr) as { notice: { kind: string; line?: number } }[];
    expect(notices.map((n) => [n.notice.kind, n.notice.line])).toEqual([
      ["rejected", 2],
      ["summary", undefined],
    ]);
    const follow = await run(
      tmp.dir,
      ["follow", url, "--since", "1", "--data-only", "--timeout", "0.3"],
      { env },
    );
    expect(follow.stdout).toBe('{"ok":1}\n{"ok":2}\n');
  });

  it("answers a missing pool, a missing token and a read-only token with the right kinds", async () => {
    const missing = await run(tmp.dir, ["feed", `${base}/nope`, "1"], { env });
    expect(missing.code).toBe(3);
    expect((jsonLines(missing.stderr)[0] as { error: { kind: string } }).error.kind).toBe(
      "NotFound",
    );

    const noToken = await run(tmp.dir, ["feed", `${base}/feedme`, "1"], {
      env: { SPOOL_TOKEN: undefined },
    });
    expect(noToken.code).toBe(6);
    const error = (jsonLines(noToken.stderr)[0] as { error: { kind: string; hint: string } }).error;
    expect(error.kind).toBe("Permission");
    expect(error.hint).toContain("--token-file");

    const reader = await run(tmp.dir, ["feed", `${base}/feedme`, "1", "--token", "reader-token"], {
      env: { SPOOL_TOKEN: undefined },
    });
    expect(reader.code).toBe(6);
    const readOk = await run(
      tmp.dir,
      ["fetch", `${base}/feedme`, "1", "--token", "reader-token", "--jsonl"],
      {
        env: { SPOOL_TOKEN: undefined },
      },
    );
    expect(readOk.code, readOk.stderr).toBe(0);
  });

  it("reads the token from --token-file and refuses both token flags together", async () => {
    const file = `${tmp.dir}/token`;
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, `# spool token\n${TOKEN}\n`, { mode: 0o600 });
    const ok = await run(tmp.dir, [
      "fetch",
      `${base}/feedme`,
      "1",
      "--token-file",
      file,
      "--jsonl",
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const both = await run(tmp.dir, [
      "fetch",
      `${base}/feedme`,
      "1",
      "--token-file",
      file,
      "--token",
      "x",
    ]);
    expect(both.code).toBe(2);
    const missingFile = await run(tmp.dir, [
      "fetch",
      `${base}/feedme`,
      "1",
      "--token-file",
      `${file}.nope`,
    ]);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain("token file");
  });

  it("reads --token-file and SPOOL_TOKEN by the server's rules, never showing a token", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = `${tmp.dir}/token.txt`;
    // What `spool serve init` writes, with a trailing comment and CRLF line ends.
    writeFileSync(file, `# Spool server bearer tokens\r\n${TOKEN}   # ops\r\n`, { mode: 0o600 });
    const args = (...extra: string[]) => ["fetch", `${base}/feedme`, "1", "--jsonl", ...extra];
    const ok = await run(tmp.dir, args("--token-file", file), { env: { SPOOL_TOKEN: undefined } });
    expect(ok.code, ok.stderr).toBe(0);
    const padded = await run(tmp.dir, args(), { env: { SPOOL_TOKEN: ` ${TOKEN}\n` } });
    expect(padded.code, padded.stderr).toBe(0);

    const secret = "never-print-this-token";
    const cases: [Record<string, string | undefined>, string[], number][] = [
      // The whole file in the variable (`SPOOL_TOKEN="$(cat token.txt)"`): not one token.
      [{ SPOOL_TOKEN: `# Spool server bearer tokens\n${secret}\n` }, [], 2],
      [{ SPOOL_TOKEN: undefined }, ["--token", `${secret} read-only`], 2],
      // A wrong token: 401, and the hint names the token flags.
      [{ SPOOL_TOKEN: secret }, [], 6],
      [{ SPOOL_TOKEN: undefined }, ["--token", secret], 6],
    ];
    for (const [caseEnv, extra, code] of cases) {
      const r = await run(tmp.dir, args(...extra), { env: caseEnv });
      expect(r.code, r.stderr).toBe(code);
      expect(JSON.parse(r.stderr).error.hint).toMatch(/--token-file/);
      expect(r.stderr + r.stdout).not.toContain(secret);
    }
    for (const text of [`${secret} admin\n`, `${secret}\n${secret}\n`, `${secret} read-only x\n`]) {
      writeFileSync(file, text, { mode: 0o600 });
      const r = await run(tmp.dir, args("--token-file", file), { env: { SPOOL_TOKEN: undefined } });
      expect(r.code, r.stderr).toBe(2);
      expect(JSON.parse(r.stderr).error.message).toMatch(/token file .*: line \d/);
      expect(r.stderr + r.stdout).not.toContain(secret);
    }
  });

  it("names the unreachable server and what to check", async () => {
    const probe = await serveApp({ dir: tmp.dir });
    const port = new URL(probe.base).port;
    await probe.close();
    const r = await run(tmp.dir, ["follow", `http://127.0.0.1:${port}/x`, "--timeout", "1"]);
    expect(r.code).toBe(8);
    const error = (
      jsonLines(r.stderr)[0] as { error: { kind: string; message: string; hint: string } }
    ).error;
    expect(error.kind).toBe("Io");
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.hint).toContain("spool serve");
  });

  it("refuses flags that make no sense for the reference, with a hint", async () => {
    const cases: [string[], string][] = [
      [["follow", `${base}/feedme`, "--replay", "0"], "--replay"],
      [["feed", `${base}/feedme`, "1", "--lock-timeout", "1s"], "--lock-timeout"],
      [["feed", "localpool", "1", "--token", "x"], "--token"],
      [["follow", "localpool", "--tls-ca", "ca.pem"], "--tls-ca"],
      [["fetch", `${base}/feedme`, "1", "--tls-skip-verify"], "https://"],
      [["tap", `${base}/feedme`, "--", "true"], "local pools only"],
    ];
    for (const [args, needle] of cases) {
      const r = await run(tmp.dir, args, { env });
      expect(r.code, args.join(" ")).toBe(2);
      const error = (jsonLines(r.stderr)[0] as { error: { message: string; hint: string } }).error;
      expect(`${error.message} ${error.hint}`, args.join(" ")).toContain(needle);
      expect(error.hint.length).toBeGreaterThan(10);
    }
  });
});

describe("remote follow and duplex", () => {
  it("follows live messages from another writer, in order, and ends on --timeout with 124", async () => {
    const url = `${base}/live`;
    expect((await run(tmp.dir, ["feed", url, "--create", '"before"'], { env })).code).toBe(0);
    const follower = start(tmp.dir, ["follow", url, "--jsonl", "--timeout", "2"], { env });
    const done = collect(follower, 20_000, null);
    let out = "";
    follower.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    await waitFor(() => app.openTails > 0, 10_000);
    const fed = await run(tmp.dir, ["feed", url, "-q"], {
      env,
      input: Array.from({ length: 50 }, (_, i) => JSON.stringify({ i })).join("\n"),
    });
    expect(fed.code).toBe(0);
    await waitFor(() => out.split("\n").length > 50, 10_000);
    const result = await done;
    expect(result.code).toBe(124);
    const seen = jsonLines(result.stdout) as Envelope[];
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(seen.map((m) => (m.data as { i: number }).i)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it("reports overwritten messages as drop notices, or fails with 9 under --gap error", async () => {
    const dir = tmp.dir;
    const pool = createLocalPool("small", { dir, size: "64K" });
    for (let i = 0; i < 3000; i++) pool.append({ i, pad: "x".repeat(40) });
    const oldest = pool.info().bounds?.oldest as number;
    pool.close();
    expect(oldest).toBeGreaterThan(1);
    const url = `${base}/small`;
    const cont = await run(dir, ["follow", url, "--since", "1", "--jsonl", "--timeout", "0.5"], {
      env,
    });
    expect(cont.code).toBe(124);
    const seen = jsonLines(cont.stdout) as Envelope[];
    expect(seen[0]?.seq).toBe(oldest);
    const drops = (
      jsonLines(cont.stderr) as { notice: { kind: string; from: number; to: number } }[]
    )
      .map((n) => n.notice)
      .filter((n) => n.kind === "drop");
    expect(drops[0]).toMatchObject({ from: 1, to: oldest - 1 });
    const strict = await run(
      dir,
      ["follow", url, "--since", "1", "--gap", "error", "--timeout", "0.5"],
      { env },
    );
    expect(strict.code).toBe(9);
    const error = (jsonLines(strict.stderr)[0] as { error: { kind: string; seq: number } }).error;
    expect(error).toMatchObject({ kind: "RetentionGap", seq: 1 });
  });

  it("duplex pipes stdin into a remote pool and prints the other side's messages", async () => {
    const url = `${base}/chat`;
    expect((await run(tmp.dir, ["feed", url, "--create", '"hello"'], { env })).code).toBe(0);
    const duplex = start(tmp.dir, ["duplex", url, "--jsonl", "--timeout", "1.5"], { env });
    const done = collect(duplex, 20_000, null);
    await waitFor(() => app.openTails > 0, 10_000);
    duplex.stdin?.write('{"from":"duplex"}\n');
    expect((await run(tmp.dir, ["feed", url, '{"from":"other"}'], { env })).code).toBe(0);
    const result = await done;
    expect(result.code).toBe(124);
    const printed = jsonLines(result.stdout) as Envelope[];
    expect(printed.map((m) => m.data)).toEqual([{ from: "other" }]);
    const all = await run(
      tmp.dir,
      ["follow", url, "--since", "1", "--data-only", "--timeout", "0.3"],
      { env },
    );
    expect(all.stdout.split("\n").filter(Boolean).sort()).toEqual(
      ['"hello"', '{"from":"duplex"}', '{"from":"other"}'].sort(),
    );
  });
});

describe("remote follow: --since TIME and --where are the server's since_time= and where=", () => {
  it("starts at a time and filters on the server", async () => {
    const url = `${base}/timed`;
    const fed = await run(tmp.dir, ["feed", url, "--create", "-q"], { env, input: "1\n2\n" });
    expect(fed.code, fed.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 30));
    const cut = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 30));
    expect((await run(tmp.dir, ["feed", url, "-q"], { env, input: "3\n4\n5\n" })).code).toBe(0);
    const since = await run(
      tmp.dir,
      ["follow", url, "--since", cut, "--data-only", "--no-follow"],
      { env },
    );
    expect(since.code, since.stderr).toBe(0);
    expect(since.stdout).toBe("3\n4\n5\n");
    const where = await run(
      tmp.dir,
      ["follow", url, "--since", "1h", "--where", ".data % 2 == 1", "--data-only", "--no-follow"],
      { env },
    );
    expect(where.code, where.stderr).toBe(0);
    expect(where.stdout).toBe("1\n3\n5\n");
    const bad = await run(tmp.dir, ["follow", url, "--where", "input", "--no-follow"], { env });
    expect(bad.code).toBe(2);
  });
});
