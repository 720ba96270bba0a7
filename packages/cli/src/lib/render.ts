/**
 * Reading fields out of envelope JSONL lines without parsing them, and rendering lines for
 * humans (pretty) or programs (JSONL, data only).
 *
 * Invariants: input lines are exactly core's JSONL rendering
 * (`{"seq":N,"time":"…","meta":{"tags":[…]},"data":…}\n`, spec/api/v0 §2.2); the first
 * `},"data":` in a line is the separator (an unescaped quote cannot occur inside a JSON string);
 * `--data-only` JSONL output is the stored data bytes plus a newline; pretty output is one line
 * per message with colour only when enabled.
 */
import { colorJson, paint } from "./style.js";

const SEQ_AT = '{"seq":'.length;
const TIME_KEY = ',"time":"';
const TIME_LEN = 30; // 2026-11-22T10:15:30.123456789Z
const TAGS_KEY = '","meta":{"tags":';
const DATA_KEY = Buffer.from('},"data":');

/** Splits a JSONL chunk of whole lines into lines (each keeps its newline). */
export function splitLines(chunk: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
    lines.push(chunk.subarray(start, nl + 1));
    start = nl + 1;
  }
  if (start < chunk.length) lines.push(chunk.subarray(start));
  return lines;
}

/** The seq of an envelope line. */
export function seqOf(line: Buffer): number {
  let seq = 0;
  for (let i = SEQ_AT; i < line.length; i++) {
    const c = line[i] as number;
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
  }
  return seq;
}

/** The RFC 3339 time text of an envelope line. */
export function timeOf(line: Buffer): string {
  const at = line.indexOf(TIME_KEY, SEQ_AT, "latin1") + TIME_KEY.length;
  return line.toString("latin1", at, at + TIME_LEN);
}

/** The stored tags JSON array text and data bytes of an envelope line. */
export function partsOf(line: Buffer): { tags: string; data: Buffer } {
  const tagsAt = line.indexOf(TAGS_KEY, SEQ_AT, "latin1") + TAGS_KEY.length;
  const sep = line.indexOf(DATA_KEY, tagsAt);
  const end = line[line.length - 1] === 10 ? line.length - 2 : line.length - 1;
  return {
    tags: line.toString("utf8", tagsAt, sep),
    data: line.subarray(sep + DATA_KEY.length, end),
  };
}

/** `--data-only` JSONL: the stored data bytes and a newline. */
export function dataLine(line: Buffer): Buffer {
  const { data } = partsOf(line);
  return Buffer.concat([data, NEWLINE]);
}

const NEWLINE = Buffer.from("\n");

/** Short time for humans: time of day for today (UTC), date and time otherwise, to the ms. */
export function shortTime(time: string, today = new Date().toISOString().slice(0, 10)): string {
  const day = time.slice(0, 10);
  const clock = `${time.slice(11, 23)}Z`;
  return day === today ? clock : `${day} ${clock}`;
}

/** One human line: `#seq time [tags] data`. */
export function prettyLine(line: Buffer, color: boolean): string {
  const { tags, data } = partsOf(line);
  const tagList = JSON.parse(tags) as string[];
  const tagText = tagList.length > 0 ? ` ${paint(color, "yellow", `[${tagList.join(",")}]`)}` : "";
  return `${paint(color, "cyan", `#${seqOf(line)}`)} ${paint(color, "dim", shortTime(timeOf(line)))}${tagText} ${colorJson(color, data.toString("utf8"))}\n`;
}

/** Pretty `--data-only`: the data, coloured. */
export function prettyData(line: Buffer, color: boolean): string {
  return `${colorJson(color, partsOf(line).data.toString("utf8"))}\n`;
}

/** An envelope line as indented, coloured JSON (for `fetch` on a terminal). */
export function indentedEnvelope(line: Buffer, color: boolean): string {
  return `${colorJson(color, JSON.stringify(JSON.parse(line.toString("utf8")), null, 2))}\n`;
}
