/**
 * @spool/client: the HTTP SDK of Spool. Pools on a Spool server, with the local API's names and
 * semantics, over `fetch` and web streams: runs in Node ≥ 20, browsers, Deno and Bun.
 *
 * Only this file is imported by users; everything else is internal. The error vocabulary is
 * core's (bundled from the node-free `@spool/core/shared`), so `isSpoolError` and the kinds are
 * the same as for local pools.
 */

export type {
  AppendInput,
  AppendOptions,
  ClaimOptions,
  ClaimWaitOptions,
  CursorInfo,
  Delivery,
  DeliveryRef,
  Durability,
  Envelope,
  ExtendOptions,
  Gap,
  GapPolicy,
  GroupInfo,
  GroupRetention,
  GroupSettings,
  GroupStart,
  Message,
  NackOptions,
  PoolInfo,
  PoolListEntry,
  ProducerInfo,
  ProducerOptions,
  SpoolErrorJson,
  TailEnd,
} from "@spool/core/shared";
export {
  ERROR_KINDS,
  ErrorKind,
  HTTP_STATUSES,
  isSpoolError,
  SpoolError,
} from "@spool/core/shared";
export type { BackoffOptions } from "./backoff.js";
export {
  type ClientOptions,
  createClient,
  type RemoteCreateOptions,
  SpoolClient,
} from "./client.js";
export {
  type ConsumedDelivery,
  type ConsumeOptions,
  GroupConsumer,
} from "./consume.js";
export { type CursorResetTarget, RemoteCursor } from "./cursors.js";
export {
  isNetworkError,
  isTlsError,
  NetworkError,
  SpoolHttpError,
  TlsError,
  type TlsFailure,
} from "./errors.js";
export {
  Follower,
  type FollowOptions,
  type FollowState,
  type FollowStatus,
  isRetryable,
} from "./follow.js";
export { RemoteGroup } from "./groups.js";
export {
  type Appended,
  type DuplicateReceipt,
  isDuplicateReceipt,
  RemoteMessage,
} from "./message.js";
export type { TailOptions, TailTransport } from "./options.js";
export { RemotePool } from "./pool.js";
export { RemoteProducer, type RemoteProducerOptions } from "./producer.js";
export type { WebSocketConstructor, WebSocketLike } from "./ws-tail.js";
