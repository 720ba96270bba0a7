/**
 * The health of a pool on a replicated engine (PoolInfo's `health`, spec/api/v0 §3.3) for the
 * CLI: the lines `pool info` prints, and the issues `doctor` reports for a JetStream pool.
 *
 * Invariants: pure (no NATS; works on the info the engine answered); a pool without `health`
 * (a file pool, or an engine that does not report it) yields no lines and no issues; no leader
 * or no quorum is an error (appends cannot commit), a copy that is offline or behind is a
 * warning (the pool works; its safety margin is smaller).
 */
import type { PoolInfo, VerifyIssue } from "@spool/core";

/** The subset of core's PoolHealth the CLI shows (read structurally from PoolInfo). */
interface Health {
  name: string;
  replicas: number;
  cluster: string | null;
  leader: string | null;
  peers: {
    name: string;
    current: boolean;
    activeMs: number | null;
    lag: number;
    offline: boolean;
  }[];
  quorum: boolean;
  healthy: boolean;
}

/** The pool's health, when its engine reports one. */
export function healthOf(info: PoolInfo): Health | undefined {
  return (info as PoolInfo & { health?: Health }).health;
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

/** The issues `doctor` reports for the health (none when healthy or unknown). */
export function healthIssues(info: PoolInfo): VerifyIssue[] {
  const h = healthOf(info);
  if (!h) return [];
  const issues: VerifyIssue[] = [];
  const issue = (severity: VerifyIssue["severity"], message: string): void => {
    issues.push({ kind: "Io", severity, message, path: info.path });
  };
  if (h.leader === null)
    issue("error", `no server leads the pool's stream ${h.name}: appends cannot commit`);
  else if (!h.quorum)
    issue("error", `the stream ${h.name} has no quorum of current copies: appends cannot commit`);
  for (const p of h.peers) {
    if (p.offline) issue("warning", `the copy on ${p.name} is offline`);
    else if (!p.current) issue("warning", `the copy on ${p.name} is behind the leader by ${p.lag}`);
  }
  return issues;
}
