// The engine settings of `spool serve`: `--engine` / SPOOL_ENGINE / "engine" and the NATS
// credentials from flags, environment and the config file (flags > env > file), the secrets of
// the environment kept as secrets and the files of the config file resolved against it, and the
// refusals (credentials without an engine, an engine beside a pool directory, a bad URL).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSpoolError } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import { resolveServerConfig } from "../src/index.js";
import { natsConnectOptions, parseEngineUrl, splitNatsRef } from "../src/nats.js";
import { cleanup, tempDir } from "./helpers.js";

afterEach(cleanup);

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isSpoolError(error, "Usage")).toBe(true);
    expect((error as { hint?: string }).hint).toBeTruthy();
    return (error as Error).message;
  }
  throw new Error("expected a Usage error");
}

describe("engine settings", () => {
  it("take flags over the environment over the config file", () => {
    const dir = tempDir();
    const file = join(dir, "server.json");
    writeFileSync(
      file,
      JSON.stringify({
        engine: "nats://file-host:4222",
        natsUser: "file-user",
        natsPasswordFile: "pw.txt",
      }),
    );
    const fromFile = resolveServerConfig({ flags: { config: file } });
    expect(fromFile.engine).toEqual({
      url: "nats://file-host:4222",
      access: { user: "file-user", passwordFile: join(dir, "pw.txt") },
      names: {
        engine: `"engine" in ${file}`,
        user: `"natsUser" in ${file}`,
        passwordFile: `"natsPasswordFile" in ${file}`,
      },
    });
    expect(fromFile.dir).toBe("nats://file-host:4222");
    const env = { SPOOL_ENGINE: "nats://env-a:1,env-b", SPOOL_NATS_PASSWORD: "env-secret" };
    const fromEnv = resolveServerConfig({ flags: { config: file }, env });
    expect(fromEnv.engine?.url).toBe("nats://env-a:1,env-b:4222");
    expect(fromEnv.engine?.access).toEqual({ user: "file-user", password: "env-secret" });
    expect(fromEnv.engine?.names.password).toBe("SPOOL_NATS_PASSWORD");
    const fromFlags = resolveServerConfig({
      flags: { config: file, engine: "nats://flag:5", natsPasswordFile: "/etc/pw" },
      env,
    });
    expect(fromFlags.engine?.url).toBe("nats://flag:5");
    expect(fromFlags.engine?.access).toEqual({ user: "file-user", passwordFile: "/etc/pw" });
    expect(fromFlags.sources.engine).toBe("flag");
  });

  it("keep a token from the environment as the token, and serve no directory", () => {
    const c = resolveServerConfig({
      env: { SPOOL_ENGINE: "nats://127.0.0.1:4222", SPOOL_NATS_TOKEN: "tok", SPOOL_DIR: "/tmp/x" },
    });
    expect(c.engine?.access).toEqual({ token: "tok" });
    expect(c.dir).toBe("nats://127.0.0.1:4222");
    expect(resolveServerConfig({}).engine).toBeUndefined();
  });

  it("refuse credentials without an engine, a directory beside it, and bad URLs", () => {
    expect(usage(() => resolveServerConfig({ flags: { natsUser: "u" } }))).toContain(
      "--nats-user needs --engine",
    );
    expect(
      usage(() => resolveServerConfig({ flags: { engine: "nats://h:1", dir: "/tmp/p" } })),
    ).toContain("do not go together");
    expect(usage(() => resolveServerConfig({ flags: { engine: "http://h:1" } }))).toContain(
      "--engine must be a nats:// URL",
    );
    expect(usage(() => resolveServerConfig({ env: { SPOOL_ENGINE: "nats://u:p@h:1" } }))).toContain(
      "SPOOL_ENGINE: a NATS URL must not carry credentials",
    );
    expect(usage(() => parseEngineUrl("nats://h:99999", "--engine"))).toContain("HOST:PORT");
    expect(usage(() => parseEngineUrl("nats://h:1/pool", "--engine"))).toContain("no path");
  });

  it("take --replicas 1, 3 or 5 for the engine's new pools, and refuse it for a directory", () => {
    expect(resolveServerConfig({}).replicas).toBe(1);
    const three = resolveServerConfig({
      flags: { engine: "nats://h:1" },
      env: { SPOOL_SERVER_REPLICAS: "3" },
    });
    expect(three.replicas).toBe(3);
    expect(
      usage(() => resolveServerConfig({ flags: { engine: "nats://h:1", replicas: 2 } })),
    ).toContain("--replicas must be 1, 3 or 5");
    expect(usage(() => resolveServerConfig({ flags: { replicas: 3 } }))).toContain(
      "--replicas needs --engine",
    );
  });
});

describe("NATS references and credentials", () => {
  it("split a pool reference into its engine and name", () => {
    expect(splitNatsRef("nats://127.0.0.1:4222/build")).toEqual({
      engine: "nats://127.0.0.1:4222",
      name: "build",
    });
    expect(splitNatsRef("nats://a:1,nats://b:2/x%20y")).toEqual({
      engine: "nats://a:1,b:2",
      name: "x y",
    });
    expect(usage(() => splitNatsRef("nats://a:1"))).toContain("names no pool");
  });

  it("read secrets from their files' first line, and refuse mixtures without showing a secret", () => {
    const dir = tempDir();
    const pw = join(dir, "pw");
    writeFileSync(pw, "  hunter2  \nignored\n");
    expect(natsConnectOptions({ user: "u", passwordFile: pw })).toEqual({
      user: "u",
      pass: "hunter2",
    });
    expect(natsConnectOptions({ token: " tok \n" })).toEqual({ token: "tok" });
    const both = usage(() => natsConnectOptions({ user: "u", password: "hunter2", token: "t0k" }));
    expect(both).toContain("one way to authenticate");
    expect(both).not.toContain("hunter2");
    expect(usage(() => natsConnectOptions({ password: "hunter2" }))).not.toContain("hunter2");
    expect(usage(() => natsConnectOptions({ user: "u" }))).toContain("needs a password");
    writeFileSync(pw, "\n");
    expect(usage(() => natsConnectOptions({ user: "u", passwordFile: pw }))).toContain("is empty");
    try {
      natsConnectOptions({ tokenFile: join(dir, "missing") });
      throw new Error("expected NotFound");
    } catch (error) {
      expect(isSpoolError(error, "NotFound")).toBe(true);
    }
  });
});
