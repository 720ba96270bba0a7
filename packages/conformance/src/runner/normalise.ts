/**
 * Normalising outcomes so surfaces can be compared: what legitimately differs between runs and
 * surfaces (commit times, the absolute temp directories) becomes a placeholder; what must not
 * differ (kinds, seqs, tags, data, sizes, context fields) is kept exactly.
 *
 * Invariants: a time is replaced by `<time>` only when it has the contract's exact form
 * (RFC 3339 UTC, nine fraction digits), so a malformed time still fails; directory prefixes are
 * replaced longest first by `${name}`; an error keeps kind, whether it has a hint, and its
 * path/seq/offset, but not its message (messages are not a contract); an error nested in a
 * result (a listing entry's `error`) gets the message `<message>` and its hint also becomes
 * whether it has one (both are worded for each surface's user: CLI flags and absolute paths
 * locally, HTTP requests and served paths remotely); `unordered` tails sort
 * their messages canonically and move the seqs to a sorted `seqs` list. Envelope lines keep every
 * byte except the commit time (`"time":"<time>"`, only where the contract's form sits right after
 * the seq), a dead letter's original commit time (right after its `pool`, `group` and `seq`, at
 * the start of its data), and under `unordered` the seq too, sorted. The times of durable
 * consumers (`ack_time`, `created_time`, `lease_until`) are times like the others.
 *
 * **The intended difference `served-paths`.** The library and the CLI name a pool file by its
 * absolute path; HTTP names it by its name inside the served pool directory (`a.spool`,
 * spec/http/v0 §2.2) and never shows an absolute server path. `servedPaths` is the one place the
 * suite accounts for that: for a surface with `paths: "served"` it checks the rule (every `path`
 * is relative; no text of the answer contains the pool directory) and then rewrites each `path`
 * to `POOL_DIR/path`, so manifests keep one expectation (`${pool_dir}/a.spool`) and parity still
 * compares every other field and every envelope byte. Envelopes carry no paths, so byte parity is
 * untouched.
 */
import { isAbsolute, join } from "node:path";
import type { Outcome } from "../drivers/types.js";

export const TIME_PLACEHOLDER = "<time>";
/** What a nested error's message becomes (messages are not a contract). */
export const MESSAGE_PLACEHOLDER = "<message>";
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const TIME_KEYS = new Set([
  "time",
  "oldest_time",
  "newest_time",
  "last_time",
  // durable consumers (spec/http/v0 §3.3–3.4): a cursor's, a group's, a delivery's
  "ack_time",
  "created_time",
  "lease_until",
]);

/** A normalised outcome: what expectations and parity look at. */
export type Normalised =
  | { status: "ok"; result: unknown; lines?: string[] }
  | {
      status: "error";
      error: {
        kind: string;
        hint: boolean;
        path?: unknown;
        seq?: unknown;
        offset?: unknown;
        newest_seq?: unknown;
        expected_seq?: unknown;
        epoch?: unknown;
      };
    };

/** JSON with object keys sorted: a canonical text for comparing and sorting values. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

function walk(value: unknown, dirs: readonly [string, string][], key?: string): unknown {
  if (typeof value === "string") {
    if (key !== undefined && TIME_KEYS.has(key) && TIME_RE.test(value)) return TIME_PLACEHOLDER;
    let out = value;
    for (const [name, dir] of dirs) out = out.split(dir).join(`\${${name}}`);
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => walk(item, dirs));
  if (value === null || typeof value !== "object") return value;
  if (key === "error" && isErrorJson(value)) {
    // A nested error (a listing entry's): its message and hint are worded per surface, like a
    // top-level one's (the message stays a string, so `$type` expectations still apply).
    const { hint, message: _message, ...rest } = value;
    return walk(
      { ...rest, message: MESSAGE_PLACEHOLDER, hint: typeof hint === "string" && hint.length > 0 },
      dirs,
    );
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v, dirs, k)]),
  );
}

function isErrorJson(value: object): value is { kind: string; message: string; hint?: unknown } {
  const { kind, message } = value as { kind?: unknown; message?: unknown };
  return typeof kind === "string" && typeof message === "string";
}

function unorder(result: unknown): unknown {
  const messages = (result as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return result;
  const seqs = messages
    .map((m) => (m as { seq?: unknown }).seq)
    .sort((a, b) => Number(a) - Number(b));
  const rest = messages
    .map((m) => {
      const { seq: _seq, ...others } = m as Record<string, unknown>;
      return others;
    })
    .sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));
  return { ...(result as Record<string, unknown>), messages: rest, seqs };
}

const LINE_TIME = /^\{"seq":(\d+),"time":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z"/;
/**
 * A dead letter's data (spec/api/v0 §3.12), which carries the original message's commit time:
 * `"data":{"pool":…,"group":…,"seq":N,"time":"…"`. Pool and group names need no escapes.
 */
const DEAD_LETTER_TIME =
  /,"data":\{"pool":"[^"\\]*","group":"[^"\\]*","seq":\d+,"time":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z"/;

/**
 * Envelope lines with the commit time replaced (and, when `unordered`, the seq, then sorted), and
 * in a dead letter's data the original message's commit time too.
 *
 * @example
 * normaliseLines(['{"seq":3,"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":[]},"data":1.50}'])
 * // ['{"seq":3,"time":"<time>","meta":{"tags":[]},"data":1.50}']
 */
export function normaliseLines(lines: readonly string[], unordered = false): string[] {
  const out = lines.map((line) =>
    line
      .replace(LINE_TIME, (_, seq: string) =>
        unordered
          ? `{"seq":<seq>,"time":"${TIME_PLACEHOLDER}"`
          : `{"seq":${seq},"time":"${TIME_PLACEHOLDER}"`,
      )
      .replace(DEAD_LETTER_TIME, (text) => `${text.slice(0, -32)}"${TIME_PLACEHOLDER}"`),
  );
  return unordered ? out.sort() : out;
}

/**
 * Normalises one outcome (not a skipped one).
 *
 * @example
 * normalise({ status: "ok", result: { message: { seq: 1, time: "2026-11-22T10:15:30.123456789Z" } } }, [["pool_dir", "/tmp/x"]])
 * // { status: "ok", result: { message: { seq: 1, time: "<time>" } } }
 */
export function normalise(
  outcome: Exclude<Outcome, { status: "skipped" }>,
  dirs: readonly [string, string][],
  unordered = false,
): Normalised {
  const sorted = [...dirs].sort((a, b) => b[1].length - a[1].length);
  if (outcome.status === "ok") {
    const result = walk(outcome.result, sorted);
    const normalised: Normalised = { status: "ok", result: unordered ? unorder(result) : result };
    if (outcome.lines !== undefined) normalised.lines = normaliseLines(outcome.lines, unordered);
    return normalised;
  }
  const { kind, hint, path, seq, offset, newest_seq, expected_seq, epoch } = outcome.error;
  const error: Extract<Normalised, { status: "error" }>["error"] = {
    kind,
    hint: typeof hint === "string" && hint.length > 0,
  };
  if (path !== undefined) error.path = walk(path, sorted);
  if (seq !== undefined) error.seq = seq;
  if (offset !== undefined) error.offset = offset;
  if (newest_seq !== undefined) error.newest_seq = newest_seq;
  if (expected_seq !== undefined) error.expected_seq = expected_seq;
  if (epoch !== undefined) error.epoch = epoch;
  return { status: "error", error };
}

/**
 * A `paths: "served"` surface's outcome with its pool file paths made absolute again (see the
 * module header, `served-paths`), and the breaches of the rule it found.
 *
 * @example
 * servedPaths({ status: "ok", result: { pool: { path: "a.spool" } } }, "/tmp/p")
 * // { outcome: { status: "ok", result: { pool: { path: "/tmp/p/a.spool" } } }, violations: [] }
 */
export function servedPaths(
  outcome: Exclude<Outcome, { status: "skipped" }>,
  poolDir: string,
): { outcome: Exclude<Outcome, { status: "skipped" }>; violations: string[] } {
  const violations: string[] = [];
  const fix = (value: unknown, at: string, key?: string): unknown => {
    if (typeof value === "string") {
      if (value.includes(poolDir)) {
        violations.push(
          `${at}: an answer of this surface shows the server's pool directory (${JSON.stringify(value.slice(0, 200))}); served paths are names inside it (spec/http/v0 §2.2)`,
        );
        return value;
      }
      if (key !== "path") return value;
      if (isAbsolute(value)) {
        violations.push(
          `${at}: ${JSON.stringify(value)} is an absolute path; served paths are names inside the pool directory (spec/http/v0 §2.2)`,
        );
        return value;
      }
      return value === "." ? poolDir : join(poolDir, value);
    }
    if (Array.isArray(value)) return value.map((item, i) => fix(item, `${at}[${i}]`));
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        fix(v, `${at}.${k}`, k),
      ]),
    );
  };
  if (outcome.status === "ok") {
    return { outcome: { ...outcome, result: fix(outcome.result, "result") }, violations };
  }
  const error = fix(outcome.error, "error") as typeof outcome.error;
  return { outcome: { ...outcome, error }, violations };
}
