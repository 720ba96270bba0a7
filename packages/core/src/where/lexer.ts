/**
 * The lexer of `where` expressions (a jq subset implemented by Spool): source text to tokens.
 *
 * Invariants: every token records its 1-based column, so every compile error can name one;
 * comments (`#` to the end of the line) and whitespace are dropped; string literals are decoded
 * here (JSON escapes); a construct the language does not support (string interpolation, `@format`,
 * assignment operators) is refused here with a Usage error naming it, never mis-read as
 * something else. Lexing is linear in the text length.
 */
import { whereSyntaxError } from "./errors.js";

export type TokenKind = "num" | "str" | "ident" | "var" | "field" | "punct" | "keyword" | "eof";

export interface Token {
  kind: TokenKind;
  /** The punctuation or keyword itself, the identifier/variable/field name, or the string value. */
  text: string;
  /** Numeric value of a `num` token. */
  value?: number;
  /** 1-based column of the token's first character. */
  col: number;
}

export const KEYWORDS = new Set([
  "if",
  "then",
  "elif",
  "else",
  "end",
  "and",
  "or",
  "try",
  "catch",
  "as",
  "reduce",
  "foreach",
  "def",
  "label",
  "import",
  "include",
  "__loc__",
]);

/** Longest first, so that `//` wins over `/` and `..` over `.`. */
const PUNCTUATION = [
  "?//",
  "|=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "//=",
  "==",
  "!=",
  "<=",
  ">=",
  "//",
  "..",
  ".",
  "[",
  "]",
  "{",
  "}",
  "(",
  ")",
  "|",
  ",",
  ":",
  ";",
  "?",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "=",
].sort((a, b) => b.length - a.length);

const ASSIGNMENTS = new Set(["|=", "+=", "-=", "*=", "/=", "%=", "//=", "="]);

const isIdentStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isIdentChar = (c: string): boolean => /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string): boolean => c >= "0" && c <= "9";

/** Tokens of `src`, ending with one `eof` token. */
export function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    const col = i + 1;
    if (c === '"') {
      const { value, end } = lexString(src, i);
      tokens.push({ kind: "str", text: value, col });
      i = end;
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(src[i + 1] ?? ""))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
      const text = (m as RegExpExecArray)[0];
      tokens.push({ kind: "num", text, value: Number(text), col });
      i += text.length;
      continue;
    }
    if (c === "$") {
      let j = i + 1;
      if (src.startsWith("__loc__", j)) {
        throw whereSyntaxError("`$__loc__` is not supported", col);
      }
      if (!isIdentStart(src[j] ?? ""))
        throw whereSyntaxError("expected a variable name after `$`", col);
      while (j < n && (isIdentChar(src[j] as string) || (src[j] === ":" && src[j + 1] === ":"))) {
        j += src[j] === ":" ? 2 : 1;
      }
      tokens.push({ kind: "var", text: src.slice(i + 1, j), col });
      i = j;
      continue;
    }
    if (c === "@") {
      throw whereSyntaxError("format strings (`@base64`, `@csv`, …) are not supported", col);
    }
    if (c === "." && (isIdentStart(src[i + 1] ?? "") || src[i + 1] === '"')) {
      if (src[i + 1] === '"') {
        const { value, end } = lexString(src, i + 1);
        tokens.push({ kind: "field", text: value, col });
        i = end;
        continue;
      }
      let j = i + 1;
      while (j < n && isIdentChar(src[j] as string)) j++;
      tokens.push({ kind: "field", text: src.slice(i + 1, j), col });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i;
      while (j < n && (isIdentChar(src[j] as string) || (src[j] === ":" && src[j + 1] === ":"))) {
        j += src[j] === ":" ? 2 : 1;
      }
      const word = src.slice(i, j);
      tokens.push({ kind: KEYWORDS.has(word) ? "keyword" : "ident", text: word, col });
      i = j;
      continue;
    }
    const p = PUNCTUATION.find((q) => src.startsWith(q, i));
    if (p === undefined) throw whereSyntaxError(`unexpected character ${JSON.stringify(c)}`, col);
    if (ASSIGNMENTS.has(p)) {
      throw whereSyntaxError(`assignment (\`${p}\`) is not supported: use \`==\` to compare`, col);
    }
    if (p === "?//")
      throw whereSyntaxError("the alternative destructuring `?//` is not supported", col);
    tokens.push({ kind: "punct", text: p, col });
    i += p.length;
  }
  tokens.push({ kind: "eof", text: "", col: n + 1 });
  return tokens;
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Decodes the string literal starting at the quote at `start`; returns its value and end. */
function lexString(src: string, start: number): { value: string; end: number } {
  let out = "";
  let i = start + 1;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '"') return { value: out, end: i + 1 };
    if (c === "\\") {
      const e = src[i + 1] ?? "";
      if (e === "(") {
        throw whereSyntaxError("string interpolation `\\(…)` is not supported", i + 1);
      }
      if (e === "u") {
        const hex = src.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw whereSyntaxError("invalid \\u escape: expected 4 hex digits", i + 1);
        }
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 6;
        continue;
      }
      const decoded = ESCAPES[e];
      if (decoded === undefined) {
        throw whereSyntaxError(`invalid escape \`\\${e}\` in a string`, i + 1);
      }
      out += decoded;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  throw whereSyntaxError("unterminated string", start + 1);
}
