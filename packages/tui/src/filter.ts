/**
 * What the live view keeps: exact tags (every one given must be on the message, the tail's tag
 * rule) and where expressions, the jq subset of spec/api/v0 that `spool follow --where`, the API
 * and the HTTP tails take (core's `compileWhere`, not a language of our own).
 *
 * Invariants: compiling is where a bad expression or tag fails (a SpoolError of kind Usage, its
 * message shown to the person), never while matching; matching never throws (an expression that
 * fails on a message drops that message, as `--where` does); an empty filter keeps everything.
 */
import { checkTag, compileWhere, isSpoolError } from "@spool/core/shared";
import type { MessageRow } from "./rows.js";

export interface Filter {
  /** The tags every kept message carries. */
  tags: readonly string[];
  /** The where expression as typed ("" for none). */
  where: string;
}

export const NO_FILTER: Filter = { tags: [], where: "" };

/** Tags typed by a person: separated by commas or spaces, blanks dropped. */
export function parseTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

/** A compiled filter, or the reason it did not compile. */
export type Compiled =
  | { ok: true; keep: ((row: MessageRow) => boolean) | undefined }
  | { ok: false; error: string };

/**
 * Compiles `filter` into a row predicate (undefined when it keeps everything).
 *
 * @example
 * compileFilter({ tags: ["ci"], where: ".data.ok == false" })
 */
export function compileFilter(filter: Filter): Compiled {
  try {
    for (const tag of filter.tags) checkTag(tag);
    const where = filter.where.trim() === "" ? undefined : compileWhere(filter.where.trim());
    const tags = filter.tags;
    if (tags.length === 0 && where === undefined) return { ok: true, keep: undefined };
    return {
      ok: true,
      keep: (row) =>
        tags.every((t) => row.tags.includes(t)) && (!where || where.testJson(row.line) === true),
    };
  } catch (error) {
    if (isSpoolError(error)) return { ok: false, error: error.message };
    return { ok: false, error: String(error) };
  }
}

/** The filter as one short line for the status bar ("" for none). */
export function filterText(filter: Filter): string {
  const parts: string[] = [];
  if (filter.tags.length > 0) parts.push(`tags ${filter.tags.join(",")}`);
  if (filter.where.trim() !== "") parts.push(`where ${filter.where.trim()}`);
  return parts.join(" · ");
}
