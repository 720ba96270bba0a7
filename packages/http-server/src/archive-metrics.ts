/**
 * The archive families of `GET /metrics` (spec/http/v0 §10, spec/archive/v0 §3): per pool read
 * across an archive tier (`spool serve --archive`), the archive's watermark, lag, archived
 * messages and archive gaps, read from each pool's info at scrape time.
 *
 * Why at scrape time: the watermark and the gaps live in PostgreSQL, written by whichever
 * archiver runs (in this server or elsewhere), so the numbers are the archive's own.
 *
 * Invariants: only engine-backed sources are read (a plain directory has no archive tier); pools
 * are read in listing order, at most `maxPools` of them, and only pools whose info has an archive
 * side contribute; a pool that cannot be read (deleted meanwhile, archive unreachable) is left out
 * and the scrape still answers; every family is rendered, even without series.
 */
import type { ArchiveInfo } from "@spool/core";
import type { PoolSource } from "./pool-source.js";

/** One pool's archive side. */
export interface PoolArchive {
  pool: string;
  archive: ArchiveInfo;
}

/** The archive sides of at most `maxPools` pools of `source`. */
export async function readArchives(source: PoolSource, maxPools: number): Promise<PoolArchive[]> {
  let names: string[];
  try {
    names = (await source.list()).map((entry) => entry.name);
  } catch {
    return []; // an unlistable source fails the pool requests, not the scrape
  }
  const out: PoolArchive[] = [];
  for (const pool of names) {
    if (out.length >= maxPools) break;
    try {
      const info = await (await source.open(pool)).pool.info();
      if (info.archive) out.push({ pool, archive: info.archive });
    } catch {
      // deleted since the listing, or the archive is unreachable: left out of this scrape
    }
  }
  return out;
}

type Family = (name: string, type: string, help: string) => void;
type Labels = (values: Record<string, string>) => string;

const ARCHIVE_SERIES: readonly {
  name: string;
  help: string;
  value: (a: ArchiveInfo) => number;
}[] = [
  {
    name: "spool_archive_watermark",
    help: "The last seq the archive accounts for (archived or recorded as a gap), by pool.",
    value: (a) => a.watermark,
  },
  {
    name: "spool_archive_lag",
    help: "Messages committed to the pool and not archived yet (newest − watermark), by pool.",
    value: (a) => a.lag,
  },
  {
    name: "spool_archive_messages",
    help: "Messages the archive holds, by pool.",
    value: (a) => a.messageCount,
  },
  {
    name: "spool_archive_gap_messages",
    help: "Seqs neither tier holds (overwritten before they were archived), by pool.",
    value: (a) => a.gapMessages,
  },
  {
    name: "spool_archive_gaps",
    help: "Archive gap ranges recorded, by pool.",
    value: (a) => a.gapCount,
  },
];

/** Appends the archive families to `out`. */
export function renderArchives(
  pools: readonly PoolArchive[],
  out: string[],
  family: Family,
  labels: Labels,
): void {
  for (const series of ARCHIVE_SERIES) {
    family(series.name, "gauge", series.help);
    for (const p of pools) {
      out.push(`${series.name}${labels({ pool: p.pool })} ${series.value(p.archive)}`);
    }
  }
}
