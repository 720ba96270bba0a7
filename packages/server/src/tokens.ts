/**
 * The token file, the one parser for every reader of it (the server's `--token-file`, the CLI's
 * `--token-file`, exported as `@spool/server/tokens` so the CLI need not load the server): one
 * bearer token per line, optionally followed by whitespace and an access mode
 * (`TOKEN read-only`); `#` at the start of a line or after whitespace starts a comment; blank
 * lines are ignored; surrounding whitespace (and a byte order mark) is trimmed. Also the check of
 * a single token given elsewhere (`SPOOL_TOKEN`, `--token`) and the shell line that reads a
 * token file's first token for curl.
 *
 * Invariants: a token never appears in an error message, a hint, a warning or a log line (errors
 * name the file and the line number, or the variable, only); a file with no token is an error
 * (an empty token file would otherwise silently mean "no authentication"); duplicate tokens are
 * an error. This module loads nothing but `node:fs` and `@spool/core`.
 */
import { readFileSync, statSync } from "node:fs";
import { ACCESS_MODES, type AccessMode, fromSystemError, SpoolError } from "@spool/core";

export interface TokenEntry {
  token: string;
  /** The token's own access mode; absent: the server's `--access`. */
  access?: AccessMode;
}

/** What a token may be made of: printable ASCII without spaces (RFC 6750 allows less). */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

/** Quotes `text` for a POSIX shell. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell line that puts the first token of the token file at `path` into `$TOKEN` (for
 * curl's `-H "authorization: Bearer $TOKEN"`), reading the file by the same rules as
 * `parseTokenFile`; it never shows the token.
 *
 * @example
 * tokenShellLine("token.txt") // TOKEN=$(awk '!/^[[:space:]]*(#|$)/ {print $1; exit}' token.txt)
 */
export function tokenShellLine(path: string): string {
  return `TOKEN=$(awk '!/^[[:space:]]*(#|$)/ {print $1; exit}' ${shellQuote(path)})`;
}

/**
 * Parses the text of a token file (`where` names it in errors).
 *
 * @example
 * parseTokenFile("# ops\nabc123 read-only  # dashboards\n", "tokens.txt")
 * // [{ token: "abc123", access: "read-only" }]
 */
export function parseTokenFile(text: string, where: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string)
      .trim()
      .replace(/(^|\s)#.*$/, "")
      .trim();
    if (line === "") continue;
    const fields = line.split(/\s+/);
    const token = fields[0] as string;
    const lineNo = i + 1;
    if (fields.length > 2) {
      throw bad(where, lineNo, "has more than a token and an access mode");
    }
    if (!TOKEN_TEXT.test(token)) {
      throw bad(where, lineNo, "holds a token with characters outside printable ASCII");
    }
    const mode = fields[1];
    if (mode !== undefined && !(ACCESS_MODES as readonly string[]).includes(mode)) {
      throw bad(where, lineNo, `has an unknown access mode (use ${ACCESS_MODES.join(", ")})`);
    }
    if (seen.has(token)) throw bad(where, lineNo, "repeats a token of an earlier line");
    seen.add(token);
    entries.push(mode === undefined ? { token } : { token, access: mode as AccessMode });
  }
  if (entries.length === 0) {
    throw new SpoolError("Usage", `token file ${where} holds no token`, {
      path: where,
      hint: "add one token per line (`spool serve init` writes one), or drop --token-file to run without authentication",
    });
  }
  return entries;
}

function bad(where: string, line: number, what: string): SpoolError {
  return new SpoolError("Usage", `token file ${where}: line ${line} ${what}`, {
    path: where,
    hint: "each line is `TOKEN` or `TOKEN read-only|write-only|read-write`; `#` starts a comment",
  });
}

/**
 * Checks one bearer token given as `what` (`SPOOL_TOKEN`, `--token`): surrounding whitespace is
 * trimmed; the rest must be one token as a token file holds it. The error never shows the value.
 *
 * @example
 * checkBearerToken("  abc123\n", "SPOOL_TOKEN") // "abc123"
 */
export function checkBearerToken(value: string, what: string): string {
  const token = value.trim();
  if (token === "") {
    throw new SpoolError("Usage", `${what} is empty`, {
      hint: "pass the server's bearer token, or --token-file FILE with the token file",
    });
  }
  if (!TOKEN_TEXT.test(token)) {
    throw new SpoolError(
      "Usage",
      `${what} is not one bearer token: it holds spaces, line breaks or characters outside printable ASCII`,
      {
        hint: `give the token alone (from a token file: ${tokenShellLine("token.txt").replace("TOKEN=", `${what}=`)}), or pass --token-file token.txt`,
      },
    );
  }
  return token;
}

export interface LoadedTokens {
  tokens: TokenEntry[];
  /** Warnings to log (never containing a token). */
  warnings: string[];
}

/** Reads and parses the token file at `path`; warns when group or others may read it. */
export function loadTokenFile(path: string): LoadedTokens {
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, "utf8");
  } catch (error) {
    const e = fromSystemError(error, path, "read the token file");
    throw new SpoolError(e.kind, `cannot read token file ${path}: ${e.message}`, {
      path,
      hint: "check --token-file / SPOOL_SERVER_TOKEN_FILE; `spool serve init` writes one",
      cause: error,
    });
  }
  const warnings: string[] = [];
  if ((mode & 0o077) !== 0) {
    warnings.push(
      `token file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
    );
  }
  return { tokens: parseTokenFile(text, path), warnings };
}
