// Smoke test of the deployable: its `spool-server` bin (a child process) starts on a free
// loopback port, answers GET /healthz, and exits 0 on SIGTERM. The launcher itself is tested in
// packages/server; this only proves the app is wired to it. Needs @spool/server built.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "..", "bin", "spool-server.js");

let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The environment of the child: no inherited Spool settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("SPOOL_")) env[k] = v;
  return env;
}

/** Resolves with the `url` of the JSON `listening` log line on stderr (non-TTY), within `ms`. */
function listeningUrl(proc: ChildProcess, ms = 15_000): Promise<string> {
  return new Promise((res, rej) => {
    let err = "";
    const timer = setTimeout(() => rej(new Error(`no listening line; stderr=${err}`)), ms);
    proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      for (const line of err.split("\n")) {
        if (!line.startsWith("{")) continue;
        const log = JSON.parse(line) as { msg?: string; url?: string };
        if (log.msg === "listening" && typeof log.url === "string") {
          clearTimeout(timer);
          res(log.url);
        }
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`exited ${code} before listening; stderr=${err}`));
    });
  });
}

describe("spool-server (apps/server)", () => {
  it("starts on a free loopback port, answers /healthz and exits 0 on SIGTERM", async () => {
    dir = mkdtempSync(join(tmpdir(), "spool-server-app-"));
    const proc = spawn(
      process.execPath,
      [BIN, "--host", "127.0.0.1", "--port", "0", "--dir", join(dir, "pools")],
      { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    const url = await listeningUrl(proc);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const exited = new Promise<number | null>((res) => proc.on("exit", (code) => res(code)));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
