/**
 * @spool/tui: Spool's terminal UI. `TopView` (every pool of a directory or a server, live) and
 * `WatchView` (one pool's keyboard-driven live tail) as ink components, and `runTop` /
 * `runWatch`, which run them full screen on a terminal (what `spool top` and `spool watch` do).
 *
 * Only this file is imported by other packages. The views read through core's engine-neutral
 * pool interface (sources.ts), so any engine feeds them; React and ink load only with this
 * package, which the CLI imports lazily.
 */
import { createElement } from "react";
import { type FullscreenEnd, type FullscreenOptions, runFullscreen } from "./terminal.js";
import { TopView, type TopViewProps } from "./top.js";
import { WatchView, type WatchViewProps } from "./watch.js";

export { compileFilter, type Filter, filterText, NO_FILTER, parseTags } from "./filter.js";
export { type JumpTarget, parseJump } from "./jump.js";
export { LiveTail, type TailStart, type TailState } from "./live-tail.js";
export { prettyJson } from "./pretty.js";
export { RateMeter } from "./rates.js";
export { type GapRow, type MessageRow, type Row, RowBuffer } from "./rows.js";
export type { TopSource, WatchPool } from "./sources.js";
export {
  type FullscreenEnd,
  type FullscreenOptions,
  runFullscreen,
  type TerminalSize,
  useTerminalSize,
} from "./terminal.js";
export { SORT_KEYS, type SortKey, TopView, type TopViewProps } from "./top.js";
export { WatchView, type WatchViewProps } from "./watch.js";

/**
 * Runs `spool top` full screen until q, Ctrl-C or a signal.
 *
 * @example
 * await runTop({ source: { location: dir, list: async () => listPools({ dir }) } });
 */
export function runTop(props: TopViewProps, options?: FullscreenOptions): Promise<FullscreenEnd> {
  return runFullscreen(createElement(TopView, props), options);
}

/**
 * Runs `spool watch` full screen until q, Ctrl-C or a signal.
 *
 * @example
 * await runWatch({ pool: await engine.open("build"), start: { last: 100 } });
 */
export function runWatch(
  props: WatchViewProps,
  options?: FullscreenOptions,
): Promise<FullscreenEnd> {
  return runFullscreen(createElement(WatchView, props), options);
}
