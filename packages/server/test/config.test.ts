// resolveServerConfig: precedence (flags > env > file > defaults), every validation error names
// its source, and the loopback / token / TLS rules (checked without binding anything).
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { isSpoolError } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import { isLoopbackHost, resolveServerConfig } from "../src/index.js";
import { cleanup, tempDir } from "./helpers.js";

afterEach(cleanup);

function usageError(fn: () => unknown): { message: string; hint: string } {
  try {
    fn();
  } catch (error) {
    expect(isSpoolError(error, "Usage")).toBe(true);
    const e = error as { message: string; hint?: string };
    expect(e.hint).toBeTruthy();
    return { message: e.message, hint: e.hint as string };
  }
  throw new Error("expected a Usage error");
}

function configFile(content: unknown): string {
  const path = join(tempDir(), "server.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("defaults and precedence", () => {
  it("defaults to 127.0.0.1:9700, read-write, ~/.spool/pools, JSON logs", () => {
    const c = resolveServerConfig({});
    expect(c).toMatchObject({
      host: "127.0.0.1",
      port: 9700,
      access: "read-write",
      dir: join(homedir(), ".spool", "pools"),
      logFormat: "json",
      quiet: false,
      loopback: true,
      tls: undefined,
      tokenFile: undefined,
      warnings: [],
    });
    expect(c.sources.port).toBe("default");
  });

  it("takes flags over env over file", () => {
    const file = configFile({ port: 1111, host: "127.0.0.2", access: "read-only", quiet: true });
    const env = {
      SPOOL_SERVER_CONFIG: file,
      SPOOL_SERVER_PORT: "2222",
      SPOOL_SERVER_HOST: "127.0.0.3",
    };
    const c = resolveServerConfig({ flags: { port: 3333 }, env });
    expect(c.port).toBe(3333);
    expect(c.host).toBe("127.0.0.3");
    expect(c.access).toBe("read-only");
    expect(c.quiet).toBe(true);
    expect(c.sources).toMatchObject({ port: "flag", host: "env", access: "file", quiet: "file" });
    expect(resolveServerConfig({ env }).port).toBe(2222);
    expect(resolveServerConfig({ flags: { config: file } }).port).toBe(1111);
  });

  it("resolves relative paths in the file against the file's directory", () => {
    const file = configFile({ dir: "pools", tokenFile: "token.txt" });
    const c = resolveServerConfig({ file });
    expect(c.dir).toBe(join(file, "..", "pools"));
    expect(c.tokenFile).toBe(join(file, "..", "token.txt"));
    expect(c.configFile).toBe(file);
  });

  it("maps limits, CORS origins and the default pool size", () => {
    const c = resolveServerConfig({
      flags: { maxBodyBytes: 1024, corsOrigins: ["https://a.example"] },
      env: { SPOOL_SERVER_MAX_OPEN_POOLS: "8", SPOOL_SERVER_CORS_ORIGINS: "https://x, https://y" },
      file: configFile({ maxConcurrentTails: 0, defaultPoolSize: "4M" }),
    });
    expect(c.limits).toEqual({ maxBodyBytes: 1024, maxOpenPools: 8, maxConcurrentTails: 0 });
    expect(c.corsOrigins).toEqual(["https://a.example"]);
    expect(c.defaultPoolSize).toBe("4M");
    expect(
      resolveServerConfig({ env: { SPOOL_SERVER_CORS_ORIGINS: "https://x, https://y" } })
        .corsOrigins,
    ).toEqual(["https://x", "https://y"]);
  });

  it("maps the create limits and the lock timeout from flags, env and file", () => {
    const c = resolveServerConfig({
      flags: { maxPoolSize: "64M" },
      env: { SPOOL_SERVER_MAX_TOTAL_POOL_BYTES: "1073741824" },
      file: configFile({ lockTimeoutMs: 250 }),
    });
    expect(c.limits).toEqual({
      maxPoolSize: 64 * 1024 ** 2,
      maxTotalPoolBytes: 1024 ** 3,
      lockTimeoutMs: 250,
    });
    expect(c.sources).toMatchObject({
      maxPoolSize: "flag",
      maxTotalPoolBytes: "env",
      lockTimeoutMs: "file",
    });
    // The pool file size is what is limited: the size rounded down to 4 KiB.
    expect(
      resolveServerConfig({ flags: { maxPoolSize: "20000", defaultPoolSize: "16K" } }).limits
        .maxPoolSize,
    ).toBe(16384);
    expect(resolveServerConfig({ flags: { lockTimeoutMs: 0 } }).limits.lockTimeoutMs).toBe(0);
  });

  it("exposes absolute paths only when asked (--expose-paths, env, file)", () => {
    expect(resolveServerConfig({}).exposePaths).toBe(false);
    expect(resolveServerConfig({ flags: { exposePaths: true } }).exposePaths).toBe(true);
    expect(resolveServerConfig({ env: { SPOOL_SERVER_EXPOSE_PATHS: "1" } }).exposePaths).toBe(true);
    expect(resolveServerConfig({ file: configFile({ exposePaths: true }) }).exposePaths).toBe(true);
  });

  it("reads booleans from the environment", () => {
    expect(resolveServerConfig({ env: { SPOOL_SERVER_QUIET: "1" } }).quiet).toBe(true);
    expect(resolveServerConfig({ env: { SPOOL_SERVER_QUIET: "false" } }).quiet).toBe(false);
  });
});

describe("validation errors name their source", () => {
  it.each([
    [{ flags: { port: Number.NaN } }, /--port must be a whole number/],
    [{ flags: { port: 70000 } }, /--port must be 0\.\.65535/],
    [{ env: { SPOOL_SERVER_PORT: "http" } }, /SPOOL_SERVER_PORT must be a whole number/],
    [{ env: { SPOOL_SERVER_QUIET: "maybe" } }, /SPOOL_SERVER_QUIET must be true or false/],
    [{ env: { SPOOL_SERVER_ACCESS: "all" } }, /SPOOL_SERVER_ACCESS must be one of read-only/],
    [{ flags: { logFormat: "xml" } }, /--log-format must be one of json, text/],
    [{ flags: { maxBodyBytes: 0 } }, /--max-body-bytes must be ≥ 1/],
    [{ flags: { defaultPoolSize: "huge" } }, /--default-pool-size/],
    [{ flags: { maxPoolSize: "lots" } }, /--max-pool-size/],
    [{ env: { SPOOL_SERVER_MAX_POOL_SIZE: "8K" } }, /SPOOL_SERVER_MAX_POOL_SIZE/],
    [
      { flags: { maxPoolSize: "1M", defaultPoolSize: "2M" } },
      /--default-pool-size .* is larger than --max-pool-size/,
    ],
    [{ flags: { maxPoolSize: "64K" } }, /the default pool size .* is larger than --max-pool-size/],
    [{ flags: { maxTotalPoolBytes: 0 } }, /--max-total-pool-bytes must be ≥ 1/],
    [
      { env: { SPOOL_SERVER_LOCK_TIMEOUT_MS: "soon" } },
      /SPOOL_SERVER_LOCK_TIMEOUT_MS must be a whole number/,
    ],
    [{ flags: { tlsCert: "c.pem" } }, /--tls-cert needs --tls-key too/],
    [{ env: { SPOOL_SERVER_TLS_KEY: "k.pem" } }, /SPOOL_SERVER_TLS_KEY needs --tls-cert too/],
    [
      { flags: { tlsCert: "c", tlsKey: "k", tlsSelfSigned: true } },
      /--tls-self-signed conflicts with --tls-cert/,
    ],
  ])("%j", (input, pattern) => {
    expect(usageError(() => resolveServerConfig(input)).message).toMatch(pattern);
  });

  it("names the file and key for a bad value in the config file", () => {
    const file = configFile({ port: "9700" });
    const { message } = usageError(() => resolveServerConfig({ file }));
    expect(message).toContain(file);
    expect(message).toContain('key "port"');
  });

  it("refuses unknown keys in the config file, naming them", () => {
    const file = configFile({ port: 1, prot: 2, tokens: ["x"] });
    const { message, hint } = usageError(() => resolveServerConfig({ file }));
    expect(message).toMatch(/unknown keys "prot", "tokens"/);
    expect(hint).toContain("tokenFile");
  });

  it("refuses a config file that is not a JSON object", () => {
    expect(
      usageError(() => resolveServerConfig({ file: configFile("{port: 1}") })).message,
    ).toMatch(/not valid JSON/);
    expect(usageError(() => resolveServerConfig({ file: configFile([1]) })).message).toMatch(
      /must hold a JSON object/,
    );
  });

  it("reports a missing config file as NotFound", () => {
    try {
      resolveServerConfig({ flags: { config: join(tempDir(), "nope.json") } });
      throw new Error("expected an error");
    } catch (error) {
      expect(isSpoolError(error, "NotFound")).toBe(true);
      expect((error as Error).message).toContain("--config");
    }
  });
});

describe("loopback and security rules", () => {
  it("knows loopback addresses", () => {
    for (const h of [
      "127.0.0.1",
      "127.1.2.3",
      "::1",
      "[::1]",
      "localhost",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
    ])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      "0.0.0.0",
      "::",
      "10.0.0.1",
      "192.168.1.2",
      "example.com",
      "128.0.0.1",
      "::ffff:10.0.0.1",
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it("refuses a non-loopback bind without --allow-non-loopback", () => {
    const { message, hint } = usageError(() => resolveServerConfig({ flags: { host: "0.0.0.0" } }));
    expect(message).toMatch(/refusing to bind 0\.0\.0\.0/);
    expect(hint).toContain("--allow-non-loopback");
  });

  it("refuses writes over non-loopback without a token file and TLS", () => {
    const base = { host: "0.0.0.0", allowNonLoopback: true };
    expect(usageError(() => resolveServerConfig({ flags: base })).message).toMatch(
      /without a token file and TLS/,
    );
    expect(
      usageError(() => resolveServerConfig({ flags: { ...base, tokenFile: "t" } })).message,
    ).toMatch(/without TLS/);
    const { message, hint } = usageError(() =>
      resolveServerConfig({ flags: { ...base, access: "write-only", tlsSelfSigned: true } }),
    );
    expect(message).toMatch(/access write-only.*without a token file/);
    expect(hint).toContain("spool serve init");
  });

  it("allows the secure set-up, and read-only without protection (with a warning)", () => {
    const ok = resolveServerConfig({
      flags: { host: "0.0.0.0", allowNonLoopback: true, tokenFile: "t", tlsSelfSigned: true },
    });
    expect(ok.loopback).toBe(false);
    expect(ok.warnings).toEqual([]);
    const ro = resolveServerConfig({
      flags: { host: "::", allowNonLoopback: true, access: "read-only" },
    });
    expect(ro.warnings.join("\n")).toMatch(/anyone who can reach it may read every pool/);
  });

  it("allows the insecure override, loudly", () => {
    const c = resolveServerConfig({
      env: {
        SPOOL_SERVER_HOST: "0.0.0.0",
        SPOOL_SERVER_ALLOW_NON_LOOPBACK: "1",
        SPOOL_SERVER_INSECURE_NO_AUTH_OR_TLS: "1",
      },
    });
    expect(c.warnings.join("\n")).toMatch(/^INSECURE: SPOOL_SERVER_INSECURE_NO_AUTH_OR_TLS is set/);
  });
});

describe("--bind HOST:PORT", () => {
  it("is --host and --port in one value, IPv6 in brackets", () => {
    expect(resolveServerConfig({ flags: { bind: "127.0.0.1:9801" } })).toMatchObject({
      host: "127.0.0.1",
      port: 9801,
    });
    expect(resolveServerConfig({ flags: { bind: "[::1]:0" } })).toMatchObject({
      host: "::1",
      port: 0,
    });
  });

  it("refuses a value without a port, a bad port, and --bind with --host or --port", () => {
    expect(usageError(() => resolveServerConfig({ flags: { bind: "127.0.0.1" } })).message).toMatch(
      /--bind must be HOST:PORT/,
    );
    expect(usageError(() => resolveServerConfig({ flags: { bind: "::1:9700" } })).message).toMatch(
      /--bind must be HOST:PORT/,
    );
    expect(
      usageError(() => resolveServerConfig({ flags: { bind: "127.0.0.1:99999" } })).message,
    ).toMatch(/--bind port/);
    expect(
      usageError(() => resolveServerConfig({ flags: { bind: "127.0.0.1:1", port: 2 } })).message,
    ).toMatch(/not both/);
  });

  it("still needs --allow-non-loopback for a non-loopback host", () => {
    expect(() => resolveServerConfig({ flags: { bind: "0.0.0.0:9700" } })).toThrow();
  });
});
