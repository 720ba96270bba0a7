// The CLI's words for a remote failure: each TLS failure the SDK classifies gets the CLI fix for
// that failure (not always --tls-ca), a 401 names the token flags, and a refused connection names
// the address. Real TLS refusals end to end are in remote-tls.test.ts.
import { NetworkError, SpoolHttpError, TlsError, type TlsFailure } from "@spool/client";
import { SpoolError } from "@spool/core";
import { describe, expect, it } from "vitest";
import { explainRemoteError } from "../src/lib/remote.js";

const ref = { baseUrl: "https://127.0.0.1:9700" };

function hintFor(error: unknown): string {
  const explained = explainRemoteError(error, ref) as SpoolError;
  expect(explained).toBeInstanceOf(SpoolError);
  return explained.hint ?? "";
}

describe("remote error hints", () => {
  it("names the fix for each TLS failure", () => {
    const tls = (failure: TlsFailure) => new TlsError("GET info", failure, "CODE", undefined);
    expect(hintFor(tls("self-signed"))).toContain("--tls-ca FILE");
    expect(hintFor(tls("unknown-ca"))).toContain("--tls-ca FILE");
    const mismatch = hintFor(tls("hostname-mismatch"));
    expect(mismatch).toContain("--host NAME");
    expect(mismatch).toContain("--tls-ca cannot fix this");
    expect(hintFor(tls("expired"))).toContain("spool serve init --force");
    expect(hintFor(tls("other"))).toContain("--tls-skip-verify");
    const explained = explainRemoteError(tls("expired"), ref) as SpoolError;
    expect(explained.kind).toBe("Io");
    expect(explained.message).toContain("https://127.0.0.1:9700");
  });

  it("names the token flags for a 401 and the address for a refused connection", () => {
    expect(hintFor(new SpoolHttpError("Permission", "no token", 401))).toContain("--token-file");
    expect(hintFor(new NetworkError("fetch failed"))).toContain("spool serve is running");
    const forbidden = new SpoolHttpError("Permission", "read-only", 403, { hint: "server's" });
    expect(explainRemoteError(forbidden, ref)).toBe(forbidden);
  });
});
