// Token files: format, errors that never show a token, and the group/world-readable warning.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSpoolError } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import { parseTokenFile } from "../src/index.js";
import { loadTokenFile } from "../src/tokens.js";
import { cleanup, tempDir } from "./helpers.js";

afterEach(cleanup);

function fails(text: string): Error {
  try {
    parseTokenFile(text, "tokens.txt");
  } catch (error) {
    expect(isSpoolError(error, "Usage")).toBe(true);
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("parseTokenFile", () => {
  it("reads tokens, access modes, comments and blank lines", () => {
    const text = "# ops tokens\n\n  alpha  \nbeta read-only\r\ngamma\twrite-only\n# end\n";
    expect(parseTokenFile(text, "t")).toEqual([
      { token: "alpha" },
      { token: "beta", access: "read-only" },
      { token: "gamma", access: "write-only" },
    ]);
  });

  it("refuses a file without tokens", () => {
    expect(fails("").message).toMatch(/holds no token/);
    expect(fails("# only a comment\n\n").message).toMatch(/holds no token/);
  });

  it("refuses bad lines by number, without echoing the token", () => {
    const secret = "s3cr3t-token-value";
    for (const text of [
      `${secret} admin`,
      `${secret} read-only extra`,
      `ok\n${secret}\n${secret}`,
      `${secret}é`,
    ]) {
      const e = fails(text);
      expect(e.message).toMatch(/line \d/);
      expect(e.message).not.toContain(secret);
      expect(JSON.stringify(e)).not.toContain(secret);
    }
  });
});

describe("loadTokenFile", () => {
  it("warns when group or others may read the file", () => {
    const path = join(tempDir(), "t.txt");
    writeFileSync(path, "abc\n");
    chmodSync(path, 0o644);
    const loaded = loadTokenFile(path);
    expect(loaded.tokens).toEqual([{ token: "abc" }]);
    expect(loaded.warnings.join()).toMatch(/readable by group or others.*chmod 600/);
    chmodSync(path, 0o600);
    expect(loadTokenFile(path).warnings).toEqual([]);
  });

  it("reports a missing file as NotFound with a hint", () => {
    try {
      loadTokenFile(join(tempDir(), "missing.txt"));
      throw new Error("expected an error");
    } catch (error) {
      expect(isSpoolError(error, "NotFound")).toBe(true);
      expect((error as { hint?: string }).hint).toContain("spool serve init");
    }
  });
});
