/**
 * The pool list: every pool of the server with its size, bounds, message count, append rate and
 * bytes used, polled once a second (GET /v0/pools).
 *
 * Invariants: one request in flight at a time; rates come from successive polls (rates.ts);
 * an unreadable pool shows its error instead of numbers; a 401 goes up (token prompt).
 */
import type { PoolListEntry, SpoolClient } from "@spool/client";
import { useEffect, useMemo, useState } from "preact/hooks";
import { formatBounds, formatBytes, formatRate } from "./format.js";
import { RateMeter } from "./rates.js";
import { isUnauthorized } from "./session.js";

export const POLL_MS = 1000;

export function PoolList(props: { client: SpoolClient; onUnauthorized: () => void }) {
  const [pools, setPools] = useState<PoolListEntry[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const meter = useMemo(() => new RateMeter(), []);

  useEffect(() => {
    let live = true;
    let timer = 0;
    const poll = async () => {
      try {
        const entries = await props.client.listPools();
        if (!live) return;
        meter.observe(
          entries.map((e) => ({ name: e.name, newest: e.info?.bounds?.newest ?? 0 })),
          performance.now(),
        );
        setPools(entries);
        setError(undefined);
      } catch (e) {
        if (!live) return;
        if (isUnauthorized(e)) return props.onUnauthorized();
        setError((e as Error).message);
      }
      if (live) timer = window.setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [props.client]);

  return (
    <section>
      <h1>Pools</h1>
      {error && <p class="error">{error}</p>}
      {pools === undefined ? (
        <p class="muted">loading…</p>
      ) : pools.length === 0 ? (
        <p class="muted" id="no-pools">
          No pools yet. Create one with <code>spool pool create NAME</code>.
        </p>
      ) : (
        <table class="pools" id="pools">
          <thead>
            <tr>
              <th>name</th>
              <th class="num">size</th>
              <th class="num">bounds</th>
              <th class="num">messages</th>
              <th class="num">rate</th>
              <th class="num">used</th>
            </tr>
          </thead>
          <tbody>
            {pools.map((entry) => {
              const info = entry.info;
              return (
                <tr key={entry.name} data-pool={entry.name}>
                  <td>
                    <a href={`#/pool/${encodeURIComponent(entry.name)}`}>{entry.name}</a>
                  </td>
                  {info ? (
                    <>
                      <td class="num">{formatBytes(info.fileSize)}</td>
                      <td class="num" data-col="bounds">
                        {formatBounds(info.bounds)}
                      </td>
                      <td class="num" data-col="count">
                        {info.messageCount}
                      </td>
                      <td class="num" data-col="rate">
                        {formatRate(meter.rate(entry.name))}
                      </td>
                      <td class="num">
                        {formatBytes(info.bytesUsed)} (
                        {Math.round((info.bytesUsed / Math.max(1, info.ringSize)) * 100)}%)
                      </td>
                    </>
                  ) : (
                    <td colSpan={5} class="error">
                      {entry.error?.message ?? "unreadable"}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
