// Token files: format, errors that never show a token, the group/world-readable warning, the
// check of a single token (SPOOL_TOKEN, --token), and the shell line that agrees with the parser.
import { execFileSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSpoolError } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import { checkBearerToken, parseTokenFile, tokenShellLine } from "../src/index.js";
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

  it("allows comments after whitespace, a byte order mark and CRLF; # inside a token is kept", () => {
    const text = "\uFEFF# head\r\n  alpha   # the first\r\nbe#ta read-only\t# dashboards\r\n\t\r\n";
    expect(parseTokenFile(text, "t")).toEqual([
      { token: "alpha" },
      { token: "be#ta", access: "read-only" },
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

describe("checkBearerToken", () => {
  it("trims a token and refuses empty values and anything but one token, never echoing it", () => {
    expect(checkBearerToken("  s3cr3t-token-value\n", "SPOOL_TOKEN")).toBe("s3cr3t-token-value");
    const secret = "s3cr3t-token-value";
    for (const value of [
      `# spool token\n${secret}\n`,
      `${secret} read-only`,
      `${secret}é`,
      " \n",
    ]) {
      try {
        checkBearerToken(value, "SPOOL_TOKEN");
        throw new Error("expected an error");
      } catch (error) {
        expect(isSpoolError(error, "Usage")).toBe(true);
        const e = error as Error & { hint?: string };
        expect(e.message).toMatch(/^SPOOL_TOKEN is/);
        expect(e.hint).toMatch(/token/);
        expect(`${e.message} ${e.hint} ${JSON.stringify(e)}`).not.toContain(secret);
      }
    }
  });
});

describe("tokenShellLine", () => {
  it("reads the same first token as the parser, from the file spool serve init writes and others", () => {
    const dir = tempDir();
    for (const text of [
      "# Spool server bearer tokens\n# '#' starts a comment.\nfirst-token\n",
      "\n   # indented comment\n\t first-token read-only # note\nsecond\n",
    ]) {
      const path = join(dir, "token file.txt");
      writeFileSync(path, text);
      const script = `${tokenShellLine(path)}; printf %s "$TOKEN"`;
      const fromShell = execFileSync("sh", ["-c", script], { encoding: "utf8", timeout: 5000 });
      expect(fromShell).toBe(parseTokenFile(text, path)[0]?.token);
      expect(tokenShellLine(path)).not.toContain("first-token");
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
