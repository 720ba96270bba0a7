/**
 * The health of a pool's stream: its leader, each other replica (current, last seen, lag,
 * offline), whether it has quorum, as `info().health` (core's PoolHealth, spec/api/v0 §3.3) and
 * as findings for `doctor` (`streamHealth`).
 *
 * Invariants: everything comes from one JetStream stream info (its `cluster` block; a stream
 * on a server outside a cluster has no such block and is led by that server); `healthy` means a
 * leader and every configured replica current and online, `quorum` a leader plus enough current
 * online replicas for a majority of `replicas`; `streamHealth` never throws for an unhealthy or
 * unreachable stream: a stream info that fails (no leader, lost connection) is an error finding.
 */
import type { StreamInfo } from "@nats-io/jetstream";
import type { EnginePool, PoolInfo, VerifyIssue, VerifyReport } from "@spool/core";
import type { PoolContext } from "./context.js";
import { stateOf, streamInfo } from "./reads.js";

/** core's PoolHealth (spec/api/v0 §3.3). */
export type PoolHealth = NonNullable<PoolInfo["health"]>;
/** One replica in PoolHealth. */
export type ReplicaHealth = PoolHealth["peers"][number];

/** The health in a stream info; `server` is the connected server's name (for a lone server). */
export function healthOf(info: StreamInfo, server: string | undefined): PoolHealth {
  const replicas = info.config.num_replicas;
  const cluster = info.cluster;
  if (cluster === undefined) {
    // Outside a cluster the stream lives on the server that answered: it is the leader.
    return {
      name: info.config.name,
      replicas,
      cluster: null,
      leader: server ?? null,
      peers: [],
      quorum: true,
      healthy: true,
    };
  }
  const leader = cluster.leader !== undefined && cluster.leader !== "" ? cluster.leader : null;
  const peers: ReplicaHealth[] = (cluster.replicas ?? []).map((p) => ({
    name: p.name,
    current: p.current === true,
    activeMs: typeof p.active === "number" ? Math.round(p.active / 1e6) : null,
    lag: p.lag ?? 0,
    offline: p.offline === true,
  }));
  const up = peers.filter((p) => p.current && !p.offline).length;
  const quorum = leader !== null && 1 + up >= Math.floor(replicas / 2) + 1;
  return {
    name: info.config.name,
    replicas,
    cluster: cluster.name ?? null,
    leader,
    peers,
    quorum,
    healthy: leader !== null && peers.length >= replicas - 1 && up === peers.length,
  };
}

/** A doctor finding about a pool's stream: core's VerifyIssue with what to do next. */
export interface StreamIssue extends VerifyIssue {
  hint: string;
  /** The server the finding is about, when it is about one. */
  server?: string;
}

/** What `streamHealth` answers: a VerifyReport (as `doctor` prints them) with the health. */
export interface StreamHealthReport extends VerifyReport {
  issues: StreamIssue[];
  /** The stream's health, or null when the stream did not answer. */
  health: PoolHealth | null;
}

/** Operations a current replica may be behind before a finding (default of `streamHealth`). */
export const LAG_WARNING = 1000;

/**
 * A replica not current and not heard from for longer than this is reported as not answering
 * (nats-server 2.9 keeps `offline` false for a killed peer and only lets `active` grow).
 */
export const SILENT_MS = 5000;

/** The findings about `health` (empty for a healthy stream). */
export function healthIssues(
  health: PoolHealth,
  path: string,
  lagWarning = LAG_WARNING,
): StreamIssue[] {
  const issues: StreamIssue[] = [];
  const issue = (
    severity: StreamIssue["severity"],
    message: string,
    hint: string,
    server?: string,
  ) =>
    issues.push({
      kind: "Io",
      severity,
      message,
      path,
      hint,
      ...(server === undefined ? {} : { server }),
    });
  if (health.leader === null) {
    issue(
      "error",
      `stream ${health.name} has no leader: appends and reads fail until one is elected`,
      `bring back the stream's servers (it needs ${Math.floor(health.replicas / 2) + 1} of ${health.replicas}); check them with \`nats server report jetstream\``,
    );
  } else if (!health.quorum) {
    issue(
      "error",
      `stream ${health.name} has no quorum: fewer than ${Math.floor(health.replicas / 2) + 1} of ${health.replicas} replicas are current`,
      "bring back the offline servers; appends fail until a majority is current",
    );
  }
  for (const p of health.peers) {
    const seen = p.activeMs === null ? "" : `, last seen ${p.activeMs} ms ago`;
    const silent = !p.current && p.activeMs !== null && p.activeMs > SILENT_MS;
    if (p.offline || silent) {
      issue(
        "warning",
        `replica ${p.name} of stream ${health.name} is ${p.offline ? "offline" : "not answering"}${seen}`,
        `restart nats-server ${p.name}: it catches up from the leader ${health.leader ?? "(none)"} when it rejoins`,
        p.name,
      );
    } else if (!p.current) {
      issue(
        "warning",
        `replica ${p.name} of stream ${health.name} is not current: ${p.lag} operations behind the leader${seen}`,
        "it is catching up; if it stays behind, check that server's disk, CPU and routes",
        p.name,
      );
    } else if (p.lag > lagWarning) {
      issue(
        "warning",
        `replica ${p.name} of stream ${health.name} lags ${p.lag} operations behind the leader`,
        "a lagging replica slows R3 appends once it is needed for a quorum: check that server's disk and routes",
        p.name,
      );
    }
  }
  const missing = health.replicas - 1 - health.peers.length;
  if (health.leader !== null && missing > 0) {
    issue(
      "warning",
      `stream ${health.name} reports ${health.peers.length + 1} of its ${health.replicas} replicas`,
      "a server of the stream's peer group is gone: restart it, or move the stream to other servers",
    );
  }
  return issues;
}

/** The health of `ctx`'s stream as a doctor report; never throws for what it finds. */
export async function poolHealthReport(
  ctx: PoolContext,
  options: StreamHealthOptions = {},
): Promise<StreamHealthReport> {
  let info: StreamInfo;
  try {
    info = await streamInfo(ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = (error as { hint?: unknown }).hint;
    return {
      path: ctx.path,
      ok: false,
      messages: 0,
      bounds: null,
      health: null,
      issues: [
        {
          kind: "Io",
          severity: "error",
          message: `stream ${ctx.stream} did not answer: ${message}`,
          path: ctx.path,
          hint:
            typeof hint === "string"
              ? hint
              : "the stream may have no leader (too few of its servers up): check the NATS servers",
        },
      ],
    };
  }
  const state = stateOf(info);
  const health = healthOf(info, ctx.nc.info?.server_name);
  const issues = healthIssues(health, ctx.path, options.lagWarning);
  return {
    path: ctx.path,
    ok: !issues.some((i) => i.severity === "error"),
    messages: state.messages,
    bounds:
      state.messages === 0 ? null : { oldest: state.bounds.oldest, newest: state.bounds.newest },
    health,
    issues,
  };
}

/** What `streamHealth` takes. */
export interface StreamHealthOptions {
  /** Operations a current replica may lag before a warning (default LAG_WARNING). */
  lagWarning?: number;
}

/**
 * The stream health of an engine pool for `doctor`: the report of a JetStream pool, undefined
 * for a pool of any other engine (file pools are checked by core's `verifyPool`).
 *
 * @example
 * const report = await streamHealth(await engine.open("build"));
 * for (const issue of report?.issues ?? []) console.log(issue.severity, issue.message, issue.hint);
 */
export async function streamHealth(
  pool: EnginePool,
  options: StreamHealthOptions = {},
): Promise<StreamHealthReport | undefined> {
  const withHealth = pool as EnginePool & {
    streamHealth?: (options: StreamHealthOptions) => Promise<StreamHealthReport>;
  };
  if (pool.engine !== "jetstream" || typeof withHealth.streamHealth !== "function")
    return undefined;
  return withHealth.streamHealth(options);
}
