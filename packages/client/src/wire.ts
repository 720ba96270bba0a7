/**
 * The wire shapes the SDK reads and writes: PoolInfo from its snake_case wire spelling (core's
 * `PoolInfoJson`) into the local API's `PoolInfo`, listing entries, and request bodies.
 *
 * Invariants: every PoolInfo field is taken from its one wire name (core defines both shapes);
 * a body that lacks a required field is a protocol error, never a half-filled object; data is
 * serialised with JSON semantics and anything JSON cannot carry (undefined, functions, symbols,
 * BigInt, cycles) is refused as Usage before a request is sent; JSON text is sent exactly as the
 * server stores it (core's one normalisation), so invalid UTF-8 or JSON never leaves the SDK.
 */
import {
  type AppendInput,
  archiveInfoFromJson,
  checkCount,
  checkDurability,
  checkProducer,
  cursorInfoFromJson,
  encodeTags,
  groupInfoFromJson,
  isOneJsonValueShape,
  normaliseJsonText,
  type PoolHealthJson,
  type PoolInfo,
  type PoolInfoJson,
  type PoolListEntry,
  type PoolListEntryJson,
  producerInfoFromJson,
} from "@spool/core/shared";
import { errorJsonOf, usage } from "./errors.js";
import { protocolError } from "./http.js";

/**
 * Bounds from the wire: `{oldest, newest}`, or null for an empty pool, which servers send as `{}`
 * (older servers sent null).
 */
function boundsFromJson(value: unknown): { oldest: number; newest: number } | null {
  const b = value as { oldest?: unknown; newest?: unknown } | null | undefined;
  if (typeof b?.oldest === "number" && typeof b.newest === "number") {
    return { oldest: b.oldest, newest: b.newest };
  }
  return null;
}

/** PoolInfo from its wire spelling; throws a protocol error when the shape is wrong. */
export function poolInfoFromJson(value: unknown, what: string): PoolInfo {
  const j = value as Partial<PoolInfoJson> | null;
  if (
    typeof j !== "object" ||
    j === null ||
    typeof j.name !== "string" ||
    typeof j.path !== "string" ||
    typeof j.file_size !== "number" ||
    typeof j.ring_size !== "number" ||
    j.bounds === undefined
  ) {
    throw protocolError(200, `${what}: the answer holds no PoolInfo`);
  }
  return {
    name: j.name,
    path: j.path,
    formatVersion: j.format_version ?? 0,
    fileSize: j.file_size,
    ringSize: j.ring_size,
    indexCapacity: j.index_capacity ?? 0,
    indexStride: j.index_stride ?? 1,
    bounds: boundsFromJson(j.bounds),
    messageCount: j.message_count ?? 0,
    bytesUsed: j.bytes_used ?? 0,
    bytesFree: j.bytes_free ?? 0,
    maxMessageBytes: j.max_message_bytes ?? 0,
    oldestTime: j.oldest_time ?? null,
    newestTime: j.newest_time ?? null,
    producerCount: j.producer_count ?? 0,
    producerCapacity: j.producer_capacity ?? 0,
    // Older servers send no producers; an entry of the wrong shape is left out.
    producers: (Array.isArray(j.producers) ? j.producers : []).flatMap((p) => {
      const info = producerInfoFromJson(p);
      return info ? [info] : [];
    }),
    // Older servers send no cursors or groups; an entry of the wrong shape is left out.
    cursors: (Array.isArray(j.cursors) ? j.cursors : []).flatMap((c) => {
      const info = cursorInfoFromJson(c);
      return info ? [info] : [];
    }),
    groups: (Array.isArray(j.groups) ? j.groups : []).flatMap((g) => {
      const info = groupInfoFromJson(g);
      return info ? [info] : [];
    }),
    // Only pools of a replicating engine have health (spec/api/v0 §3.3).
    ...healthFromJson(j.health),
    // Only pools served across an archive tier have an archive side (spec/archive/v0 §3).
    ...archiveFromJson(j.archive),
  };
}

function archiveFromJson(value: unknown): { archive?: Exclude<PoolInfo["archive"], undefined> } {
  const archive = archiveInfoFromJson(value);
  return archive === undefined ? {} : { archive };
}

/** `{health}` from its wire spelling; nothing when absent or of the wrong shape. */
function healthFromJson(value: unknown): { health?: NonNullable<PoolInfo["health"]> } {
  const h = value as Partial<PoolHealthJson> | null | undefined;
  if (
    typeof h !== "object" ||
    h === null ||
    typeof h.name !== "string" ||
    typeof h.replicas !== "number" ||
    !Array.isArray(h.peers) ||
    typeof h.quorum !== "boolean" ||
    typeof h.healthy !== "boolean"
  ) {
    return {};
  }
  return {
    health: {
      name: h.name,
      replicas: h.replicas,
      cluster: typeof h.cluster === "string" ? h.cluster : null,
      leader: typeof h.leader === "string" ? h.leader : null,
      peers: h.peers.map((p) => ({
        name: String(p.name),
        current: p.current === true,
        activeMs: typeof p.active_ms === "number" ? p.active_ms : null,
        lag: typeof p.lag === "number" ? p.lag : 0,
        offline: p.offline === true,
      })),
      quorum: h.quorum,
      healthy: h.healthy,
    },
  };
}

/** A listing entry from its wire spelling: the info, or the error that kept the pool closed. */
export function listEntryFromJson(value: unknown, what: string): PoolListEntry {
  const entry = value as PoolListEntryJson | null;
  if (typeof entry === "object" && entry !== null && "error" in entry) {
    const error = errorJsonOf(entry);
    if (error && typeof entry.name === "string" && typeof entry.path === "string") {
      return { name: entry.name, path: entry.path, error };
    }
  }
  const info = poolInfoFromJson(value, what);
  return { name: info.name, path: info.path, info };
}

/** JSON text of a value with JSON semantics; Usage when JSON cannot carry it. */
export function dataJson(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (error) {
    throw usage(
      `data is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`,
      "send a JSON value: an object, array, string, number, boolean or null",
      error,
    );
  }
  if (text === undefined) {
    throw usage(
      `data is not JSON-serialisable: ${typeof data}`,
      "send a JSON value: an object, array, string, number, boolean or null",
    );
  }
  return text;
}

/**
 * The JSON text of one append input (`{data}` or already encoded `{json}`), exactly as the server
 * will store it: already encoded JSON goes through core's `normaliseJsonText` (strict UTF-8,
 * parse check unless trusted, line breaks folded), the one rule every surface stores by.
 */
export function inputJson(input: AppendInput): string {
  if (input.json === undefined) return dataJson(input.data);
  if (typeof input.json !== "string" && !((input.json as unknown) instanceof Uint8Array)) {
    throw usage(
      `JSON input must be text or UTF-8 bytes, not ${input.json === null ? "null" : typeof input.json}`,
      "pass JSON text such as '{\"ok\":true}', or append the value itself with append()",
    );
  }
  const text = normaliseJsonText(input.json, { trusted: input.trusted === true });
  // trusted text skipped the parse; it must still not be able to add members to the body
  if (input.trusted === true && !isOneJsonValueShape(text)) {
    throw usage(
      "trusted JSON text is not one JSON value: it has a top-level ',' or ':' or unbalanced brackets",
      "pass exactly one JSON value, or drop `trusted` so the text is checked with a full parse",
    );
  }
  return text;
}

/** `,"tags":[…]` (or nothing) for a body: the tags checked and spelled by core's `encodeTags`. */
export function tagsMember(tags: readonly string[] | undefined): string {
  if (tags === undefined) return "";
  return `,"tags":${encodeTags(tags)}`;
}

/** `,"durability":"…"` (or nothing) for a body, checked by core's `checkDurability`. */
export function durabilityMember(durability: string | undefined): string {
  return durability === undefined ? "" : `,"durability":"${checkDurability(durability)}"`;
}

/** `,"expected_last_seq":N` (or nothing) for a body, checked by core's `checkCount`. */
export function expectedLastSeqMember(expected: number | undefined): string {
  const value = checkCount("expectedLastSeq", expected, 0);
  return value === undefined ? "" : `,"expected_last_seq":${value}`;
}

/**
 * `,"producer_id":"…","producer_epoch":E,"producer_seq":S` (or nothing) for a body: the producer
 * checked by core's `checkProducer` (its id is plain ASCII of a fixed set, so it needs no escape).
 */
export function producerMembers(producer: unknown): string {
  const claim = checkProducer(producer);
  if (claim === undefined) return "";
  return `,"producer_id":"${claim.id}","producer_epoch":${claim.epoch},"producer_seq":${claim.seq}`;
}
