/**
 * Input validation shared by every surface: pool names, sizes with units, tags, durability and
 * gap policies, and strict UTF-8 decoding of input bytes. Every failure is a Usage SpoolError with
 * a hint that says what would be valid.
 *
 * Invariants: a valid pool name never contains a path separator, NUL, or a `.`/`..` segment and
 * is at most MAX_POOL_NAME_BYTES bytes; parsed sizes are whole bytes within the allowed range;
 * invalid UTF-8 is refused, never replaced with U+FFFD. Node-free (no `node:` import, no
 * `Buffer`): `@spool/core/shared` exports these validators, so the SDK checks exactly as core does.
 */
import { SpoolError } from "./errors.js";

export const MAX_POOL_NAME_BYTES = 128;
export const MAX_TAGS = 64;
export const MAX_TAG_BYTES = 256;
export const MIN_POOL_SIZE = 16 * 1024;
export const MAX_POOL_SIZE = 2 ** 40; // 1 TiB
export const DEFAULT_POOL_SIZE = 1024 * 1024;

/** How an append is made durable. */
export type Durability = "fast" | "flush";
export const DURABILITIES: readonly Durability[] = ["fast", "flush"];

/** What a tail does when messages were overwritten before it read them. */
export type GapPolicy = "continue" | "error";
export const GAP_POLICIES: readonly GapPolicy[] = ["continue", "error"];

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The text of UTF-8 `bytes` (a leading BOM is dropped); Usage naming `what` when they are not
 * valid UTF-8, so bytes are never stored as U+FFFD.
 *
 * @example
 * decodeUtf8(new Uint8Array([0x7b, 0x7d]), "request body"); // "{}"
 * decodeUtf8(new Uint8Array([0xff]), "request body"); // throws Usage "request body is not valid UTF-8"
 */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new SpoolError("Usage", `${what} is not valid UTF-8`, {
      hint: "encode the text as UTF-8 (invalid bytes are refused, not replaced with U+FFFD)",
      cause: error,
    });
  }
}

/**
 * The number of bytes of `text` in UTF-8 (a lone surrogate counts as U+FFFD's 3 bytes, as
 * encoders write it), without encoding it.
 *
 * @example
 * utf8ByteLength("h\u00e9\u{1d11e}"); // 1 + 2 + 4 = 7
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 2; // 4 bytes for 2 code units
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._@+-]*$/u;

/**
 * Checks a bare pool name and returns it in its one spelling: a name given with the file
 * extension (`build.spool`) is the pool `build`, so every surface that takes a name (API, CLI,
 * HTTP path and body, SDK) reaches the same file and reports the same name.
 *
 * @example
 * validatePoolName("build.spool") // "build"
 */
export function validatePoolName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new SpoolError("Usage", "pool name is empty", {
      hint: "name pools with letters, digits, '_', '-', '.', '@' or '+', e.g. `build-log`",
    });
  }
  const bytes = utf8ByteLength(name);
  if (bytes > MAX_POOL_NAME_BYTES) {
    throw new SpoolError(
      "Usage",
      `pool name is ${bytes} bytes; the limit is ${MAX_POOL_NAME_BYTES}`,
      {
        hint: "use a shorter pool name",
      },
    );
  }
  if (name.includes("\0")) {
    throw new SpoolError("Usage", "pool name contains a NUL byte", {
      hint: "name pools with letters, digits, '_', '-', '.', '@' or '+'",
    });
  }
  if (name === "." || name === ".." || name.includes("/") || name.includes("\\")) {
    throw new SpoolError(
      "Usage",
      `invalid pool name ${JSON.stringify(name)}: names cannot contain path separators or be '.'/'..'`,
      {
        hint: "pass a plain name such as `build`, or a path containing '/' to use a file directly",
      },
    );
  }
  if (!NAME_PATTERN.test(name) || name.includes("..")) {
    throw new SpoolError("Usage", `invalid pool name ${JSON.stringify(name)}`, {
      hint: "pool names start with a letter, digit or '_' and use only letters, digits, '_', '-', '.', '@', '+' (no '..')",
    });
  }
  return name.endsWith(POOL_NAME_EXTENSION) ? name.slice(0, -POOL_NAME_EXTENSION.length) : name;
}

/** The pool file extension a name may carry (stripped by `validatePoolName`). */
const POOL_NAME_EXTENSION = ".spool";

const UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  K: 1024,
  KB: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
  TIB: 1024 ** 4,
};

/**
 * Parses a pool size: a whole number of bytes or a number with a unit (K, M, G, T; binary
 * multiples; `KiB`/`MB` spellings accepted). Throws Usage outside [16 KiB, 1 TiB].
 *
 * @example
 * parseSize("64M") // 67108864
 */
export function parseSize(input: unknown): number {
  const bytes = parseBytes(input);
  if (!Number.isSafeInteger(bytes) || bytes < MIN_POOL_SIZE || bytes > MAX_POOL_SIZE) {
    throw new SpoolError(
      "Usage",
      `pool size ${typeof input === "string" ? input : bytes} is out of range (16K to 1T)`,
      { hint: "give a size between 16K and 1T, e.g. 1M (the default) or 64M" },
    );
  }
  return bytes;
}

/**
 * Bytes given as a number or as text with a unit (`64K`, `1M`), not yet range-checked (Usage for
 * anything else).
 */
export function parseBytes(input: unknown): number {
  let bytes: number;
  if (typeof input === "number") {
    bytes = input;
  } else if (typeof input === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(input);
    const unit = m?.[2]?.toUpperCase();
    const factor = unit === undefined ? undefined : UNITS[unit];
    if (!m || factor === undefined) {
      throw new SpoolError("Usage", `invalid size ${JSON.stringify(input)}`, {
        hint: "give bytes or a number with a unit: 64K, 1M, 256M, 1G",
      });
    }
    bytes = Math.floor(Number(m[1]) * factor);
  } else {
    throw new SpoolError("Usage", "size must be a number of bytes or text such as 1M", {
      hint: "give bytes or a number with a unit: 64K, 1M, 256M, 1G",
    });
  }
  return bytes;
}

/** Checks tags and returns their canonical stored form: the JSON array text. */
export function encodeTags(tags: unknown): string {
  if (tags === undefined || tags === null) return "[]";
  if (!Array.isArray(tags)) {
    throw new SpoolError("Usage", "tags must be an array of strings", {
      hint: 'pass tags as a list of strings, e.g. ["build", "ci"]',
    });
  }
  if (tags.length === 0) return "[]";
  if (tags.length > MAX_TAGS) {
    throw new SpoolError("Usage", `${tags.length} tags given; the limit is ${MAX_TAGS}`, {
      hint: "use fewer tags and put the rest into the data",
    });
  }
  for (const tag of tags) checkTag(tag);
  return JSON.stringify(tags);
}

/** Checks one tag (also used for tag filters). */
export function checkTag(tag: unknown): string {
  if (typeof tag !== "string" || tag.length === 0) {
    throw new SpoolError(
      "Usage",
      `invalid tag ${JSON.stringify(tag) ?? String(tag)}: tags are non-empty strings`,
      {
        hint: "tags are short non-empty strings such as `build` or `deploy:prod`",
      },
    );
  }
  if (utf8ByteLength(tag) > MAX_TAG_BYTES) {
    throw new SpoolError("Usage", `tag is longer than ${MAX_TAG_BYTES} bytes`, {
      hint: "tags are short exact-match keys; put long text into the data",
    });
  }
  if (/[\u0000-\u001f\u007f]/.test(tag)) {
    throw new SpoolError("Usage", `tag ${JSON.stringify(tag)} contains control characters`, {
      hint: "tags may not contain control characters such as NUL or newlines",
    });
  }
  return tag;
}

export function checkDurability(value: unknown): Durability {
  if (value === undefined) return "fast";
  if (value === "fast" || value === "flush") return value;
  throw new SpoolError("Usage", `invalid durability ${JSON.stringify(value)}`, {
    hint: "durability is `fast` (survives process crashes) or `flush` (survives power loss)",
  });
}

export function checkGapPolicy(value: unknown): GapPolicy {
  if (value === undefined) return "continue";
  if (value === "continue" || value === "error") return value;
  throw new SpoolError("Usage", `invalid gap policy ${JSON.stringify(value)}`, {
    hint: "gap policy is `continue` (skip ahead and report) or `error` (fail with RetentionGap)",
  });
}

/** Checks an optional non-negative integer option such as `max` or `last`. */
export function checkCount(name: string, value: unknown, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new SpoolError(
      "Usage",
      `${name} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`,
      {
        hint: `pass ${name} as a whole number such as 10`,
      },
    );
  }
  return value;
}

/**
 * Usage unless at most one of a tail's start options is given (`since`, `sinceTime`, `last`;
 * spec/api/v0 §4.1), each already checked on its own.
 *
 * @example
 * checkOneTailStart({ since: 3, last: 10 }); // throws: give one of since, sinceTime and last, not since and last
 */
export function checkOneTailStart(start: {
  since: unknown;
  sinceTime: unknown;
  last: unknown;
}): void {
  const given = (["since", "sinceTime", "last"] as const).filter((k) => start[k] !== undefined);
  if (given.length > 1) {
    throw new SpoolError(
      "Usage",
      `give one of since, sinceTime and last, not ${given.join(" and ")}`,
      {
        hint: "use since to start at a seq, sinceTime at a time, or last to replay the newest N messages",
      },
    );
  }
}
