/**
 * `spool top`: every pool of a directory or a server, live: size, bounds, message count, bytes
 * used, append rate (from successive snapshots) and the lag of its cursors and consumer groups;
 * sortable, with a selection that Enter opens in the live view (`spool watch`).
 *
 * Invariants: one snapshot at a time (the next poll starts `intervalMs` after the previous one
 * ended, so a slow server is never asked twice at once); the selection follows the pool's name
 * across re-sorts and new snapshots; a failed snapshot keeps the last table and shows the error;
 * an unreadable pool is one row with its error, never a failed table; the screen is exactly the
 * terminal's rows − 1 lines, recomputed on resize; the live view opened from here owns its pool
 * handle, closed when the person goes back.
 */
import type { PoolListEntry } from "@spool/core/shared";
import { Box, type Key, useApp, useInput, useStdout } from "ink";
import { useEffect, useMemo, useRef, useState } from "react";
import { bytesText, cell, rateText } from "./format.js";
import { Line } from "./line.js";
import { keyPresses } from "./prompt.js";
import { RateMeter } from "./rates.js";
import type { TopSource, WatchPool } from "./sources.js";
import { type TerminalSize, useTerminalSize } from "./terminal.js";
import { WatchView, type WatchViewProps } from "./watch.js";

/** The columns `s` cycles through. */
export const SORT_KEYS = ["name", "size", "msgs", "used", "rate", "lag"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface TopViewProps {
  source: TopSource;
  /** Milliseconds between snapshots (default 1000). */
  intervalMs?: number;
  /** The column to sort by first (default name). */
  sort?: SortKey;
  /** Options of the live view Enter opens. */
  watch?: Omit<WatchViewProps, "pool" | "onBack" | "size">;
  /** The terminal size, when it is not stdout's (tests). */
  size?: TerminalSize;
}

interface TableRow {
  entry: PoolListEntry;
  rate: number | undefined;
  lag: number;
}

/** The highest lag of a pool's cursors and groups (0 without any). */
function maxLag(entry: PoolListEntry): number {
  const info = entry.info;
  if (!info) return 0;
  return Math.max(0, ...info.cursors.map((c) => c.lag), ...info.groups.map((g) => g.lag));
}

function lagCell(entry: PoolListEntry): string {
  const info = entry.info;
  if (!info) return "";
  const parts = [
    ...info.cursors.map((c) => `${c.name}=${c.lag}`),
    ...info.groups.map((g) => `group:${g.name}=${g.lag}`),
  ];
  return parts.length === 0 ? "-" : parts.join(" ");
}

function sortValue(line: TableRow, key: SortKey): number | string {
  const info = line.entry.info;
  switch (key) {
    case "name":
      return line.entry.name;
    case "size":
      return info?.fileSize ?? -1;
    case "msgs":
      return info?.messageCount ?? -1;
    case "used":
      return info?.bytesUsed ?? -1;
    case "rate":
      return line.rate ?? -1;
    case "lag":
      return line.lag;
  }
}

function sorted(lines: TableRow[], key: SortKey, descending: boolean): TableRow[] {
  const out = [...lines];
  out.sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    const order =
      typeof x === "string" && typeof y === "string"
        ? x.localeCompare(y)
        : (x as number) - (y as number);
    const byName = a.entry.name.localeCompare(b.entry.name);
    return (descending ? -order : order) || byName;
  });
  return out;
}

const KEYS = "q quit  ↑↓ select  enter watch  s sort  r reverse";
const W = { size: 9, seqs: 19, msgs: 9, used: 15, rate: 7 };

function tableLine(
  cells: [string, string, string, string, string, string, string],
  nameWidth: number,
  width: number,
): string {
  const [name, size, seqs, msgs, used, rate, lag] = cells;
  const fixed = `${cell(name, nameWidth)}  ${cell(size, W.size, true)}  ${cell(seqs, W.seqs, true)}  ${cell(msgs, W.msgs, true)}  ${cell(used, W.used, true)}  ${cell(rate, W.rate, true)}  `;
  return cell(fixed + lag, width);
}

function cellsOf(line: TableRow): [string, string, string, string, string, string, string] {
  const { entry } = line;
  const info = entry.info;
  if (!info) {
    const error = entry.error ? `${entry.error.kind}: ${entry.error.message}` : "unreadable";
    return [entry.name, "", "", "", "", "", error];
  }
  const pct = info.ringSize === 0 ? 0 : Math.round((info.bytesUsed / info.ringSize) * 100);
  return [
    entry.name,
    bytesText(info.fileSize),
    info.bounds ? `${info.bounds.oldest}..${info.bounds.newest}` : "-",
    String(info.messageCount),
    `${bytesText(info.bytesUsed)} ${pct}%`,
    rateText(line.rate),
    lagCell(entry),
  ];
}

/** The live table of pools. */
export function TopView(props: TopViewProps): React.JSX.Element {
  const { source } = props;
  const app = useApp();
  const { stdout } = useStdout();
  const measured = useTerminalSize(stdout);
  const size = props.size ?? measured;
  const rates = useMemo(() => new RateMeter(), []);
  const [entries, setEntries] = useState<PoolListEntry[] | undefined>(undefined);
  const [error, setError] = useState("");
  const [at, setAt] = useState<Date | undefined>(undefined);
  const [sortKey, setSortKey] = useState<SortKey>(props.sort ?? "name");
  const [descending, setDescending] = useState(props.sort !== undefined && props.sort !== "name");
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [watching, setWatching] = useState<
    { pool: WatchPool & { close?: () => void | Promise<void> } } | undefined
  >(undefined);
  const [notice, setNotice] = useState("");

  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const poll = async (): Promise<void> => {
      try {
        const list = await source.list();
        if (stopped) return;
        const now = Date.now();
        rates.observe(
          list.map((e) => ({ name: e.name, newest: e.info?.bounds?.newest ?? 0 })),
          now,
        );
        setEntries(list);
        setAt(new Date(now));
        setError("");
      } catch (e) {
        if (!stopped) setError(e instanceof Error ? e.message : String(e));
      }
      if (!stopped) timer = setTimeout(poll, props.intervalMs ?? 1000);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [source, rates, props.intervalMs]);

  const lines = useMemo(
    () =>
      sorted(
        (entries ?? []).map((entry) => ({
          entry,
          rate: rates.rate(entry.name),
          lag: maxLag(entry),
        })),
        sortKey,
        descending,
      ),
    [entries, rates, sortKey, descending],
  );
  const index = selected === undefined ? -1 : lines.findIndex((l) => l.entry.name === selected);
  // what the key handler reads as it is now (keys typed faster than a frame see each other)
  const latest = useRef({ lines, selected, sortKey, descending });
  latest.current = { lines, selected, sortKey, descending };
  const choose = (name: string | undefined): void => {
    latest.current = { ...latest.current, selected: name };
    setSelected(name);
  };

  const open = async (name: string): Promise<void> => {
    if (!source.open) return;
    try {
      const pool = await source.open(name);
      setWatching({ pool });
      setNotice("");
    } catch (e) {
      setNotice(`cannot open ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const closeWatch = (): void => {
    const pool = watching?.pool;
    setWatching(undefined);
    void Promise.resolve(pool?.close?.()).catch(() => {});
  };

  const onKey = (input: string, key: Key): void => {
    const { lines, selected, sortKey, descending } = latest.current;
    const index = selected === undefined ? -1 : lines.findIndex((l) => l.entry.name === selected);
    if (input === "q" || (key.ctrl && input === "c")) app.exit();
    else if (key.upArrow || input === "k") {
      const next = index < 0 ? lines.length - 1 : Math.max(0, index - 1);
      choose(lines[next]?.entry.name);
    } else if (key.downArrow || input === "j") {
      const next = index < 0 ? 0 : Math.min(lines.length - 1, index + 1);
      choose(lines[next]?.entry.name);
    } else if (key.home) choose(lines[0]?.entry.name);
    else if (key.end) choose(lines[lines.length - 1]?.entry.name);
    else if (input === "s") {
      const next = SORT_KEYS[(SORT_KEYS.indexOf(sortKey) + 1) % SORT_KEYS.length] as SortKey;
      latest.current = { ...latest.current, sortKey: next, descending: next !== "name" };
      setSortKey(next);
      setDescending(next !== "name");
    } else if (input === "r") {
      latest.current = { ...latest.current, descending: !descending };
      setDescending(!descending);
    } else if (key.return && index >= 0) {
      if (source.open) void open(lines[index]?.entry.name as string);
      else setNotice("this source cannot open a live view");
    } else if (key.escape) choose(undefined);
  };
  useInput(
    (input, key) => {
      for (const [one, pressed] of keyPresses(input, key)) onKey(one, pressed);
    },
    { isActive: watching === undefined },
  );

  if (watching) {
    return (
      <WatchView
        {...props.watch}
        pool={watching.pool}
        onBack={closeWatch}
        {...(props.size ? { size: props.size } : {})}
      />
    );
  }

  const width = size.columns;
  const nameWidth = Math.min(
    32,
    Math.max(4, ...(entries ?? []).map((e) => Array.from(e.name).length)),
  );
  const bodyHeight = Math.max(1, size.rows - 1 - 4);
  let start = 0;
  if (index >= bodyHeight) start = index - bodyHeight + 1;
  const shown = lines.slice(start, start + bodyHeight);
  const clock = at ? at.toISOString().slice(11, 19) : "…";
  const header = `spool top  ${source.location}  ${entries ? `${entries.length} pool${entries.length === 1 ? "" : "s"}` : "…"}  ${clock}  sort: ${sortKey} ${descending ? "↓" : "↑"}`;
  const columns = tableLine(
    ["NAME", "SIZE", "SEQS", "MSGS", "USED", "MSG/S", "LAG (cursors, groups)"],
    nameWidth,
    width,
  );
  const status = error !== "" ? `snapshot failed: ${error}` : notice;
  return (
    <Box flexDirection="column" width={width} height={Math.max(1, size.rows - 1)}>
      <Line width={width} style="bold" text={cell(header, width)} />
      <Line width={width} style="boldDim" text={columns} />
      <Box flexDirection="column" height={bodyHeight}>
        {shown.length === 0 ? (
          <Line width={width} style="dim" text={entries ? "no pools" : "reading…"} />
        ) : (
          shown.map((line) => (
            <Line
              key={line.entry.name}
              width={width}
              text={tableLine(cellsOf(line), nameWidth, width)}
              style={line.entry.name === selected ? "inverse" : line.entry.info ? "plain" : "red"}
            />
          ))
        )}
      </Box>
      <Line width={width} style={error !== "" ? "red" : "plain"} text={cell(status, width)} />
      <Line width={width} style="dim" text={cell(KEYS, width)} />
    </Box>
  );
}
