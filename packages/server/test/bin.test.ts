// The real `spool-server` bin as a child process: start-up log line and banner, graceful
// shutdown on SIGTERM with an open tail (final error line, exit 0), a second signal exits at
// once, and `init` / `check` exit codes.
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanEnv, cleanup, killAll, runBin, spawnNode, tempDir, until } from "./helpers.js";

afterEach(() => {
  killAll();
  cleanup();
});

async function startBin(args: string[], env = cleanEnv()) {
  const child = spawnNode(["--port", "0", "--dir", join(tempDir(), "pools"), ...args], env);
  const listening = await child.waitForLog((l) => l.msg === "listening");
  return { child, url: listening.url as string };
}

describe("spool-server", () => {
  it("ends open tails with a final error line on SIGTERM and exits 0", async () => {
    const { child, url } = await startBin([]);
    await until(() => child.stdout().includes("Stop with Ctrl-C"), 5000, "the banner");
    expect(child.stdout()).toContain(`Spool server listening on ${url}`);
    expect(child.stdout()).toContain(
      `curl -sS -X POST ${url}/v0/pools -H 'content-type: application/json' -d '{"pool":"demo"}'`,
    );
    await fetch(`${url}/v0/pools`, {
      method: "POST",
      body: JSON.stringify({ pool: "demo" }),
      headers: { "content-type": "application/json" },
    });
    await fetch(`${url}/v0/pools/demo/append`, {
      method: "POST",
      body: JSON.stringify({ data: { n: 1 } }),
      headers: { "content-type": "application/json" },
    });
    const tail = await fetch(`${url}/v0/pools/demo/tail?since_seq=1`);
    expect(tail.status).toBe(200);
    const reader = (tail.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(JSON.parse(text.split("\n")[0] as string)).toMatchObject({ seq: 1, data: { n: 1 } });

    child.process.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      error: { kind: "Busy", message: "the server is shutting down" },
    });
    expect(await child.exited(10_000)).toBe(0);
    const msgs = child.logs().map((l) => l.msg);
    expect(msgs).toContain("shutting down");
    expect(msgs.at(-1)).toBe("stopped");
  });

  it("exits at once with a non-zero code on a second signal", async () => {
    const { child, url } = await startBin(["--shutdown-grace-ms", "60000"]);
    const { port } = new URL(url);
    // a request whose body never completes keeps the first shutdown waiting for its grace period
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve).once("error", reject);
    });
    socket.on("error", () => {});
    socket.write(
      "POST /v0/pools HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
    );
    await new Promise((r) => setTimeout(r, 100));
    child.process.kill("SIGTERM");
    await child.waitForLog((l) => l.msg === "shutting down");
    await new Promise((r) => setTimeout(r, 100));
    expect(child.process.exitCode).toBeNull();
    child.process.kill("SIGINT");
    expect(await child.exited(5000)).toBe(130);
    expect(child.logs().some((l) => l.msg === "second signal: exiting at once")).toBe(true);
    socket.destroy();
  });

  it("prints one JSON line on stdout with an explicit --log-format json", async () => {
    const { child, url } = await startBin(["--log-format", "json", "--tls-self-signed"]);
    await until(() => child.stdout().endsWith("\n"), 5000, "the JSON banner");
    const banner = JSON.parse(child.stdout().trim());
    expect(banner.listening.url).toBe(url);
    expect(banner.listening.tls.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(child.logs().find((l) => l.msg === "listening")?.fingerprint).toBe(
      banner.listening.tls.fingerprint,
    );
    child.process.kill("SIGINT");
    expect(await child.exited()).toBe(0);
  });

  it("refuses to start on a bad configuration, with the exit code of its kind", async () => {
    const refused = await runBin(["--host", "0.0.0.0"], cleanEnv());
    expect(refused.code).toBe(2);
    const error = JSON.parse(refused.stderr.trim()).error;
    expect(error).toMatchObject({ kind: "Usage" });
    expect(error.hint).toContain("--allow-non-loopback");
    const unknown = await runBin(["--prot", "1"], cleanEnv());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown argument: prot/);
  });
});

describe("spool-server init and check", () => {
  it("init writes the files once; check accepts them and reports problems by kind", async () => {
    const dir = join(tempDir(), "srv");
    const env = cleanEnv();
    const init = await runBin(["init", "--dir", dir], env);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    const again = await runBin(["init", "--dir", dir], env);
    expect(again.code).toBe(4);
    expect(JSON.parse(again.stderr).error.kind).toBe("AlreadyExists");

    const secure = [
      "--host",
      "0.0.0.0",
      "--allow-non-loopback",
      "--token-file",
      join(dir, "token.txt"),
      "--tls-cert",
      join(dir, "cert.pem"),
      "--tls-key",
      join(dir, "key.pem"),
      "--dir",
      join(tempDir(), "pools"),
    ];
    const ok = await runBin(["check", ...secure], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^configuration OK/);
    expect(ok.stdout).toContain("will be created at start");
    expect(ok.stdout).toContain("1 in ");

    const noTls = await runBin(["check", ...secure.slice(0, 5), "--dir", tempDir()], env);
    expect(noTls.code).toBe(2);
    expect(JSON.parse(noTls.stderr).error.message).toMatch(/without TLS/);

    const missing = await runBin(
      ["check", "--tls-cert", join(dir, "nope.pem"), "--tls-key", join(dir, "key.pem")],
      env,
    );
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stderr).error.kind).toBe("NotFound");

    const insecure = await runBin(
      [
        "check",
        "--host",
        "0.0.0.0",
        "--allow-non-loopback",
        "--insecure-no-auth-or-tls",
        "--dir",
        tempDir(),
      ],
      env,
    );
    expect(insecure.code).toBe(0);
    expect(insecure.stdout).toMatch(/warning: INSECURE: --insecure-no-auth-or-tls is set/);
  });
});
