/**
 * @spool/core: the public surface. Persistent, bounded JSON message pools, one ring-buffer file
 * each, with many writers and followers across processes.
 *
 * Only this file is imported by other packages; everything else is internal.
 */

export { ACCESS_MODES, type AccessMode } from "./access.js";
export {
  type AppendCondition,
  checkAppendCondition,
  checkCondition,
} from "./append-condition.js";
export type { AppendInput } from "./engine/encoder.js";
export { seqAtOrAfter, seqAtOrAfterAsync } from "./engine/seek.js";
export type { Gap } from "./engine/tail-cursor.js";
export {
  ERROR_KINDS,
  ErrorKind,
  EXIT_CODES,
  fromSystemError,
  HTTP_STATUSES,
  isErrorKind,
  isSpoolError,
  reviseError,
  SpoolError,
  type SpoolErrorDetails,
  type SpoolErrorJson,
  spoolErrorFromJson,
  TIMEOUT_EXIT_CODE,
  usage,
} from "./errors.js";
export { FORMAT_VERSION } from "./format/header.js";
export {
  foldLineBreaks,
  hasLineBreak,
  isOneJsonValueShape,
  isWellFormedText,
  normaliseJsonText,
  trimJsonWhitespace,
} from "./json-text.js";
export { checkKnownKeys, type KnownKeysContext, suggestKey } from "./known-keys.js";
export { type Envelope, type Message, StoredMessage } from "./message.js";
export { isReaderGone } from "./platform/lock.js";
export {
  type AppendOptions,
  type AsyncAppendOptions,
  type BatchAppendOptions,
  type CreateOptions,
  type OpenOptions,
  Pool,
  type PoolInfo,
  poolFileSize,
  poolNameOf,
} from "./pool.js";
export {
  createPool,
  createPoolAsync,
  defaultPoolDir,
  deletePool,
  listPools,
  openPool,
  POOL_EXTENSION,
  type PoolListEntry,
  type PoolRef,
  resolvePoolRef,
} from "./pool-dir.js";
export type { TailEnd, TailOptions, WhereError } from "./tail-options.js";
export {
  checkTime,
  formatTime,
  type Instant,
  parseAge,
  parseTime,
  requireTime,
  requireTimeOrAge,
} from "./time.js";
export {
  checkCount,
  checkDurability,
  checkGapPolicy,
  checkOneTailStart,
  checkTag,
  DEFAULT_POOL_SIZE,
  DURABILITIES,
  type Durability,
  decodeUtf8,
  encodeTags,
  GAP_POLICIES,
  type GapPolicy,
  MAX_POOL_NAME_BYTES,
  MAX_TAG_BYTES,
  MAX_TAGS,
  parseSize,
  utf8ByteLength,
  validatePoolName,
} from "./validate.js";
export { type VerifyIssue, type VerifyReport, verifyPool } from "./verify.js";
export {
  checkWhere,
  checkWhereList,
  compileWhere,
  WHERE_LIMITS,
  type WhereCompileOptions,
  type WhereFilter,
  type WhereVerdict,
} from "./where/index.js";
export {
  type BoundsJson,
  boundsJson,
  type PoolInfoJson,
  type PoolListEntryJson,
  poolInfoJson,
  poolListEntryJson,
} from "./wire.js";
