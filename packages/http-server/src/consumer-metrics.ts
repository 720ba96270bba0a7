/**
 * The consumer metrics of `GET /metrics` (spec/http/v0 §10): per pool, each durable cursor's lag
 * and each consumer group's lag, deliveries in flight and waiting, and its counters (deliveries,
 * redeliveries, acks, dead letters, exhausted, lost to retention).
 *
 * Why read at scrape time: cursors and groups live in each pool's ledger, shared by every process
 * of the directory, so the numbers are the pool's own (global across processes and servers), not
 * this server's; nothing is counted in memory.
 *
 * Invariants: the pools of the served directory are read (opened read-only, then closed) once per
 * scrape, in name order; a pool that cannot be read is left out (its listing entry says why), and
 * a directory that cannot be listed gives no series (the scrape still answers);
 * only pools with cursors or groups contribute, and at most MAX_POOL_LABELS of them (label values
 * stay bounded); series are sorted by pool, then cursor or group name; the counters are the
 * group's own since it was created (deleting and recreating a group resets them, which
 * Prometheus reads as a counter reset).
 */
import { type CursorInfo, type GroupInfo, listPools } from "@spool/core";

/** The consumers one pool keeps. */
export interface PoolConsumers {
  pool: string;
  cursors: readonly CursorInfo[];
  groups: readonly GroupInfo[];
}

/** The cursors and groups of the directory's pools, for at most `maxPools` pools that have any. */
export function readConsumers(dir: string, maxPools: number): PoolConsumers[] {
  const out: PoolConsumers[] = [];
  let entries: ReturnType<typeof listPools>;
  try {
    entries = listPools({ dir });
  } catch {
    return out; // an unreadable directory fails the pool requests, not the scrape
  }
  for (const entry of entries) {
    if (out.length >= maxPools) break;
    const info = entry.info;
    if (!info || (info.cursors.length === 0 && info.groups.length === 0)) continue;
    out.push({ pool: entry.name, cursors: info.cursors, groups: info.groups });
  }
  return out;
}

type Family = (name: string, type: string, help: string) => void;
type Labels = (values: Record<string, string>) => string;

const GROUP_SERIES: readonly {
  name: string;
  type: "gauge" | "counter";
  help: string;
  value: (g: GroupInfo) => number;
}[] = [
  {
    name: "spool_group_lag",
    type: "gauge",
    help: "Messages a consumer group has not finished (never delivered, in flight or waiting), by pool and group.",
    value: (g) => g.lag,
  },
  {
    name: "spool_group_in_flight",
    type: "gauge",
    help: "Deliveries of a consumer group whose lease has not ended, by pool and group.",
    value: (g) => g.inFlight,
  },
  {
    name: "spool_group_waiting",
    type: "gauge",
    help: "Messages of a consumer group claimable again (lease expired or nacked), by pool and group.",
    value: (g) => g.waiting,
  },
  {
    name: "spool_group_deliveries_total",
    type: "counter",
    help: "Deliveries a consumer group made (first and later attempts), by pool and group.",
    // info's `delivered` counts first attempts; the later ones are `redelivered`
    value: (g) => g.delivered + g.redelivered,
  },
  {
    name: "spool_group_redeliveries_total",
    type: "counter",
    help: "Deliveries of a consumer group that were a later attempt, by pool and group.",
    value: (g) => g.redelivered,
  },
  {
    name: "spool_group_acks_total",
    type: "counter",
    help: "Messages a consumer group finished by an ack, by pool and group.",
    value: (g) => g.acked,
  },
  {
    name: "spool_group_dead_letters_total",
    type: "counter",
    help: "Messages a consumer group gave up and moved to its dead-letter pool, by pool and group.",
    value: (g) => g.deadLettered,
  },
  {
    name: "spool_group_exhausted_total",
    type: "counter",
    help: "Messages a consumer group gave up without a dead-letter pool, by pool and group.",
    value: (g) => g.exhausted,
  },
  {
    name: "spool_group_lost_to_retention_total",
    type: "counter",
    help: "Messages the ring overwrote before a consumer group finished them (retention lost), by pool and group.",
    value: (g) => g.lostToRetention,
  },
];

/** Appends the consumer families to `out` (every family, even without series). */
export function renderConsumers(
  pools: readonly PoolConsumers[],
  out: string[],
  family: Family,
  labels: Labels,
): void {
  family(
    "spool_cursor_lag",
    "gauge",
    "Messages after a durable cursor's committed seq (newest − committed), by pool and cursor.",
  );
  for (const p of pools) {
    for (const c of p.cursors) {
      out.push(`spool_cursor_lag${labels({ pool: p.pool, cursor: c.name })} ${c.lag}`);
    }
  }
  for (const series of GROUP_SERIES) {
    family(series.name, series.type, series.help);
    for (const p of pools) {
      for (const g of p.groups) {
        out.push(`${series.name}${labels({ pool: p.pool, group: g.name })} ${series.value(g)}`);
      }
    }
  }
}
