// Remote pools over TLS with a token, as a user sets them up: `spool serve init` writes a token,
// a certificate and a key; `spool serve` runs with them on 127.0.0.1 (port 0); feed and follow
// reach it with --tls-ca and --token-file. Without trust or token they fail with the right kind.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, type Envelope, jsonLines, run, start, tempDir, waitFor } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let server: ChildProcess;
let serverDone: ReturnType<typeof collect>;
let url: string;
let files: { token: string; cert: string };

beforeAll(async () => {
  tmp = tempDir();
  const srv = join(tmp.dir, "server");
  const init = await run(tmp.dir, ["serve", "init", "--dir", srv]);
  expect(init.code, init.stderr).toBe(0);
  files = { token: join(srv, "token.txt"), cert: join(srv, "cert.pem") };
  server = start(tmp.dir, [
    "serve",
    "--port",
    "0",
    "--token-file",
    files.token,
    "--tls-cert",
    files.cert,
    "--tls-key",
    join(srv, "key.pem"),
  ]);
  serverDone = collect(server, 120_000, null);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  await waitFor(() => stderr.includes('"listening"'), 20_000, "the server to listen");
  const listening = stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg?: string; url?: string })
    .find((l) => l.msg === "listening");
  url = listening?.url as string;
  expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
}, 60_000);

afterAll(async () => {
  server?.kill("SIGTERM");
  const end = await serverDone;
  expect(end.code).toBe(0);
  tmp.cleanup();
});

describe("remote pools over TLS with a token", () => {
  it("feeds and follows with --tls-ca and --token-file", async () => {
    const pool = `${url}/secure`;
    const auth = ["--tls-ca", files.cert, "--token-file", files.token];
    const fed = await run(tmp.dir, ["feed", pool, "--create", "-q", ...auth], {
      input: '{"n":1}\n{"n":2}\n',
    });
    expect(fed.code, fed.stderr).toBe(0);
    const followed = await run(tmp.dir, [
      "follow",
      pool,
      "--since",
      "1",
      "--max",
      "2",
      "--jsonl",
      ...auth,
    ]);
    expect(followed.code, followed.stderr).toBe(0);
    expect((jsonLines(followed.stdout) as Envelope[]).map((m) => m.data)).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
  });

  it("refuses an untrusted certificate with a hint to pass --tls-ca", async () => {
    const r = await run(tmp.dir, ["fetch", `${url}/secure`, "1", "--token-file", files.token]);
    expect(r.code).toBe(8);
    const error = (jsonLines(r.stderr)[0] as { error: { kind: string; hint: string } }).error;
    expect(error.kind).toBe("Io");
    expect(error.hint).toContain("--tls-ca");
  });

  it("answers a missing token with Permission (exit 6) even over trusted TLS", async () => {
    const r = await run(tmp.dir, ["fetch", `${url}/secure`, "1", "--tls-ca", files.cert], {
      env: { SPOOL_TOKEN: undefined },
    });
    expect(r.code).toBe(6);
    expect((jsonLines(r.stderr)[0] as { error: { hint: string } }).error.hint).toContain(
      "--token-file",
    );
  });

  it("accepts --tls-skip-verify for throwaway tests", async () => {
    const r = await run(tmp.dir, [
      "fetch",
      `${url}/secure`,
      "2",
      "--jsonl",
      "--tls-skip-verify",
      "--token-file",
      files.token,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Envelope).data).toEqual({ n: 2 });
  });
});
