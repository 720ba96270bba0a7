/**
 * Splitting a byte stream into JSON records for `feed`, `duplex` and friends: JSON Lines,
 * concatenated JSON values (one value, or many, pretty-printed or not), and RFC 7464 JSON text
 * sequences (records led by the RS byte 0x1E). `auto` picks one from the start of the input.
 *
 * Invariants: records are yielded in input order, one array per input chunk (so a live pipe is
 * fed as it arrives); each record keeps its text exactly (validation is core's job, which parses
 * each record once) and the 1-based line where it starts; memory holds at most one chunk plus
 * one incomplete record; UTF-8 sequences split across chunks are decoded intact; a record whose
 * bytes are not well-formed UTF-8 is flagged `invalidUtf8` (never silently turned into U+FFFD).
 */
import { INVALID_UTF8_MARK, StrictUtf8Decoder } from "./utf8.js";

export type InputFormat = "auto" | "json" | "jsonl" | "seq";
export const INPUT_FORMATS: readonly InputFormat[] = ["auto", "json", "jsonl", "seq"];

/** One record's JSON text and the 1-based input line where it starts (0: not from a stream). */
export interface RawRecord {
  text: string;
  line: number;
  /** Set when the record's input bytes were not well-formed UTF-8 (its text is not the input). */
  invalidUtf8?: true;
}

interface Splitter {
  push(text: string): RawRecord[];
  end(): RawRecord[];
}

const RS = "\u001e";

class LineSplitter implements Splitter {
  #carry = "";
  #line = 1;
  push(text: string): RawRecord[] {
    const data = this.#carry + text;
    const out: RawRecord[] = [];
    let start = 0;
    for (let nl = data.indexOf("\n"); nl >= 0; nl = data.indexOf("\n", start)) {
      const line = data.slice(start, nl);
      if (line.trim() !== "") out.push({ text: line, line: this.#line });
      this.#line++;
      start = nl + 1;
    }
    this.#carry = data.slice(start);
    return out;
  }
  end(): RawRecord[] {
    const rest = this.#carry;
    this.#carry = "";
    return rest.trim() === "" ? [] : [{ text: rest, line: this.#line }];
  }
}

class SeqSplitter implements Splitter {
  #carry = "";
  #line = 1;
  #carryLine = 1;
  push(text: string): RawRecord[] {
    const data = this.#carry + text;
    const parts = data.split(RS);
    this.#carry = parts.pop() ?? "";
    const out: RawRecord[] = [];
    let line = this.#carryLine;
    for (const part of parts) {
      if (part.trim() !== "") out.push({ text: part, line });
      line += countNewlines(part);
    }
    this.#carryLine = line;
    this.#line = line;
    return out;
  }
  end(): RawRecord[] {
    const rest = this.#carry;
    this.#carry = "";
    return rest.trim() === "" ? [] : [{ text: rest, line: this.#line }];
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Finds the boundaries of whitespace-separated JSON values without parsing them. */
class ValueSplitter implements Splitter {
  #buf = "";
  #pos = 0;
  #start = -1;
  #startLine = 1;
  #line = 1;
  #depth = 0;
  #inString = false;
  #escape = false;
  #scalar = false;

  push(text: string): RawRecord[] {
    if (this.#start > 0) {
      this.#buf = this.#buf.slice(this.#start);
      this.#pos -= this.#start;
      this.#start = 0;
    } else if (this.#start < 0) {
      this.#buf = this.#buf.slice(this.#pos);
      this.#pos = 0;
    }
    this.#buf += text;
    return this.#scan();
  }

  end(): RawRecord[] {
    const out = this.#scan();
    if (this.#start >= 0) {
      const rest = this.#buf.slice(this.#start);
      if (rest.trim() !== "") out.push({ text: rest, line: this.#startLine });
    }
    this.#buf = "";
    this.#pos = 0;
    this.#start = -1;
    return out;
  }

  #emit(out: RawRecord[], endExclusive: number): void {
    out.push({ text: this.#buf.slice(this.#start, endExclusive), line: this.#startLine });
    this.#start = -1;
    this.#scalar = false;
  }

  #scan(): RawRecord[] {
    const out: RawRecord[] = [];
    const buf = this.#buf;
    let i = this.#pos;
    for (; i < buf.length; i++) {
      const ch = buf.charCodeAt(i);
      if (ch === 10) this.#line++;
      if (this.#start < 0) {
        if (ch === 32 || ch === 9 || ch === 10 || ch === 13) continue;
        this.#start = i;
        this.#startLine = this.#line;
        if (ch === 123 || ch === 91) this.#depth = 1;
        else if (ch === 34) {
          this.#inString = true;
          this.#depth = 0;
        } else this.#scalar = true;
        continue;
      }
      if (this.#scalar) {
        if (
          ch === 32 ||
          ch === 9 ||
          ch === 10 ||
          ch === 13 ||
          ch === 123 ||
          ch === 91 ||
          ch === 34
        ) {
          this.#emit(out, i);
          i--; // rescan this byte as the start of what follows
          if (ch === 10) this.#line--;
        }
        continue;
      }
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (ch === 92) this.#escape = true;
        else if (ch === 34) {
          this.#inString = false;
          if (this.#depth === 0) this.#emit(out, i + 1);
        }
        continue;
      }
      if (ch === 34) this.#inString = true;
      else if (ch === 123 || ch === 91) this.#depth++;
      else if (ch === 125 || ch === 93) {
        this.#depth--;
        if (this.#depth === 0) this.#emit(out, i + 1);
      }
    }
    this.#pos = i;
    return out;
  }
}

function splitterFor(format: Exclude<InputFormat, "auto">): Splitter {
  if (format === "jsonl") return new LineSplitter();
  if (format === "seq") return new SeqSplitter();
  return new ValueSplitter();
}

/**
 * Decides `auto`: RS first → seq; a first line that is a complete JSON value → jsonl;
 * anything else (a pretty-printed value, several values on a line) → json. Undefined while the
 * first line is still incomplete.
 */
export function detectFormat(
  head: string,
  ended: boolean,
): Exclude<InputFormat, "auto"> | undefined {
  const trimmed = head.trimStart();
  if (trimmed.startsWith(RS)) return "seq";
  if (trimmed === "") return ended ? "jsonl" : undefined;
  const nl = trimmed.indexOf("\n");
  if (nl < 0 && !ended) return undefined;
  const first = nl < 0 ? trimmed : trimmed.slice(0, nl);
  try {
    JSON.parse(first);
    return "jsonl";
  } catch {
    return "json";
  }
}

/**
 * Reads `input` and yields its records, one array per chunk (empty arrays are skipped).
 *
 * @example
 * for await (const batch of readRecords(process.stdin, "auto")) for (const r of batch) console.log(r.line, r.text);
 */
export async function* readRecords(
  input: AsyncIterable<Buffer | string>,
  format: InputFormat,
): AsyncGenerator<RawRecord[]> {
  const decoder = new StrictUtf8Decoder();
  const flag = (records: RawRecord[]): RawRecord[] => {
    if (decoder.sawInvalid) {
      for (const record of records)
        if (record.text.includes(INVALID_UTF8_MARK)) record.invalidUtf8 = true;
    }
    return records;
  };
  let splitter: Splitter | undefined = format === "auto" ? undefined : splitterFor(format);
  let head = "";
  for await (const chunk of input) {
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    if (!splitter) {
      head += text;
      const detected = detectFormat(head, false);
      if (!detected) continue;
      splitter = splitterFor(detected);
      const records = flag(splitter.push(head));
      head = "";
      if (records.length > 0) yield records;
      continue;
    }
    const records = flag(splitter.push(text));
    if (records.length > 0) yield records;
  }
  const tail = decoder.end();
  splitter ??= splitterFor(detectFormat(head + tail, true) ?? "jsonl");
  const last = flag([...splitter.push(head + tail), ...splitter.end()]);
  if (last.length > 0) yield last;
}
