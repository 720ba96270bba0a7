/**
 * TLS failures and errors retrying cannot fix: against a real HTTPS `startServer` of
 * @spool/server with a generated self-signed certificate on 127.0.0.1, the SDK reports a
 * TlsError (kind Io, `failure`, `code`, a hint naming NODE_EXTRA_CA_CERTS and the `fetch`
 * option), and `follow` gives up at once on it and on 401 instead of reconnecting for ever.
 * The classification of the other certificate problems is checked on Node's own error codes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLogger,
  resolveServerConfig,
  type ServerHandle,
  startServer as startSpoolServer,
} from "@spool/server";
import { afterEach, describe, expect, it } from "vitest";
import { tlsFailureOf } from "../src/errors.js";
import {
  createClient,
  type FollowStatus,
  isNetworkError,
  isRetryable,
  isSpoolError,
  isTlsError,
} from "../src/index.js";
import { rejection, startServer, type TestServer } from "./helpers/server.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function httpsServer(): Promise<ServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), "spool-client-tls-"));
  const config = resolveServerConfig({
    flags: { port: 0, host: "127.0.0.1", dir, tlsSelfSigned: true, quiet: true },
  });
  const server = await startSpoolServer(config, {
    log: createLogger({ format: "json", quiet: true, write: () => {} }),
  });
  cleanups.push(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

describe("TLS failures", () => {
  it("a self-signed certificate is a TlsError with an actionable hint", async () => {
    const server = await httpsServer();
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const error = await rejection(createClient({ baseUrl: server.url }).listPools());
    expect(isTlsError(error)).toBe(true);
    expect(isNetworkError(error)).toBe(true);
    expect(isSpoolError(error, "Io")).toBe(true);
    const e = error as Error & { failure: string; code: string; hint: string };
    expect(e.failure).toBe("self-signed");
    expect(e.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(e.message).toMatch(/self-signed and not trusted/);
    expect(e.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(e.hint).toMatch(/`fetch`/);
    expect(isRetryable(e as never)).toBe(false);
  });

  it("follow does not reconnect after a TLS failure (default backoff: no attempt limit)", async () => {
    const server = await httpsServer();
    const statuses: FollowStatus[] = [];
    const pool = createClient({ baseUrl: server.url }).pool("p");
    const error = await rejection(
      (async () => {
        for await (const _ of pool.follow({ since: 1, onStatus: (s) => statuses.push(s) })) break;
      })(),
    );
    expect(isTlsError(error)).toBe(true);
    expect(statuses.filter((s) => s.state === "reconnecting")).toEqual([]);
    expect(statuses.at(-1)).toEqual({ state: "closed", reason: "error" });
  });

  it("classifies Node's certificate error codes anywhere in the cause chain", () => {
    const fetchFailure = (code: string) =>
      new TypeError("fetch failed", { cause: Object.assign(new Error("tls"), { code }) });
    const cases: [string, string][] = [
      ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed"],
      ["SELF_SIGNED_CERT_IN_CHAIN", "self-signed"],
      ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unknown-ca"],
      ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unknown-ca"],
      ["ERR_TLS_CERT_ALTNAME_INVALID", "hostname-mismatch"],
      ["CERT_HAS_EXPIRED", "expired"],
      ["CERT_NOT_YET_VALID", "expired"],
      ["ERR_SSL_WRONG_VERSION_NUMBER", "other"],
    ];
    for (const [code, failure] of cases) {
      expect(tlsFailureOf(fetchFailure(code)), code).toEqual({ failure, code });
    }
    expect(tlsFailureOf(fetchFailure("ECONNREFUSED"))).toBeUndefined();
    expect(tlsFailureOf(new TypeError("Failed to fetch"))).toBeUndefined();
  });
});

describe("authentication errors", () => {
  it("follow does not reconnect after 401, nor after 403", async () => {
    const s: TestServer = await startServer({
      tokens: ["writer-token", { token: "writer-only", access: "write-only" }],
    });
    cleanups.push(() => s.dispose());
    await createClient({ baseUrl: s.url, token: "writer-token" }).createPool("p");
    for (const [token, status] of [
      [undefined, 401],
      ["wrong-token", 401],
      ["writer-only", 403],
    ] as const) {
      const statuses: FollowStatus[] = [];
      const pool = createClient({ baseUrl: s.url, ...(token ? { token } : {}) }).pool("p");
      const error = await rejection(
        (async () => {
          for await (const _ of pool.follow({ since: 1, onStatus: (st) => statuses.push(st) }))
            break;
        })(),
      );
      expect(isSpoolError(error, "Permission"), String(token)).toBe(true);
      expect((error as { status?: number }).status).toBe(status);
      expect(statuses.filter((st) => st.state === "reconnecting")).toEqual([]);
    }
  });
});
