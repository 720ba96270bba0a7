/**
 * @spool/archive: the PostgreSQL archive tier of Spool pools (spec/archive/v0/SPEC.md): the
 * archiver (committed messages into PostgreSQL, idempotently, with a durable watermark per pool)
 * and an EnginePool wrapper whose reads cross from the archive into the ring.
 *
 * Only this file is imported by other packages.
 */

export { ArchivedEngine } from "./archived-engine.js";
export { ArchivedPool, type ArchivedPoolInfo } from "./archived-pool.js";
export {
  ARCHIVE_POLICIES,
  type ArchivePolicy,
  type ArchiverEvent,
  type ArchiverOptions,
  archivePool,
} from "./archiver.js";
export { ARCHIVE_CURSOR, findIncarnation, RETAIN_CURSOR } from "./identity.js";
export { ArchiveReader } from "./reader.js";
export { type RunArchiveOptions, runArchive } from "./run.js";
export { ARCHIVE_SCHEMA, ensureSchema } from "./schema.js";
export type { ArchiveStats } from "./store.js";
