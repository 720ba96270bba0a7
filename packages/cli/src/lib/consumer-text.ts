/**
 * Cursors and groups for the CLI: core's wire spelling for `--json`/`--jsonl` (snake_case, the
 * fields of `cursorInfoJson` and `groupInfoJson`, as the HTTP protocol spells them) and the
 * human renderings of `spool cursor …` and `spool group …`.
 *
 * Invariants: every field appears under its wire name in JSON, `null` where it has no value
 * (never omitted); human output is for people only (scripts use --json).
 */
import { type CursorInfo, cursorInfoJson, type GroupInfo, groupInfoJson } from "@spool/core";
import type { Io } from "./io.js";
import { printJson, printJsonLines } from "./json-output.js";
import type { OutputFormat } from "./output-format.js";
import { paint } from "./style.js";

/** Rows as aligned columns, the first one (the header) bold. */
function table(rows: readonly (readonly string[])[], color: boolean): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((row, r) => {
      const text = row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd();
      return r === 0 ? paint(color, "bold", text) : text;
    })
    .join("\n");
}

/** `key: value` lines with the values aligned. */
function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join("\n");
}

export function cursorText(info: CursorInfo): string {
  return fields([
    ["name", info.name],
    ["committed", info.committed === 0 ? "0 (nothing acked yet)" : String(info.committed)],
    ["next", `${info.committed + 1} (where a follow with this cursor starts)`],
    ["lag", String(info.lag)],
    ["last ack", info.ackTime ?? "never"],
    ["created", info.createdTime],
  ]);
}

export function cursorsTable(list: readonly CursorInfo[], color: boolean): string {
  if (list.length === 0) return paint(color, "dim", "no cursors");
  return table(
    [
      ["NAME", "COMMITTED", "LAG", "LAST ACK"],
      ...list.map((c) => [c.name, String(c.committed), String(c.lag), c.ackTime ?? "never"]),
    ],
    color,
  );
}

export function groupText(info: GroupInfo): string {
  const lines = fields([
    ["name", info.name],
    ["next", `${info.next} (the first seq never delivered)`],
    ["lag", `${info.lag} unfinished (${info.inFlight} in flight, ${info.waiting} waiting)`],
    ["oldest", info.oldestUnfinished === null ? "none unfinished" : String(info.oldestUnfinished)],
    ["delivered", `${info.delivered} messages (+ ${info.redelivered} redeliveries)`],
    ["acked", String(info.acked)],
    ["dead-lettered", String(info.deadLettered)],
    ["exhausted", `${info.exhausted} (given up without a dead-letter pool)`],
    ["lost", `${info.lostToRetention} (overwritten before they were finished)`],
    ["max attempts", info.maxAttempts === 0 ? "unlimited" : String(info.maxAttempts)],
    ["dead letter", info.deadLetter ?? "none"],
    ["retention", info.retention],
    ["created", info.createdTime],
  ]);
  if (info.members.length === 0) return `${lines}\nmembers:       none with deliveries in flight`;
  const members = info.members.map((m) => `  ${m.member}  ${m.inFlight} in flight`);
  return [lines, "members:", ...members].join("\n");
}

export function groupsTable(list: readonly GroupInfo[], color: boolean): string {
  if (list.length === 0) return paint(color, "dim", "no groups");
  return table(
    [
      ["NAME", "NEXT", "LAG", "IN FLIGHT", "WAITING", "ACKED", "DEAD", "LOST"],
      ...list.map((g) => [
        g.name,
        String(g.next),
        String(g.lag),
        String(g.inFlight),
        String(g.waiting),
        String(g.acked),
        String(g.deadLettered + g.exhausted),
        String(g.lostToRetention),
      ]),
    ],
    color,
  );
}

/** Prints one cursor or group under `key` (`{"cursor":…}`; jsonl: the object alone). */
export function printOne(
  io: Io,
  format: OutputFormat,
  key: string,
  json: unknown,
  human: () => string,
): void {
  if (format === "json") printJson(io, { [key]: json });
  else if (format === "jsonl") printJson(io, json);
  else void io.out.write(`${human()}\n`);
}

/** Prints a list under `key` (`{"cursors":[…]}`; jsonl: one object a line). */
export function printList(
  io: Io,
  format: OutputFormat,
  key: string,
  json: readonly unknown[],
  human: () => string,
): void {
  if (format === "json") printJson(io, { [key]: json });
  else if (format === "jsonl") printJsonLines(io, json);
  else void io.out.write(`${human()}\n`);
}

export { cursorInfoJson, groupInfoJson };
