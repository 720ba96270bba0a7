/**
 * The pool view's header numbers and consumers: bounds, message count, and the lag of every
 * durable cursor and consumer group the pool keeps (PoolInfo `cursors`, `groups`), polled every
 * two seconds.
 *
 * Invariants: one request in flight at a time; nothing is shown for a pool without consumers
 * except the counts; a 401 goes up.
 */
import type { PoolInfo, RemotePool } from "@spool/client";
import { useEffect, useState } from "preact/hooks";
import { formatBounds, formatBytes } from "./format.js";
import { isUnauthorized } from "./session.js";

export function PoolSummary(props: { pool: RemotePool; onUnauthorized: () => void }) {
  const [info, setInfo] = useState<PoolInfo | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    let timer = 0;
    const poll = async () => {
      try {
        const next = await props.pool.info();
        if (!live) return;
        setInfo(next);
        setError(undefined);
      } catch (e) {
        if (!live) return;
        if (isUnauthorized(e)) return props.onUnauthorized();
        setError((e as Error).message);
      }
      if (live) timer = window.setTimeout(poll, 2000);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [props.pool]);

  if (error) return <p class="error">{error}</p>;
  if (!info) return null;
  return (
    <div class="summary" id="summary">
      <span>
        bounds <b data-col="bounds">{formatBounds(info.bounds)}</b>
      </span>
      <span>
        messages <b>{info.messageCount}</b>
      </span>
      <span>
        used <b>{formatBytes(info.bytesUsed)}</b> of {formatBytes(info.ringSize)}
      </span>
      {info.cursors.length + info.groups.length > 0 && (
        <table class="consumers" id="consumers">
          <thead>
            <tr>
              <th>consumer</th>
              <th class="num">position</th>
              <th class="num">lag</th>
              <th class="num">in flight</th>
            </tr>
          </thead>
          <tbody>
            {info.cursors.map((c) => (
              <tr key={`c:${c.name}`} data-consumer={c.name}>
                <td>cursor {c.name}</td>
                <td class="num">{c.committed}</td>
                <td class="num" data-col="lag">
                  {c.lag}
                </td>
                <td class="num">–</td>
              </tr>
            ))}
            {info.groups.map((g) => (
              <tr key={`g:${g.name}`} data-consumer={g.name}>
                <td>group {g.name}</td>
                <td class="num">{g.next - 1}</td>
                <td class="num" data-col="lag">
                  {g.lag}
                </td>
                <td class="num">{g.inFlight}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
