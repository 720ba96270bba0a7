/**
 * The virtualised message list of the pool view: fixed-height rows, of which only the visible
 * ones (plus a small margin) exist in the DOM, whatever the buffer holds.
 *
 * Invariants: the DOM holds at most (visible rows + 2 × OVERSCAN) rows; while `follow` is set
 * the list stays scrolled to the newest row; a scroll by the person away from the bottom is
 * reported (`onFollowChange(false)`) and scrolling back to the bottom resumes following; gap
 * rows say which seqs were lost, where they were lost.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Row } from "./rows.js";

export const ROW_HEIGHT = 22;
const OVERSCAN = 8;

function clock(time: string): string {
  // "2026-11-22T10:15:30.123456789Z" → "10:15:30.123"
  return time.slice(11, 23);
}

export function TailList(props: {
  rows: readonly Row[];
  version: number;
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  selected: number | undefined;
  onSelect: (row: Row) => void;
  /** A view index to bring to the top once (a jump), with a counter so the same index repeats. */
  scrollTo: { index: number; id: number } | undefined;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const programmatic = useRef(false);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el || !props.follow) return;
    const bottom = el.scrollHeight - el.clientHeight;
    if (el.scrollTop !== bottom) {
      programmatic.current = true;
      el.scrollTop = bottom;
      setScrollTop(el.scrollTop);
    }
  }, [props.version, props.follow, height]);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el || props.scrollTo === undefined) return;
    programmatic.current = true;
    el.scrollTop = Math.max(0, props.scrollTo.index) * ROW_HEIGHT;
    setScrollTop(el.scrollTop);
  }, [props.scrollTo?.id]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT;
    if (atBottom !== props.follow) props.onFollowChange(atBottom);
  };

  const total = props.rows.length;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const items = [];
  for (let i = first; i < last; i++) {
    const row = props.rows[i] as Row;
    const top = i * ROW_HEIGHT;
    if (row.kind === "gap") {
      items.push(
        <div
          key={row.n}
          class="row gap"
          style={{ top: `${top}px` }}
          data-gap={`${row.from}-${row.to}`}
        >
          ⚠ gap: {row.count} message{row.count === 1 ? "" : "s"} ({row.from}–{row.to}) were
          overwritten before they were read
        </div>,
      );
      continue;
    }
    items.push(
      <button
        type="button"
        key={row.n}
        class={row.n === props.selected ? "row message selected" : "row message"}
        style={{ top: `${top}px` }}
        data-seq={row.seq}
        onClick={() => props.onSelect(row)}
      >
        <span class="seq">{row.seq}</span>
        <span class="time">{clock(row.time)}</span>
        <span class="tags">{row.tags.join(" ")}</span>
        <span class="data">{row.text.length > 400 ? `${row.text.slice(0, 400)}…` : row.text}</span>
      </button>,
    );
  }

  return (
    <div class="tail" id="tail" ref={box} onScroll={onScroll}>
      <div class="spacer" style={{ height: `${total * ROW_HEIGHT}px` }}>
        {items}
      </div>
    </div>
  );
}
