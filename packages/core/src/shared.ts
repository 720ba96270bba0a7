/**
 * @spool/core/shared: the node-free part of core's public surface, for code that must run
 * anywhere (browsers, Deno, Bun, workers), such as the HTTP SDK `@spool/client`.
 *
 * Invariants: everything exported here is the same definition `@spool/core` exports (re-exported,
 * never copied), and nothing reachable from this module imports `node:` modules, touches the file
 * system or loads the native addon; the values are pure (errors, the input validators for pool
 * names, tags, sizes, counts, durability and gap policies, strict UTF-8 decoding, the one
 * normalisation of caller JSON text, time text, the tail cursor's rules, the where-expression compiler) and the rest is types
 * only.
 */

export { ACCESS_MODES, type AccessMode } from "./access.js";
export {
  type AppendCondition,
  checkAppendCondition,
  checkCondition,
} from "./append-condition.js";
export {
  type ArchiveInfo,
  type ArchiveInfoJson,
  archiveInfoFromJson,
  archiveInfoJson,
} from "./archive-info.js";
export {
  type CheckedGroupSettings,
  type ClaimOptions,
  type ClaimWaitOptions,
  CONSUMER_NAME_PATTERN,
  type CursorInfo,
  type CursorInfoJson,
  checkAckSeq,
  checkClaimOptions,
  checkConsumerName,
  checkDeliveryRef,
  checkDurationMs,
  checkGroupSettings,
  checkMember,
  clipError,
  cursorInfoFromJson,
  cursorInfoJson,
  DEFAULT_LEASE_MS,
  type Delivery,
  type DeliveryRef,
  type ExtendOptions,
  GROUP_RETENTIONS,
  type GroupInfo,
  type GroupInfoJson,
  type GroupRetention,
  type GroupSettings,
  type GroupStart,
  groupInfoFromJson,
  groupInfoJson,
  MAX_CLAIM,
  MAX_ERROR_BYTES,
  MAX_LEASE_MS,
  type NackOptions,
} from "./consumers.js";
export type { AppendInput } from "./engine/encoder.js";
export { seqAtOrAfter, seqAtOrAfterAsync } from "./engine/seek.js";
export { type Bounds, type Gap, gapBefore, startSeq } from "./engine/tail-cursor.js";
export type {
  EngineCreateOptions,
  EngineCursor,
  EngineGroup,
  EngineKind,
  EnginePool,
  PoolEngine,
} from "./engine-api.js";
export {
  ERROR_KINDS,
  ErrorKind,
  EXIT_CODES,
  HTTP_STATUSES,
  isErrorKind,
  isSpoolError,
  missingMessage,
  reviseError,
  SpoolError,
  type SpoolErrorDetails,
  type SpoolErrorJson,
  spoolErrorFromJson,
  TIMEOUT_EXIT_CODE,
  usage,
} from "./errors.js";
export {
  foldLineBreaks,
  hasLineBreak,
  isOneJsonValueShape,
  isWellFormedText,
  normaliseJsonText,
  stringifyData,
  trimJsonWhitespace,
} from "./json-text.js";
export { checkKnownKeys, type KnownKeysContext, suggestKey } from "./known-keys.js";
export type { Appended, Envelope, Message } from "./message.js";
export type {
  AppendOptions,
  AsyncAppendOptions,
  BatchAppendOptions,
  CreateOptions,
  PoolInfo,
} from "./pool.js";
export type { PoolListEntry } from "./pool-dir.js";
export {
  checkProducer,
  checkProducerId,
  decideProducer,
  MAX_PRODUCER_ID_BYTES,
  PRODUCER_ID_PATTERN,
  type ProducerClaim,
  type ProducerInfo,
  type ProducerInfoJson,
  type ProducerOptions,
  type ProducerState,
  poolSeqOf,
  producerInfo,
  producerInfoFromJson,
  producerInfoJson,
} from "./producer.js";
export {
  hasEveryTag,
  MAX_POLL_MS,
  MIN_POLL_MS,
  retentionGap,
  type TailHooks,
  TailMachine,
  type TailStep,
  whereKeepsEnvelope,
} from "./tail-machine.js";
export {
  type CheckedOptions as CheckedTailOptions,
  checkOptions as checkTailOptions,
  type TailEnd,
  type TailOptions,
  type WhereError,
} from "./tail-options.js";
export {
  checkTime,
  formatTime,
  type Instant,
  parseAge,
  parseTime,
  requireTime,
  requireTimeInput,
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
export {
  checkWhere,
  checkWhereList,
  compileWhere,
  WHERE_LIMITS,
  type WhereCompileOptions,
  type WhereFilter,
  type WhereVerdict,
} from "./where/index.js";
export type { BoundsJson, PoolHealthJson, PoolInfoJson, PoolListEntryJson } from "./wire.js";
