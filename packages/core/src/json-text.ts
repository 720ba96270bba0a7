/**
 * The one rule for caller-encoded JSON text, shared by every surface that stores or sends it
 * (core's encoder, http-server's append routes, the SDK): strict UTF-8, JSON whitespace trimmed,
 * and every raw line break folded, so the stored bytes are the same whichever surface wrote them
 * (spec/format/v0 §6.2, spec/api/v0 §2.3, spec/http/v0 §2.1).
 *
 * Invariants: node-free (no `node:` import, no `Buffer`), so `@spool/core/shared` can export it;
 * the result is a single line: each raw CR or LF, together with the spaces and tabs around it,
 * becomes one space (in valid JSON a raw CR/LF is only ever whitespace between tokens, so string
 * contents, number spellings and key order are untouched); only JSON's own whitespace (space,
 * tab, LF, CR) is trimmed; text is never replaced: bytes that are not UTF-8 and text holding a
 * lone UTF-16 surrogate are refused (Usage), never stored as U+FFFD; folding is idempotent.
 */
import { SpoolError } from "./errors.js";
import { decodeUtf8 } from "./validate.js";

const LINE_BREAK_RUN = /[ \t]*[\r\n][\r\n\t ]*/g;

function isJsonWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** True when `text` holds a raw CR or LF. */
export function hasLineBreak(text: string): boolean {
  return text.indexOf("\n") >= 0 || text.indexOf("\r") >= 0;
}

/**
 * `text` without JSON whitespace (space, tab, LF, CR) at either end; other Unicode spaces are
 * kept (JSON does not allow them, so the parse check refuses them).
 *
 * @example
 * trimJsonWhitespace(' \r\n{"a":1}\t'); // '{"a":1}'
 */
export function trimJsonWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isJsonWs(text.charCodeAt(start))) start++;
  while (end > start && isJsonWs(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Folds each raw line break of JSON text, with the spaces and tabs around it, into one space.
 * The text must be valid JSON (raw CR/LF then lie between tokens only) and already trimmed;
 * text without a line break is returned as is (no copy).
 *
 * @example
 * foldLineBreaks('{"a":1,\n  "b":[1\n,2]}'); // '{"a":1, "b":[1 ,2]}'
 */
export function foldLineBreaks(text: string): string {
  return hasLineBreak(text) ? text.replace(LINE_BREAK_RUN, " ") : text;
}

const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean })
  .isWellFormed;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` has no lone UTF-16 surrogate, i.e. it has an exact UTF-8 encoding. */
export function isWellFormedText(text: string): boolean {
  return isWellFormed ? isWellFormed.call(text) : !LONE_SURROGATE.test(text);
}

function invalidJson(text: string, cause: unknown): SpoolError {
  const preview = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return new SpoolError("Usage", `data is not valid JSON: ${JSON.stringify(preview)}`, {
    hint: 'quote strings and use JSON syntax, e.g. \'{"step":"lint","ok":true}\'',
    cause,
  });
}

/**
 * The single-line JSON text to store for caller-encoded JSON: strict UTF-8 for bytes (Usage
 * otherwise), JSON whitespace trimmed, parse-checked (Usage with a preview), line breaks folded.
 * With `trusted`, the parse check is skipped for non-empty text without line breaks (the caller
 * vouches for it); text with line breaks, and empty text, are checked anyway. Text holding a
 * lone surrogate is Usage (it has no UTF-8 encoding).
 *
 * @example
 * normaliseJsonText('{"big": 12345678901234567890,\r\n "x": 1.50}\n');
 * // '{"big": 12345678901234567890, "x": 1.50}'
 * normaliseJsonText(new Uint8Array([0x31])); // "1"
 * normaliseJsonText('{"a":'); // throws Usage "data is not valid JSON: ..."
 */
export function normaliseJsonText(
  json: string | Uint8Array,
  options: { trusted?: boolean | undefined } = {},
): string {
  const text = trimJsonWhitespace(typeof json === "string" ? json : decodeUtf8(json, "data"));
  const multiline = hasLineBreak(text);
  if (options.trusted === true && !multiline && text.length > 0) return text;
  if (typeof json === "string" && !isWellFormedText(text)) {
    throw new SpoolError("Usage", "data is not valid Unicode text: it holds a lone surrogate", {
      hint: "pass well-formed text (escape a lone surrogate in a JSON string as \\ud800)",
    });
  }
  try {
    JSON.parse(text); // validation only: the stored text is the writer's own
  } catch (error) {
    throw invalidJson(text, error);
  }
  return multiline ? text.replace(LINE_BREAK_RUN, " ") : text;
}

/**
 * True when `text` could be one JSON value as far as its top-level structure goes: brackets
 * balance outside strings, no string is left open, and no `,` or `:` stands outside every
 * bracket. A linear scan without a parse, for text a caller vouches for (`trusted`) that is
 * spliced into a larger JSON document: it cannot add members or elements to that document.
 *
 * @example
 * isOneJsonValueShape('{"a":[1,2]}') // true
 * isOneJsonValueShape('1,"tags":["x"]') // false
 */
export function isOneJsonValueShape(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth < 0) return false;
    } else if (depth === 0 && (c === 0x2c || c === 0x3a)) return false;
  }
  return depth === 0 && !inString && text.length > 0;
}

function notSerialisable(reason: string, cause?: unknown): SpoolError {
  return new SpoolError("Usage", `data is not JSON-serialisable: ${reason}`, {
    hint: "send a JSON value: an object, array, string, number, boolean or null",
    cause,
  });
}

/** JSON text for a JS value; throws Usage for undefined, functions, symbols, BigInt, cycles. */
export function stringifyData(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (error) {
    throw notSerialisable(error instanceof Error ? error.message : String(error), error);
  }
  if (text === undefined) throw notSerialisable(`${typeof data} has no JSON form`);
  return text;
}
