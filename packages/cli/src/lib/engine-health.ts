/**
 * The health of a pool on a replicated engine (PoolInfo's `health`, spec/api/v0 §3.3) for the
 * CLI: the lines `pool info` prints (doctor's findings are the engine's own, `healthIssues` of
 * @spool/jetstream).
 *
 * Invariants: pure (no NATS; works on the info the engine answered); a pool without `health`
 * (a file pool, or an engine that does not report it) yields no lines.
 */
import type { PoolInfo } from "@spool/core";

/** Core's PoolHealth (PoolInfo's optional `health`). */
type Health = NonNullable<PoolInfo["health"]>;

/** The pool's health, when its engine reports one. */
export function healthOf(info: PoolInfo): Health | undefined {
  return info.health;
}

/** The human lines of `pool info` for the health (none without it). */
export function healthLines(info: PoolInfo): string[] {
  const h = healthOf(info);
  if (!h) return [];
  const state = h.healthy ? "healthy" : h.quorum ? "degraded" : "NO QUORUM";
  const where = h.cluster === null ? "" : `, cluster ${h.cluster}`;
  const lines = [
    `replicas:  ${h.replicas} (${state}; leader ${h.leader ?? "none"}${where}; stream ${h.name})`,
  ];
  for (const p of h.peers) {
    const status = p.offline ? "offline" : p.current ? "current" : "behind";
    const seen = p.activeMs === null ? "" : `, seen ${p.activeMs} ms ago`;
    lines.push(`  ${p.name}  ${status}, lag ${p.lag}${seen}`);
  }
  return lines;
}
