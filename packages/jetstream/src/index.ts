/**
 * @spool/jetstream: Spool pools on NATS JetStream, as core's engine-neutral `PoolEngine` and
 * `EnginePool` (spec/engines/jetstream/v0 gives the mapping and every deviation).
 *
 * Invariants: the public surface is this file; errors are SpoolErrors of @spool/core.
 */
export { type CommittedPrefix, committedPrefix } from "./appends.js";
export {
  connectJetStream,
  HEADER_ROOM,
  type JetStreamConnectOptions,
  JetStreamEngine,
  POOL_MARK,
  REPLICAS,
} from "./engine.js";
export {
  healthIssues,
  LAG_WARNING,
  type PoolHealth,
  type ReplicaHealth,
  type StreamHealthOptions,
  type StreamHealthReport,
  type StreamIssue,
  streamHealth,
} from "./health.js";
export { decodeName, encodeName, poolSubject, streamName } from "./names.js";
export { JetStreamPool } from "./pool.js";
