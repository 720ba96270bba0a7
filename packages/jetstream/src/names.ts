/**
 * How Spool names map onto JetStream names: a pool `NAME` is the stream `SPOOL_<enc(NAME)>` with
 * the subject `spool.<enc(NAME)>` (plus one subject per producer, `spool.<enc(NAME)>.p.<enc(ID)>`).
 *
 * Invariants: the encoding is exact and reversible (`decodeName(encodeName(x)) === x` for every
 * string); its output holds only `A–Z a–z 0–9 - _`, which stream names and subject tokens both
 * allow: letters, digits and `-` stay as they are; every other UTF-8 byte, `_` included, becomes
 * `_` and two upper-case hex digits.
 */
import { SpoolError } from "@spool/core";

/** Every stream Spool creates starts with this. */
export const STREAM_PREFIX = "SPOOL_";
/** Every subject Spool publishes to starts with this token. */
export const SUBJECT_PREFIX = "spool";
/** JetStream's longest stream name. */
export const MAX_STREAM_NAME = 255;

const KEEP = /^[A-Za-z0-9-]$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The name as stream-name and subject-token characters. */
export function encodeName(name: string): string {
  let out = "";
  for (const ch of name) {
    if (KEEP.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of encoder.encode(ch)) {
      out += `_${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return out;
}

/** The name an encoding came from, or undefined when `text` is not an encoding. */
export function decodeName(text: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "_") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (KEEP.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  try {
    const name = decoder.decode(new Uint8Array(bytes));
    return encodeName(name) === text ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The stream of pool `name` (Usage when the encoding is longer than JetStream allows). */
export function streamName(name: string): string {
  const stream = `${STREAM_PREFIX}${encodeName(name)}`;
  if (stream.length > MAX_STREAM_NAME) {
    throw new SpoolError(
      "Usage",
      `pool name ${JSON.stringify(name)} is too long for JetStream: its stream name would be ${stream.length} characters (the limit is ${MAX_STREAM_NAME})`,
      {
        hint: "use a shorter name; characters other than letters, digits and '-' take 3 characters each",
      },
    );
  }
  return stream;
}

/** The pool a stream holds, or undefined for a stream that is not named like a Spool pool. */
export function poolOfStream(stream: string): string | undefined {
  if (!stream.startsWith(STREAM_PREFIX)) return undefined;
  return decodeName(stream.slice(STREAM_PREFIX.length));
}

/** The subject plain appends go to. */
export function poolSubject(name: string): string {
  return `${SUBJECT_PREFIX}.${encodeName(name)}`;
}

/** The subject a producer's appends go to. */
export function producerSubject(name: string, id: string): string {
  return `${poolSubject(name)}.p.${encodeName(id)}`;
}

/** The producer id of a producer subject of pool `name`, or undefined. */
export function producerOfSubject(name: string, subject: string): string | undefined {
  const prefix = `${poolSubject(name)}.p.`;
  return subject.startsWith(prefix) ? decodeName(subject.slice(prefix.length)) : undefined;
}
