// `spool serve`, `spool serve init` and `spool serve check` through the built CLI: the same
// launcher as the `spool-server` bin (@spool/server), loaded only when serve runs.
import { type ChildProcess, execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collect, PACKAGE_DIR, run, start, tempDir, waitFor } from "./helpers.js";

let dir: string;
let cleanup: () => void;
const children: ChildProcess[] = [];
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  cleanup();
});

function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("spool serve", () => {
  it("serves the pool directory, shares it with local commands, and stops on SIGINT", async () => {
    const child = start(dir, ["serve", "--port", "0"]);
    children.push(child);
    const done = collect(child, 30_000, null);
    let stderr = "";
    let stdout = "";
    child.stderr?.on("data", (d: string) => {
      stderr += d;
    });
    child.stdout?.on("data", (d: string) => {
      stdout += d;
    });
    await waitFor(() => stdout.includes("Stop with Ctrl-C"), 15_000, "the banner");
    const listening = logLines(stderr).find((l) => l.msg === "listening");
    const url = listening?.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(listening?.dir).toBe(dir);
    expect(stdout).toContain(`Spool server listening on ${url}`);
    expect(stdout).toContain(`spool feed --dir ${dir} demo '{"hello":"world"}'`);
    expect(stdout).toContain(`curl -sS -N '${url}/v0/pools/demo/tail?since_seq=1'`);

    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post("/v0/pools", { pool: "demo" })).status).toBe(200);
    expect((await post("/v0/pools/demo/append", { data: { from: "http" } })).status).toBe(200);
    const fed = await run(dir, ["feed", "demo", '{"from":"cli"}']);
    expect(fed.code).toBe(0);
    const second = await fetch(`${url}/v0/pools/demo/messages/2`);
    expect(((await second.json()) as { message: { data: unknown } }).message.data).toEqual({
      from: "cli",
    });

    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(0);
    const requests = logLines(stderr).filter((l) => l.msg === "request");
    expect(requests.map((r) => r.path)).toEqual([
      "/v0/pools",
      "/v0/pools/demo/append",
      "/v0/pools/demo/messages/2",
    ]);
    expect(logLines(stderr).at(-1)?.msg).toBe("stopped");
  });

  it("keeps serving when stdout's reader goes away", async () => {
    const child = start(dir, ["serve", "--port", "0"]);
    children.push(child);
    let stderr = "";
    let stdout = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await waitFor(() => stdout.includes("Stop with Ctrl-C"), 15_000, "the banner");
    child.stdout?.destroy();
    await new Promise((r) => setTimeout(r, 600)); // the CLI checks its stdout reader every 200 ms
    const url = logLines(stderr).find((l) => l.msg === "listening")?.url as string;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses a non-loopback bind and unknown arguments with exit 2", async () => {
    const refused = await run(dir, ["serve", "--host", "0.0.0.0"]);
    expect(refused.code).toBe(2);
    const error = (JSON.parse(refused.stderr) as { error: { kind: string; hint: string } }).error;
    expect(error.kind).toBe("Usage");
    expect(error.hint).toContain("--allow-non-loopback");
    const extra = await run(dir, ["serve", "demo"]);
    expect(extra.code).toBe(2);
    const typo = await run(dir, ["serve", "--prot", "1"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option --prot for `spool serve`; did you mean --port\?/);
    const bare = await run(dir, ["serve", "--port"]);
    expect(bare.code).toBe(2);
  });
});

describe("spool serve init", () => {
  it("writes the token, key and certificate once; --force replaces them", async () => {
    const srv = join(dir, "srv");
    const first = await run(dir, ["serve", "init", "--dir", srv, "--host", "spool.test"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(first.stdout).toContain("spool.test");
    expect(readdirSync(srv).sort()).toEqual(["cert.pem", "key.pem", "token.txt"]);
    expect(statSync(join(srv, "token.txt")).mode & 0o777).toBe(0o600);
    expect(statSync(join(srv, "key.pem")).mode & 0o777).toBe(0o600);
    const token = readFileSync(join(srv, "token.txt"), "utf8");
    const tokenValue = token.split("\n").find((l) => l !== "" && !l.startsWith("#")) as string;
    expect(first.stdout).not.toContain(tokenValue);
    // It tells clients how to pass the token: --token-file for the CLI, a shell line for curl
    // that reads the same token the server does.
    expect(first.stdout).toContain(`--token-file ${join(srv, "token.txt")} --tls-ca`);
    expect(first.stdout).toContain('-H "authorization: Bearer $TOKEN" https://spool.test:9700/');
    const tokenLine = first.stdout.split("\n").find((l) => l.trim().startsWith("TOKEN="));
    const fromShell = execFileSync("sh", ["-c", `${tokenLine}; printf %s "$TOKEN"`], {
      encoding: "utf8",
      timeout: 5000,
    });
    expect(fromShell).toBe(tokenValue);

    const again = await run(dir, ["serve", "init", "--dir", srv]);
    expect(again.code).toBe(4);
    expect(JSON.parse(again.stderr).error.kind).toBe("AlreadyExists");
    expect(readFileSync(join(srv, "token.txt"), "utf8")).toBe(token);

    const forced = await run(dir, ["serve", "init", "--dir", srv, "--force"]);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(srv, "token.txt"), "utf8")).not.toBe(token);
  });
});

describe("spool serve check", () => {
  it("summarises a good configuration and fails by kind", async () => {
    const srv = join(dir, "srv");
    expect((await run(dir, ["serve", "init", "--dir", srv])).code).toBe(0);
    const tls = ["--tls-cert", join(srv, "cert.pem"), "--tls-key", join(srv, "key.pem")];
    const ok = await run(dir, ["serve", "check", "--token-file", join(srv, "token.txt"), ...tls]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^configuration OK/);
    expect(ok.stdout).toContain(`pools    ${dir} (exists)`);
    expect(ok.stdout).toMatch(/url {6}https:\/\/127\.0\.0\.1:9700/);

    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "# nothing\n");
    const noToken = await run(dir, ["serve", "check", "--token-file", empty]);
    expect(noToken.code).toBe(2);
    expect(JSON.parse(noToken.stderr).error.message).toMatch(/holds no token/);

    const missing = await run(dir, [
      "serve",
      "check",
      "--tls-cert",
      join(dir, "x.pem"),
      "--tls-key",
      join(srv, "key.pem"),
    ]);
    expect(missing.code).toBe(3);

    const config = join(dir, "server.json");
    writeFileSync(config, JSON.stringify({ port: 9701, colour: "blue" }));
    const badFile = await run(dir, ["serve", "check", "--config", config]);
    expect(badFile.code).toBe(2);
    expect(JSON.parse(badFile.stderr).error.message).toContain('unknown key "colour"');

    const env = await run(dir, ["serve", "check"], { env: { SPOOL_SERVER_PORT: "nine" } });
    expect(env.code).toBe(2);
    expect(JSON.parse(env.stderr).error.message).toMatch(
      /^SPOOL_SERVER_PORT must be a whole number/,
    );
  });
});

describe("registration", () => {
  it("lists the serve commands in help and completion", async () => {
    const help = await run(dir, ["--help"]);
    for (const c of ["spool serve ", "spool serve init", "spool serve check"])
      expect(help.stdout).toContain(c);
    const serveHelp = await run(dir, ["serve", "--help"]);
    expect(serveHelp.code).toBe(0);
    expect(serveHelp.stdout).toContain("--token-file");
    expect(serveHelp.stdout).toContain("SPOOL_SERVER_TOKEN_FILE");
    const initHelp = await run(dir, ["serve", "init", "--help"]);
    expect(initHelp.stdout).toContain("--force");
    const words = await run(dir, ["__complete", "--", "serve", ""]);
    expect(words.stdout.split("\n")).toEqual(expect.arrayContaining(["init", "check"]));
    const flags = await run(dir, ["__complete", "--", "serve", "check", "--tls"]);
    expect(flags.stdout.split("\n").filter(Boolean).sort()).toEqual([
      "--tls-cert",
      "--tls-key",
      "--tls-self-signed",
    ]);
  });

  it("loads @spool/server only from the serve commands' modules", () => {
    const dist = join(PACKAGE_DIR, "dist");
    const files = readdirSync(dist).filter((f) => f.endsWith(".js"));
    const text = new Map(files.map((f) => [f, readFileSync(join(dist, f), "utf8")]));
    const loaders = files.filter((f) => text.get(f)?.includes('"@spool/server"'));
    expect(loaders.length).toBeGreaterThan(0);
    for (const loader of loaders) {
      const importers = files.filter((f) => text.get(f)?.includes(`"./${loader}"`));
      const owners = /^serve(-[a-z]+)?-[\w-]+\.js$/.test(loader) ? [loader] : importers;
      expect(owners.length).toBeGreaterThan(0);
      for (const f of owners) expect(f).toMatch(/^serve(-init|-check)?-[\w-]+\.js$/);
    }
  });
});
