// Every error kind: its exit code, its one-line JSON envelope (with a hint) on a piped stderr,
// and the concise text + hint form on a terminal.
import { spawn } from "node:child_process";
import { chmodSync, closeSync, openSync, readSync, writeFileSync, writeSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  baseEnv,
  CLI,
  cliLine,
  collect,
  jsonLines,
  type RunResult,
  run,
  runTty,
  stripAnsi,
  tempDir,
  waitFor,
} from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function expectEnvelope(r: RunResult, kind: string, code: number): Record<string, unknown> {
  expect(r.code).toBe(code);
  const lines = jsonLines(r.stderr) as { error: Record<string, unknown> }[];
  expect(lines.length).toBe(1);
  const error = lines[0]?.error as Record<string, unknown>;
  expect(error.kind).toBe(kind);
  expect(typeof error.message).toBe("string");
  expect(typeof error.hint).toBe("string");
  expect((error.hint as string).length).toBeGreaterThan(5);
  expect(r.stderr.trim().split("\n").length).toBe(1);
  return error;
}

/** Runs the CLI as an unprivileged user when we are root (root ignores file modes). */
function runAsNobody(args: string[]): Promise<RunResult> {
  const asRoot = process.getuid?.() === 0;
  const cmd = asRoot ? "setpriv" : process.execPath;
  const argv = asRoot
    ? ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, CLI, ...args]
    : [CLI, ...args];
  return collect(
    spawn(cmd, argv, { env: baseEnv(dir), cwd: dir, stdio: ["pipe", "pipe", "pipe"] }),
    20_000,
  );
}

describe("error kinds and exit codes (piped stderr: JSON envelope)", () => {
  it("Internal → 1", async () => {
    const r = await run(dir, ["pool", "list"], { env: { SPOOL_CLI_INJECT_FAULT: "internal" } });
    expect(expectEnvelope(r, "Internal", 1).hint).toMatch(/report/);
  });

  it("Usage → 2 (bad name, unknown option, unknown command, missing argument)", async () => {
    expectEnvelope(await run(dir, ["pool", "create", "bad name!"]), "Usage", 2);
    expectEnvelope(await run(dir, ["follow", "p", "--bogus"]), "Usage", 2);
    expectEnvelope(await run(dir, ["frobnicate"]), "Usage", 2);
    expectEnvelope(await run(dir, ["fetch", "p"]), "Usage", 2);
    expectEnvelope(await run(dir, ["follow", "p", "--tail", "-3"]), "Usage", 2);
    expectEnvelope(await run(dir, ["follow", "p", "--format", "xml"]), "Usage", 2);
    expectEnvelope(await run(dir, ["pool", "create", "x".repeat(200)]), "Usage", 2);
    expectEnvelope(await run(dir, ["pool", "create", ".."]), "Usage", 2);
  });

  it("NotFound → 3", async () => {
    const e = expectEnvelope(await run(dir, ["pool", "info", "ghost"]), "NotFound", 3);
    expect(e.path).toBe(`${dir}/ghost.spool`);
  });

  it("AlreadyExists → 4", async () => {
    await run(dir, ["pool", "create", "twice"]);
    expectEnvelope(await run(dir, ["pool", "create", "twice"]), "AlreadyExists", 4);
  });

  it("Busy → 5 (delete while a writer holds the lock)", async () => {
    await run(dir, ["pool", "create", "held"]);
    const holder = spawn("flock", ["-x", `${dir}/held.spool`, "-c", "echo held; sleep 2"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const closed = new Promise((r) => holder.on("close", r));
    let held = false;
    holder.stdout.on("data", () => {
      held = true;
    });
    await waitFor(() => held, 5000, "the lock holder");
    expectEnvelope(await run(dir, ["pool", "delete", "held"]), "Busy", 5);
    await closed;
  });

  it("Permission → 6 (appending to a pool the user may not write)", async () => {
    await run(dir, ["pool", "create", "ro"]);
    chmodSync(dir, 0o755);
    chmodSync(`${dir}/ro.spool`, 0o444);
    expectEnvelope(await runAsNobody(["feed", "ro", "1"]), "Permission", 6);
  });

  it("Corrupt → 7 (a damaged file)", async () => {
    writeFileSync(`${dir}/junk.spool`, Buffer.alloc(65536, 7));
    expectEnvelope(await run(dir, ["fetch", "junk", "1"]), "Corrupt", 7);
  });

  it("Io → 8 (the file size limit hit while creating a pool)", async () => {
    const line = `trap '' XFSZ; ulimit -f 16; exec ${cliLine(["pool", "create", "big", "--size", "4M"])}`;
    const r = await collect(
      spawn("bash", ["-c", line], { env: baseEnv(dir), cwd: dir, stdio: ["pipe", "pipe", "pipe"] }),
      20_000,
    );
    expectEnvelope(r, "Io", 8);
  });

  it("RetentionGap → 9", async () => {
    await run(dir, ["pool", "create", "tiny", "--size", "16K"]);
    const pad = JSON.stringify("z".repeat(1500));
    await run(dir, ["feed", "tiny", "-q"], {
      input: `${Array.from({ length: 30 }, () => pad).join("\n")}\n`,
    });
    expect(
      expectEnvelope(
        await run(dir, ["follow", "tiny", "--since", "1", "--gap", "error"]),
        "RetentionGap",
        9,
      ).seq,
    ).toBe(1);
  });
});

describe("errors on a terminal", () => {
  it("prints `error:` and `hint:` lines instead of JSON, coloured unless NO_COLOR", async () => {
    const r = await runTty(dir, cliLine(["pool", "info", "ghost"]));
    const text = stripAnsi(r.stdout);
    expect(text).toMatch(/^error: pool not found: .*ghost\.spool\nhint: .+\n$/);
    expect(r.stdout).toContain("\u001b[31merror:");
    const plain = await runTty(dir, cliLine(["pool", "info", "ghost"]), { env: { NO_COLOR: "1" } });
    expect(plain.stdout).not.toContain("\u001b[");
    const never = await runTty(dir, cliLine(["--color", "never", "pool", "info", "ghost"]));
    expect(never.stdout).not.toContain("\u001b[");
  });

  it("a corrupt pool found by doctor exits 7 and shows the issue", async () => {
    await run(dir, ["pool", "create", "d"]);
    await run(dir, ["feed", "d", "-q"], { input: '{"a":1}\n{"a":2}\n{"a":3}\n' });
    const fd = openSync(`${dir}/d.spool`, "r+");
    const buf = Buffer.alloc(1 << 20);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const at = buf.subarray(0, n).indexOf('{"a":2}');
    expect(at).toBeGreaterThan(0);
    writeSync(fd, Buffer.from('{"a":9}'), 0, 7, at);
    closeSync(fd);
    const r = await run(dir, ["doctor", "d", "--json"]);
    expect(r.code).toBe(7);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      pools: { ok: boolean; issues: { kind: string; severity: string; seq?: number }[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.pools[0]?.issues[0]).toMatchObject({
      kind: "Corrupt",
      severity: "error",
      seq: 2,
    });
    const human = await run(dir, ["doctor", "--all"]);
    expect(human.code).toBe(7);
    expect(human.stdout).toMatch(/^FAIL d .*\n\s+error Corrupt: /);
  });
});
