// initServerFiles: the token, certificate and key it writes (modes, SANs, fingerprint), and that
// it never overwrites without force.
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSpoolError } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import { initServerFiles, parseTokenFile } from "../src/index.js";
import { cleanup, tempDir } from "./helpers.js";

afterEach(cleanup);

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("initServerFiles", () => {
  it("writes a 0600 token file, a 0600 key and a certificate for the loopback names", async () => {
    const dir = join(tempDir(), "srv");
    const r = await initServerFiles({ dir, hosts: ["spool.example.net", "192.0.2.10"] });
    expect(mode(dir)).toBe(0o700);
    expect(mode(r.tokenFile)).toBe(0o600);
    expect(mode(r.keyFile)).toBe(0o600);
    expect(mode(r.certFile)).toBe(0o644);
    const tokens = parseTokenFile(readFileSync(r.tokenFile, "utf8"), r.tokenFile);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]?.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
    const cert = new X509Certificate(readFileSync(r.certFile));
    expect(r.fingerprint).toBe(cert.fingerprint256);
    expect(r.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert.subjectAltName).toContain("DNS:localhost");
    expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(cert.subjectAltName).toMatch(/IP Address:(::1|0:0:0:0:0:0:0:1)/);
    expect(cert.subjectAltName).toContain("DNS:spool.example.net");
    expect(cert.subjectAltName).toContain("IP Address:192.0.2.10");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(r.names).toEqual(["localhost", "127.0.0.1", "::1", "spool.example.net", "192.0.2.10"]);
  });

  it("never overwrites without force, and replaces everything with it", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "cert.pem"), "mine");
    try {
      await initServerFiles({ dir });
      throw new Error("expected an error");
    } catch (error) {
      expect(isSpoolError(error, "AlreadyExists")).toBe(true);
      expect((error as { hint?: string }).hint).toContain("--force");
    }
    expect(readFileSync(join(dir, "cert.pem"), "utf8")).toBe("mine");
    const first = await initServerFiles({ dir, force: true });
    const token = readFileSync(first.tokenFile, "utf8");
    const second = await initServerFiles({ dir, force: true });
    expect(readFileSync(second.tokenFile, "utf8")).not.toBe(token);
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect(mode(second.keyFile)).toBe(0o600);
  });

  it("refuses a --host that is not a name or an address", async () => {
    await expect(initServerFiles({ dir: tempDir(), hosts: ["not a host"] })).rejects.toMatchObject({
      kind: "Usage",
    });
  });
});
