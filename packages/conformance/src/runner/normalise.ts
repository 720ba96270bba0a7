/**
 * Normalising outcomes so surfaces can be compared: what legitimately differs between runs and
 * surfaces (commit times, the absolute temp directories) becomes a placeholder; what must not
 * differ (kinds, seqs, tags, data, sizes, context fields) is kept exactly.
 *
 * Invariants: a time is replaced by `<time>` only when it has the contract's exact form
 * (RFC 3339 UTC, nine fraction digits), so a malformed time still fails; directory prefixes are
 * replaced longest first by `${name}`; an error keeps kind, whether it has a hint, and its
 * path/seq/offset, but not its message (messages are not a contract); `unordered` tails sort
 * their messages canonically and move the seqs to a sorted `seqs` list. Envelope lines keep every
 * byte except the commit time (`"time":"<time>"`, only where the contract's form sits right after
 * the seq), and under `unordered` the seq too, sorted.
 */
import type { Outcome } from "../drivers/types.js";

export const TIME_PLACEHOLDER = "<time>";
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const TIME_KEYS = new Set(["time", "oldest_time", "newest_time"]);

/** A normalised outcome: what expectations and parity look at. */
export type Normalised =
  | { status: "ok"; result: unknown; lines?: string[] }
  | {
      status: "error";
      error: { kind: string; hint: boolean; path?: unknown; seq?: unknown; offset?: unknown };
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
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v, dirs, k)]),
  );
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
 * Envelope lines with the commit time replaced (and, when `unordered`, the seq, then sorted).
 *
 * @example
 * normaliseLines(['{"seq":3,"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":[]},"data":1.50}'])
 * // ['{"seq":3,"time":"<time>","meta":{"tags":[]},"data":1.50}']
 */
export function normaliseLines(lines: readonly string[], unordered = false): string[] {
  const out = lines.map((line) =>
    line.replace(LINE_TIME, (_, seq: string) =>
      unordered
        ? `{"seq":<seq>,"time":"${TIME_PLACEHOLDER}"`
        : `{"seq":${seq},"time":"${TIME_PLACEHOLDER}"`,
    ),
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
  const { kind, hint, path, seq, offset } = outcome.error;
  const error: Extract<Normalised, { status: "error" }>["error"] = {
    kind,
    hint: typeof hint === "string" && hint.length > 0,
  };
  if (path !== undefined) error.path = walk(path, sorted);
  if (seq !== undefined) error.seq = seq;
  if (offset !== undefined) error.offset = offset;
  return { status: "error", error };
}
