/**
 * One pool: its numbers and consumers, the live tail (virtualised, bounded), pause/resume, the
 * tag and expression filters, jump to a seq or a time, the inspector, and the append form when
 * the access mode allows writing.
 *
 * Invariants: the buffer holds at most CAPACITY rows whatever the rate (live-tail.ts, rows.ts);
 * filters apply to what the buffer holds and to every row that arrives later, and never hide a
 * gap notice; a jump restarts the tail at the target (a seq, or the first message at or after a
 * time, found with a bounded `follow: false` tail) and stops following the live end, so the
 * target stays in view; leaving the view aborts the tail.
 */
import type { FollowStatus, SpoolClient } from "@spool/client";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { AppendForm } from "./append-form.js";
import { PoolSummary } from "./consumers.js";
import { compileExpression, FilterError, hasTags, type Matcher, parseTags } from "./filter.js";
import { formatRate } from "./format.js";
import { Inspector } from "./inspector.js";
import { parseJump } from "./jump.js";
import { LiveTail } from "./live-tail.js";
import { type MessageRow, RowBuffer, rowEnvelope } from "./rows.js";
import { type AccessMode, canRead, canWrite, isUnauthorized } from "./session.js";
import { TailList } from "./tail-list.js";

/** Rows the live view keeps (messages and gap notices). */
export const CAPACITY = 5000;
/** Messages replayed when the view opens. */
export const INITIAL_LAST = 200;

function statusText(status: FollowStatus | undefined): string {
  if (!status) return "connecting";
  if (status.state === "reconnecting") return `reconnecting (${status.error.message})`;
  if (status.state === "closed") return `closed (${status.reason})`;
  return status.state === "gap" ? "connected" : status.state;
}

export function PoolView(props: {
  client: SpoolClient;
  name: string;
  access: AccessMode;
  onUnauthorized: () => void;
}) {
  const pool = useMemo(() => props.client.pool(props.name), [props.client, props.name]);
  const buffer = useMemo(() => new RowBuffer(CAPACITY), []);
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<FollowStatus | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [selected, setSelected] = useState<MessageRow | undefined>(undefined);
  const [tagText, setTagText] = useState("");
  const [exprText, setExprText] = useState("");
  const [filterError, setFilterError] = useState<string | undefined>(undefined);
  const [jumpText, setJumpText] = useState("");
  const [jumpNote, setJumpNote] = useState<string | undefined>(undefined);
  const [scrollTo, setScrollTo] = useState<{ index: number; id: number } | undefined>(undefined);
  const [rate, setRate] = useState<number | undefined>(undefined);
  const jumpTarget = useRef<number | undefined>(undefined);
  const readable = canRead(props.access);

  const tail = useMemo(
    () =>
      new LiveTail(pool, buffer, {
        onRows: () => {
          const target = jumpTarget.current;
          if (target !== undefined) {
            const index = buffer.indexOfSeq(target);
            if (index >= 0) {
              jumpTarget.current = undefined;
              setSelected(buffer.view[index] as MessageRow);
              setScrollTo({ index, id: Date.now() });
            }
          }
          setVersion((v) => v + 1);
        },
        onStatus: (s) => {
          if (s.state !== "gap") setStatus(s);
        },
        onError: (e) => {
          if (isUnauthorized(e)) props.onUnauthorized();
          else setProblem((e as Error).message);
        },
      }),
    [pool, buffer],
  );

  useEffect(() => {
    if (!readable) return;
    tail.start({ last: INITIAL_LAST });
    let last = 0;
    let at = performance.now();
    const timer = window.setInterval(() => {
      const now = performance.now();
      setRate(((tail.received - last) * 1000) / (now - at));
      last = tail.received;
      at = now;
    }, 1000);
    return () => {
      clearInterval(timer);
      tail.stop();
      pool.close();
    };
  }, [tail]);

  // The tail hears of pause and follow at once, in the event handler (an effect runs only
  // after the next paint, and a message could slip through meanwhile).
  const pause = (next: boolean) => {
    tail.setPaused(next);
    setPaused(next);
  };
  const changeFollow = (next: boolean) => {
    tail.setHoldWhenFull(!next);
    setFollow(next);
  };

  useEffect(() => {
    let matcher: Matcher | undefined;
    try {
      matcher = exprText.trim() === "" ? undefined : compileExpression(exprText);
      setFilterError(undefined);
    } catch (e) {
      setFilterError(e instanceof FilterError ? e.message : String(e));
      return;
    }
    const tags = parseTags(tagText);
    buffer.setFilter(
      tags.length === 0 && matcher === undefined
        ? undefined
        : (row) => hasTags(row.tags, tags) && (matcher === undefined || matcher(rowEnvelope(row))),
    );
    setVersion((v) => v + 1);
  }, [tagText, exprText]);

  const jump = async (event: Event) => {
    event.preventDefault();
    setJumpNote(undefined);
    const target = parseJump(jumpText, Date.now());
    if ("live" in target) {
      jumpTarget.current = undefined;
      changeFollow(true);
      tail.start({ last: INITIAL_LAST });
      return;
    }
    let seq: number | undefined;
    if ("seq" in target) seq = target.seq;
    else {
      try {
        for await (const m of pool.tail({ sinceTime: target.time, max: 1, follow: false })) {
          seq = m.seq;
        }
      } catch (e) {
        setJumpNote((e as Error).message);
        return;
      }
      if (seq === undefined) {
        setJumpNote("no message at or after that time yet: showing new messages");
        changeFollow(true);
        tail.start({ last: 0 });
        return;
      }
    }
    jumpTarget.current = seq;
    setSelected(undefined);
    changeFollow(false);
    tail.start({ since: seq });
  };

  const messages = buffer.rows.length;
  return (
    <section class="pool-view" data-pool={props.name}>
      <div class="title">
        <a href="#/">pools</a> / <h1>{props.name}</h1>
        <span class="status" id="status" data-state={status?.state ?? "connecting"}>
          {statusText(status)}
        </span>
      </div>
      <PoolSummary pool={pool} onUnauthorized={props.onUnauthorized} />
      {problem && <p class="error">{problem}</p>}
      {readable ? (
        <>
          <div class="controls">
            <button type="button" id="pause" onClick={() => pause(!paused)}>
              {paused ? "Resume" : "Pause"}
            </button>
            <input
              id="filter-tags"
              placeholder="tags: build, ci"
              value={tagText}
              onInput={(e) => setTagText((e.target as HTMLInputElement).value)}
            />
            <input
              id="filter-expr"
              class={filterError ? "wide invalid" : "wide"}
              placeholder='filter: .data.step == "lint" and .data.ok'
              value={exprText}
              onInput={(e) => setExprText((e.target as HTMLInputElement).value)}
            />
            <form id="jump-form" onSubmit={jump}>
              <input
                id="jump"
                placeholder="jump: seq, time or 10m"
                value={jumpText}
                onInput={(e) => setJumpText((e.target as HTMLInputElement).value)}
              />
              <button type="submit">Go</button>
            </form>
            {!follow && (
              <button
                type="button"
                id="live"
                onClick={() => {
                  changeFollow(true);
                  if (jumpTarget.current !== undefined || buffer.full) {
                    jumpTarget.current = undefined;
                    tail.start({ last: INITIAL_LAST });
                  }
                }}
              >
                Go live
              </button>
            )}
          </div>
          {filterError && (
            <p class="error" id="filter-error">
              {filterError}
            </p>
          )}
          {jumpNote && <p class="muted">{jumpNote}</p>}
          <p class="counts muted" id="counts">
            {paused ? "paused (the server holds the rest) · " : ""}
            showing <span id="shown">{buffer.view.length}</span> of {messages} kept · received{" "}
            {tail.received} · {formatRate(rate)}
          </p>
          <div class="panes">
            <TailList
              rows={buffer.view}
              version={version}
              follow={follow && !paused}
              onFollowChange={changeFollow}
              selected={selected?.n}
              onSelect={(row) => row.kind === "message" && setSelected(row)}
              scrollTo={scrollTo}
            />
            {selected && <Inspector row={selected} onClose={() => setSelected(undefined)} />}
          </div>
        </>
      ) : (
        <p class="muted">This token may only write: messages are not shown.</p>
      )}
      {canWrite(props.access) && <AppendForm pool={pool} onUnauthorized={props.onUnauthorized} />}
    </section>
  );
}
