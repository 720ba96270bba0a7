/**
 * @spool/core: the public surface. Persistent, bounded JSON message pools, one ring-buffer file
 * each, with many writers and followers across processes.
 *
 * Only this file (and shared.ts, its node-free part, which it re-exports whole) is imported by
 * other packages; everything else is internal. So a name exported by both entries is one
 * definition, listed once.
 */

export { fromSystemError } from "./errors.js";
export { FileEngine, type FileEngineOptions, FileEnginePool } from "./file-engine.js";
export { FORMAT_VERSION } from "./format/header.js";
export { DuplicateReceipt, StoredMessage } from "./message.js";
export { isReaderGone } from "./platform/lock.js";
export { requireNativeAddon } from "./platform/native.js";
export {
  type OpenOptions,
  Pool,
  poolFileSize,
  poolNameOf,
} from "./pool.js";
export { defaultMember } from "./pool-consumers.js";
export { PoolCursor } from "./pool-cursor.js";
export {
  createPool,
  createPoolAsync,
  defaultPoolDir,
  deletePool,
  listPools,
  openPool,
  POOL_EXTENSION,
  type PoolRef,
  resolvePoolRef,
} from "./pool-dir.js";
export { deadLetterProducerId, PoolGroup } from "./pool-group.js";
export { PoolProducer } from "./pool-producer.js";
export * from "./shared.js";
export { jsonlChunkLastSeq } from "./tail-jsonl.js";
export { type VerifyIssue, type VerifyReport, verifyPool } from "./verify.js";
export { boundsJson, poolInfoJson, poolListEntryJson } from "./wire.js";
