/**
 * `spool watch`: one pool's live tail, keyboard driven: filter by tags and by a where expression,
 * pause/resume, jump to a seq, a time or an age, inspect a message's stored envelope, gap
 * notices where they happened, the pool's bounds, rate and consumer lag.
 *
 * Invariants: memory is bounded (the RowBuffer's capacity; LiveTail stops reading when its
 * waiting rows reach it); the screen is exactly the terminal's rows − 1 lines, each cut to its
 * columns, recomputed on every resize; filters apply to the rows held (changing one never
 * restarts the tail) and never hide a gap; while a row is selected the tail holds once the
 * buffer is full, so nothing being read scrolls away; a failing info poll or tail shows its
 * error on the status line and never ends the view by itself.
 */

import type { CursorInfo, GroupInfo, PoolInfo } from "@spool/core/shared";
import { Box, type Key, useApp, useInput, useStdout } from "ink";
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { compileFilter, type Filter, filterText, NO_FILTER, parseTags } from "./filter.js";
import { bytesText, cell, clockText, rateText } from "./format.js";
import { type JumpTarget, jumpText, parseJump } from "./jump.js";
import { Line } from "./line.js";
import { LiveTail, type TailStart } from "./live-tail.js";
import { prettyJson } from "./pretty.js";
import { editPrompt, keyPresses, type PromptState, promptOf } from "./prompt.js";
import { RateMeter } from "./rates.js";
import { type MessageRow, type Row, RowBuffer } from "./rows.js";
import type { WatchPool } from "./sources.js";
import { type TerminalSize, useTerminalSize } from "./terminal.js";

export interface WatchViewProps {
  pool: WatchPool;
  /** Where the tail starts (default: the newest 100 messages, then live). */
  start?: TailStart;
  /** Rows held in memory (default 1000). */
  capacity?: number;
  /** The filter to start with. */
  filter?: Filter;
  /** How often the pool's info (bounds, rate, lag) is read, in ms (default 1000). */
  infoIntervalMs?: number;
  /** Called on q / Esc instead of exiting (top's "back"). */
  onBack?: () => void;
  /** The terminal size, when it is not stdout's (tests). */
  size?: TerminalSize;
}

type Mode =
  | { kind: "list" }
  | { kind: "inspect"; row: MessageRow; offset: number }
  | { kind: "prompt"; what: "where" | "tags" | "jump"; state: PromptState }
  | { kind: "help" };

const PROMPT_LABEL = {
  where: "where (jq subset, e.g. .data.ok == false): ",
  tags: "tags (all must match, comma separated): ",
  jump: "jump to a seq, a time or an age (10m, 2h; empty: live): ",
} as const;

const KEYS =
  "q quit  space pause  / where  t tags  c clear  g jump  ↑↓ select  enter inspect  ? help";

const HELP = [
  "Keys",
  "  q, Ctrl-C     quit (q goes back to the pool list when opened from spool top)",
  "  space, p      pause / resume reading (the pool keeps its messages; a gap shows if the ring overwrote them)",
  "  /             filter by a where expression (the jq subset of spool follow --where)",
  "  t             filter by tags (every tag given must be on the message)",
  "  c             clear both filters",
  "  g             jump to a seq (42), a time (2026-11-22T10:00:00Z) or an age (10m, 2h); empty: live end",
  "  ↑ ↓ PgUp PgDn select a message (the view stops scrolling; End or Esc follows again)",
  "  Home End      first held message / follow the live end",
  "  enter, i      inspect the selected (else the newest) message: its stored envelope",
  "  ?             this help; any key closes it",
];

function lagText(cursors: readonly CursorInfo[], groups: readonly GroupInfo[]): string {
  const parts = [
    ...cursors.map((c) => `cursor ${c.name} lag ${c.lag}`),
    ...groups.map(
      (g) => `group ${g.name} lag ${g.lag}${g.inFlight > 0 ? ` (${g.inFlight} in flight)` : ""}`,
    ),
  ];
  return parts.join(" · ");
}

function rowText(row: Row, width: number): string {
  if (row.kind === "gap") {
    const range = row.from === row.to ? `#${row.from}` : `#${row.from}..#${row.to}`;
    return cell(
      `── gap: ${row.count} message${row.count === 1 ? "" : "s"} overwritten before they were read (${range}) ──`,
      width,
    );
  }
  const tags = row.tags.length > 0 ? ` [${row.tags.join(",")}]` : "";
  return cell(`#${row.seq}  ${clockText(row.time)}${tags}  ${row.preview}`, width);
}

/**
 * State the key handler reads as it is now, not as of the last render: keys typed faster than
 * a frame (a paste, a busy machine) each see the previous key's effect.
 */
function useRefState<T>(initial: T): [T, (next: T) => void, { readonly current: T }] {
  const [value, setValue] = useState(initial);
  const ref = useRef(value);
  const set = useCallback((next: T) => {
    ref.current = next;
    setValue(next);
  }, []);
  return [value, set, ref];
}

/** The live tail view of one pool. */
export function WatchView(props: WatchViewProps): React.JSX.Element {
  const { pool } = props;
  const capacity = props.capacity ?? 1000;
  const app = useApp();
  const { stdout } = useStdout();
  const measured = useTerminalSize(stdout);
  const size = props.size ?? measured;
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const buffer = useMemo(() => new RowBuffer(capacity), [capacity]);
  const tail = useMemo(() => new LiveTail(pool, buffer, redraw), [pool, buffer]);
  const [filter, setFilter, filterRef] = useRefState<Filter>(props.filter ?? NO_FILTER);
  const [mode, setMode, modeRef] = useRefState<Mode>({ kind: "list" });
  const [notice, setNotice] = useState<string>("");
  const [info, setInfo] = useState<PoolInfo | undefined>(undefined);
  const [infoError, setInfoError] = useState<string>("");
  const [from, setFrom] = useState<JumpTarget>({ live: true });
  /** The selected row's insertion number; undefined: following the live end. */
  const [selected, setSelected, selectedRef] = useRefState<number | undefined>(undefined);
  const top = useRef(0);
  const startAt = useRef(props.start ?? { last: 100 });
  const rates = useMemo(() => new RateMeter(), []);

  // the tail: started once per pool, stopped on unmount
  useEffect(() => {
    tail.start(startAt.current);
    return () => tail.stop();
  }, [tail]);

  // the filter applies to the rows held, in the same frame that names it (idempotent)
  const compiled = useMemo(() => {
    const next = compileFilter(filter);
    if (next.ok) buffer.setFilter(next.keep);
    return next;
  }, [filter, buffer]);

  // a selected row holds the tail once the buffer is full
  useEffect(() => {
    tail.setHold(selected !== undefined);
  }, [tail, selected]);

  // bounds, usage, rate and lag, polled
  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const poll = async (): Promise<void> => {
      try {
        const next = await pool.info();
        if (stopped) return;
        rates.observe([{ name: pool.name, newest: next.bounds?.newest ?? 0 }], Date.now());
        setInfo(next);
        setInfoError("");
      } catch (error) {
        if (!stopped) setInfoError(error instanceof Error ? error.message : String(error));
      }
      if (!stopped) timer = setTimeout(poll, props.infoIntervalMs ?? 1000);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [pool, rates, props.infoIntervalMs]);

  const view = buffer.view;
  const selectedIndex = selected === undefined ? -1 : view.findIndex((row) => row.n === selected);
  // a selected row that left the buffer: follow the live end again
  const following = selected === undefined || selectedIndex < 0;
  const bodyHeight = Math.max(1, size.rows - 1 - 4);

  const back = (): void => {
    if (props.onBack) props.onBack();
    else app.exit();
  };

  /** The selection as it is now (see useRefState). */
  const now = () => {
    const rows = buffer.view;
    const sel = selectedRef.current;
    const index = sel === undefined ? -1 : rows.findIndex((row) => row.n === sel);
    return { rows, index, following: sel === undefined || index < 0 };
  };

  const select = (index: number): void => {
    const view = buffer.view;
    if (view.length === 0) return;
    const clamped = Math.max(0, Math.min(view.length - 1, index));
    setSelected((view[clamped] as Row).n);
  };

  const applyPrompt = (what: "where" | "tags" | "jump", text: string): void => {
    if (what === "jump") {
      const jump = parseJump(text, Date.now());
      if (!jump.ok) {
        setNotice(`jump: ${jump.error}`);
        return;
      }
      setFrom(jump.target);
      setSelected(undefined);
      tail.start("live" in jump.target ? startAt.current : jump.target);
      setNotice(`jumped ${jumpText(jump.target)}`);
      return;
    }
    const current = filterRef.current;
    const next: Filter =
      what === "tags" ? { ...current, tags: parseTags(text) } : { ...current, where: text };
    const check = compileFilter(next);
    if (!check.ok) {
      setNotice(`${what}: ${check.error}`);
      return;
    }
    setFilter(next);
    setNotice("");
  };

  const inspect = (): void => {
    const { rows: view, index: selectedIndex, following } = now();
    const index = following ? view.length - 1 : selectedIndex;
    for (let i = index; i >= 0; i--) {
      const row = view[i] as Row;
      if (row.kind === "message") {
        setMode({ kind: "inspect", row, offset: 0 });
        return;
      }
    }
    setNotice("no message to inspect");
  };

  const onKey = (input: string, key: Key): void => {
    const mode = modeRef.current;
    const filter = filterRef.current;
    const { rows: view, index: selectedIndex, following } = now();
    if (key.ctrl && input === "c") {
      app.exit();
      return;
    }
    if (mode.kind === "help") {
      setMode({ kind: "list" });
      return;
    }
    if (mode.kind === "prompt") {
      const step = editPrompt(mode.state, input, key);
      if (step.kind === "edit") setMode({ ...mode, state: step.state });
      else {
        setMode({ kind: "list" });
        if (step.kind === "submit") applyPrompt(mode.what, step.text);
      }
      return;
    }
    if (mode.kind === "inspect") {
      const page = Math.max(1, bodyHeight - 1);
      if (key.escape || key.return || input === "q" || input === "i") setMode({ kind: "list" });
      else if (key.upArrow) setMode({ ...mode, offset: Math.max(0, mode.offset - 1) });
      else if (key.downArrow) setMode({ ...mode, offset: mode.offset + 1 });
      else if (key.pageUp) setMode({ ...mode, offset: Math.max(0, mode.offset - page) });
      else if (key.pageDown) setMode({ ...mode, offset: mode.offset + page });
      return;
    }
    if (input === "q") back();
    else if (key.escape) {
      if (!following) setSelected(undefined);
      else if (props.onBack) props.onBack();
    } else if (input === " " || input === "p") {
      tail.setPaused(!tail.paused);
      setNotice(tail.paused ? "paused: reading stopped (space resumes)" : "resumed");
    } else if (input === "/")
      setMode({ kind: "prompt", what: "where", state: promptOf(filter.where) });
    else if (input === "t") {
      setMode({ kind: "prompt", what: "tags", state: promptOf(filter.tags.join(",")) });
    } else if (input === "g") setMode({ kind: "prompt", what: "jump", state: promptOf("") });
    else if (input === "c") {
      setFilter(NO_FILTER);
      setNotice("filters cleared");
    } else if (input === "?") setMode({ kind: "help" });
    else if (key.return || input === "i") inspect();
    else if (key.upArrow || input === "k") select(following ? view.length - 1 : selectedIndex - 1);
    else if (key.downArrow || input === "j") {
      if (!following) {
        if (selectedIndex >= view.length - 1) setSelected(undefined);
        else select(selectedIndex + 1);
      }
    } else if (key.pageUp) select((following ? view.length : selectedIndex) - bodyHeight);
    else if (key.pageDown) {
      if (!following) {
        if (selectedIndex + bodyHeight >= view.length) setSelected(undefined);
        else select(selectedIndex + bodyHeight);
      }
    } else if (key.home) select(0);
    else if (key.end) setSelected(undefined);
  };
  useInput((input, key) => {
    for (const [one, pressed] of keyPresses(input, key)) onKey(one, pressed);
  });

  const width = size.columns;
  const state = tail.state;
  const newest = info?.bounds?.newest ?? 0;
  const behind = Math.max(0, newest - buffer.lastSeq);
  const stateText =
    state === "live"
      ? following
        ? "LIVE"
        : "READING"
      : state === "paused"
        ? "PAUSED"
        : state === "holding"
          ? "HOLDING (buffer full while reading)"
          : state === "ended"
            ? "ENDED"
            : "ERROR";
  const bounds = info?.bounds ? `#${info.bounds.oldest}..#${info.bounds.newest}` : "empty";
  const usage = info ? `${bytesText(info.bytesUsed)} / ${bytesText(info.ringSize)}` : "";
  const header = [
    `spool watch ${pool.name}`,
    info ? `${bounds}  ${info.messageCount} msgs  ${usage}` : "…",
    `${rateText(rates.rate(pool.name))} msg/s`,
    stateText,
    behind > 0 && state !== "live" ? `${behind} behind` : "",
  ]
    .filter((part) => part !== "")
    .join("  ");
  const lag = info ? lagText(info.cursors, info.groups) : "";
  const shownFilter = filterText(filter);
  const second = [
    `${view.length}/${buffer.rows.length} shown (max ${capacity})`,
    jumpText(from),
    shownFilter === "" ? "" : `filter: ${shownFilter}`,
    lag,
  ]
    .filter((part) => part !== "")
    .join("  ·  ");

  let body: React.JSX.Element[];
  if (mode.kind === "inspect") {
    const lines = prettyJson(mode.row.line).split("\n");
    const offset = Math.min(mode.offset, Math.max(0, lines.length - bodyHeight));
    body = lines.slice(offset, offset + bodyHeight).map((line, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: lines of a fixed text, by position
      <Line key={i} width={width} text={cell(line, width)} />
    ));
  } else if (mode.kind === "help") {
    body = HELP.slice(0, bodyHeight).map((line) => (
      <Line key={line} width={width} text={cell(line, width)} />
    ));
  } else {
    // the window: the newest rows when following, else one holding the selection
    let start: number;
    if (following) start = Math.max(0, view.length - bodyHeight);
    else {
      start = Math.min(top.current, selectedIndex);
      if (selectedIndex >= start + bodyHeight) start = selectedIndex - bodyHeight + 1;
      start = Math.max(0, Math.min(start, Math.max(0, view.length - bodyHeight)));
    }
    top.current = start;
    const shown = view.slice(start, start + bodyHeight);
    body =
      shown.length === 0
        ? [
            <Line
              key="empty"
              width={width}
              style="dim"
              text={
                buffer.rows.length === 0
                  ? "waiting for messages…"
                  : "no held message matches the filter (c clears it)"
              }
            />,
          ]
        : shown.map((row, line) => (
            // keyed by screen line: a frame rewrites the lines' text (no node churn at any rate)
            <Line
              // biome-ignore lint/suspicious/noArrayIndexKey: the screen's lines are positions
              key={line}
              width={width}
              text={rowText(row, width)}
              style={
                !following && row.n === selected
                  ? "inverse"
                  : row.kind === "gap"
                    ? "yellow"
                    : "plain"
              }
            />
          ));
  }
  const error =
    tail.error !== undefined
      ? `tail failed: ${tail.error instanceof Error ? tail.error.message : String(tail.error)} (g jumps to restart)`
      : compiled.ok
        ? infoError === ""
          ? ""
          : `info failed: ${infoError}`
        : compiled.error;
  const status =
    mode.kind === "prompt"
      ? `${PROMPT_LABEL[mode.what]}${mode.state.text.slice(0, mode.state.caret)}█${mode.state.text.slice(mode.state.caret)}`
      : mode.kind === "inspect"
        ? `message #${mode.row.seq}: the stored envelope  (↑↓ scroll, esc closes)`
        : error !== ""
          ? error
          : notice;
  return (
    <Box flexDirection="column" width={width} height={Math.max(1, size.rows - 1)}>
      <Line width={width} style="bold" text={cell(header, width)} />
      <Line width={width} style="dim" text={cell(second, width)} />
      <Box flexDirection="column" height={bodyHeight}>
        {body}
      </Box>
      <Line
        width={width}
        style={error !== "" && mode.kind === "list" ? "red" : "plain"}
        text={cell(status, width)}
      />
      <Line width={width} style="dim" text={cell(KEYS, width)} />
    </Box>
  );
}
