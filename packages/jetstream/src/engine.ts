/**
 * The JetStream engine (`PoolEngine`): a connection to a NATS server or cluster, and the pools on
 * it, one stream each (see names.ts for the naming and spec/engines/jetstream/v0 for the mapping).
 *
 * Invariants: only streams named `SPOOL_…` whose description carries the Spool mark are pools
 * (list, open and delete never touch another stream); create is AlreadyExists for an existing
 * stream, including one created concurrently (each create's description is unique, so JetStream
 * refuses the second as a different configuration); a server that cannot be reached, or has no
 * JetStream, is Io naming the URL.
 */
import { readFileSync } from "node:fs";
import {
  DiscardPolicy,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from "@nats-io/jetstream";
import { connect, credsAuthenticator, type NodeConnectionOptions } from "@nats-io/transport-node";
import {
  DEFAULT_POOL_SIZE,
  type EngineCreateOptions,
  type EngineKind,
  type EnginePool,
  type PoolEngine,
  type PoolListEntry,
  parseSize,
  SpoolError,
  validatePoolName,
} from "@spool/core";
import type { EngineContext, PoolContext } from "./context.js";
import { API, apiCode, toSpoolError } from "./errors.js";
import { GROUP_CONSUMER_PREFIX } from "./group-records.js";
import { poolOfStream, poolSubject, streamName } from "./names.js";
import { JetStreamPool } from "./pool.js";
import { dropStamps, STAMP_CONSUMER_PREFIX } from "./stamps.js";
import { deleteState } from "./state.js";

/** How a stream's description marks it as a Spool pool. */
export const POOL_MARK = "spool-pool/v0";
/** Bytes of one message's limit kept for its subject and headers (besides the tags). */
export const HEADER_ROOM = 2048;
/** The replica counts a pool may have. */
export const REPLICAS = [1, 3, 5] as const;

/** How to reach and authenticate to NATS. */
export interface JetStreamConnectOptions {
  user?: string;
  pass?: string;
  token?: string;
  /** A NATS creds file (JWT and nkey seed). */
  credsFile?: string;
  /** A CA certificate file (PEM) for TLS. */
  caFile?: string;
  /** The connection's name, as the server's monitoring shows it. */
  name?: string;
  /** How long the first connect may take (ms). Default 5 s. */
  timeoutMs?: number;
}

function locationOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.includes("://") ? url : `nats://${url}`);
  } catch (error) {
    throw new SpoolError("Usage", `not a NATS URL: ${JSON.stringify(url)}`, {
      hint: "give the server as nats://host:port, e.g. nats://127.0.0.1:4222",
      cause: error,
    });
  }
  if (!/^(nats|tls):$/.test(parsed.protocol)) {
    throw new SpoolError("Usage", `not a NATS URL: ${JSON.stringify(url)}`, {
      hint: "give the server as nats://host:port, e.g. nats://127.0.0.1:4222",
    });
  }
  return `${parsed.protocol}//${parsed.hostname.includes(":") ? `[${parsed.hostname}]` : parsed.hostname}:${parsed.port || "4222"}`;
}

function checkReplicas(value: unknown): number {
  if (value === undefined) return 1;
  if (!REPLICAS.includes(value as 1)) {
    throw new SpoolError("Usage", `replicas must be 1, 3 or 5, got ${JSON.stringify(value)}`, {
      hint: "a JetStream pool keeps 1, 3 or 5 copies (an odd number, for its Raft quorum)",
    });
  }
  return value as number;
}

/** Connects to NATS at `url` and answers the JetStream engine (Io when it cannot be reached). */
export async function connectJetStream(
  url: string,
  options: JetStreamConnectOptions = {},
): Promise<JetStreamEngine> {
  const location = locationOf(url);
  const opts: NodeConnectionOptions = {
    servers: location,
    timeout: options.timeoutMs ?? 5000,
    name: options.name ?? "spool",
    // Every failure is answered as a SpoolError naming the operation and the server, so the
    // client's stack capture for each request (an Error made per publish, in case it times out:
    // about a third of a pipelined append's CPU) buys nothing.
    noAsyncTraces: true,
  };
  if (options.user !== undefined) opts.user = options.user;
  if (options.pass !== undefined) opts.pass = options.pass;
  if (options.token !== undefined) opts.token = options.token;
  if (options.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(options.credsFile);
    } catch (error) {
      throw new SpoolError("Usage", `cannot read the NATS creds file ${options.credsFile}`, {
        path: options.credsFile,
        hint: "give the path of a readable .creds file",
        cause: error,
      });
    }
    opts.authenticator = credsAuthenticator(creds);
  }
  if (options.caFile !== undefined) opts.tls = { caFile: options.caFile };
  let nc: Awaited<ReturnType<typeof connect>>;
  try {
    nc = await connect(opts);
  } catch (error) {
    const mapped = toSpoolError(error, location, `connect to ${location}`);
    throw new SpoolError(
      mapped.kind,
      `cannot connect to NATS at ${location}: ${(error as Error).message}`,
      {
        path: location,
        hint:
          mapped.kind === "Permission"
            ? mapped.hint
            : `check that nats-server -js is running and reachable at ${location} (and the credentials)`,
        cause: error,
      },
    );
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (error) {
    await nc.close().catch(() => {});
    throw toSpoolError(error, location, `JetStream at ${location}`);
  }
  return new JetStreamEngine({ nc, js: jetstream(nc), jsm, location });
}

export class JetStreamEngine implements PoolEngine {
  readonly kind: EngineKind = "jetstream";
  readonly location: string;
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
    this.location = ctx.location;
  }

  /** The pool reference of `name` on this engine. */
  pathOf(name: string): string {
    return `${this.location}/${name}`;
  }

  async #streamInfo(name: string): Promise<StreamInfo | undefined> {
    try {
      return await this.#ctx.jsm.streams.info(streamName(name));
    } catch (error) {
      if (apiCode(error) === API.StreamNotFound) return undefined;
      throw toSpoolError(error, this.pathOf(name), `pool ${name}`);
    }
  }

  #notFound(name: string): SpoolError {
    return new SpoolError("NotFound", `pool not found: ${name}`, {
      path: this.pathOf(name),
      hint: `create it with \`spool pool create ${this.pathOf(name)}\``,
    });
  }

  #poolOf(name: string, info: StreamInfo): JetStreamPool {
    return new JetStreamPool(poolContext(this.#ctx, name, info));
  }

  async create(ref: string, options: EngineCreateOptions = {}): Promise<EnginePool> {
    const name = validatePoolName(ref);
    const stream = streamName(name);
    // Rounded down to 4 KiB like a pool file's size, so both engines report the same size.
    const size = Math.floor(parseSize(options.size ?? DEFAULT_POOL_SIZE) / 4096) * 4096;
    const replicas = checkReplicas(options.replicas);
    if (await this.#streamInfo(name)) {
      throw new SpoolError("AlreadyExists", `pool already exists: ${name}`, {
        path: this.pathOf(name),
        hint: "open it instead, or delete it first",
      });
    }
    const maxPayload = this.#ctx.nc.info?.max_payload ?? 1024 * 1024;
    const subject = poolSubject(name);
    let info: StreamInfo;
    try {
      info = await this.#ctx.jsm.streams.add({
        name: stream,
        description: `${POOL_MARK} ${crypto.randomUUID()}: Spool pool ${JSON.stringify(name)}`,
        subjects: [subject, `${subject}.p.*`],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        max_bytes: size,
        max_msg_size: Math.min(size, maxPayload),
        max_msgs: -1,
        max_age: 0,
        num_replicas: replicas,
        duplicate_window: 120 * 1_000_000_000,
      });
    } catch (error) {
      throw toSpoolError(error, this.pathOf(name), `create pool ${name}`);
    }
    return this.#poolOf(name, info);
  }

  async open(ref: string): Promise<EnginePool> {
    const name = validatePoolName(ref);
    const info = await this.#streamInfo(name);
    if (!info || !isPoolStream(info)) throw this.#notFound(name);
    return this.#poolOf(name, info);
  }

  async list(): Promise<PoolListEntry[]> {
    const entries: PoolListEntry[] = [];
    try {
      for await (const info of this.#ctx.jsm.streams.list()) {
        const name = poolOfStream(info.config.name);
        if (name === undefined || !isPoolStream(info)) continue;
        const path = this.pathOf(name);
        try {
          entries.push({ name, path, info: await this.#poolOf(name, info).info() });
        } catch (error) {
          entries.push({ name, path, error: toSpoolError(error, path, `pool ${name}`).toJSON() });
        }
      }
    } catch (error) {
      throw toSpoolError(error, this.location, `list pools on ${this.location}`);
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async delete(ref: string, options: { force?: boolean } = {}): Promise<void> {
    const name = validatePoolName(ref);
    const info = await this.#streamInfo(name);
    if (!info || !isPoolStream(info)) throw this.#notFound(name);
    const readers = options.force === true ? 0 : await this.#readers(info);
    if (readers > 0) {
      throw new SpoolError(
        "Busy",
        `pool ${name} is in use: ${readers} JetStream consumer(s) read it`,
        {
          path: this.pathOf(name),
          hint: "stop its tails first, or delete with force",
        },
      );
    }
    try {
      await this.#ctx.jsm.streams.delete(info.config.name);
    } catch (error) {
      throw toSpoolError(error, this.pathOf(name), `delete pool ${name}`);
    }
    dropStamps(this.#ctx.nc, info.config.name);
    // Its cursors and groups go with it (spec/engines/jetstream/v0 §8).
    await deleteState({ jsm: this.#ctx.jsm, path: this.pathOf(name) }, name);
  }

  /**
   * Consumers reading a stream now (tails), not counting the groups' durable consumers nor the
   * appenders' stamps consumers (stamps.ts).
   */
  async #readers(info: StreamInfo): Promise<number> {
    if (info.state.consumer_count === 0) return 0;
    let readers = 0;
    try {
      for await (const c of this.#ctx.jsm.consumers.list(info.config.name)) {
        if (!c.name.startsWith(GROUP_CONSUMER_PREFIX) && !c.name.startsWith(STAMP_CONSUMER_PREFIX))
          readers++;
      }
    } catch (error) {
      throw toSpoolError(error, this.location, `the consumers of ${info.config.name}`);
    }
    return readers;
  }

  async close(): Promise<void> {
    if (this.#ctx.nc.isClosed()) return;
    await this.#ctx.nc.close().catch(() => {});
  }
}

/** What the operations on pool `name` need, from its stream's info. */
export function poolContext(ctx: EngineContext, name: string, info: StreamInfo): PoolContext {
  const maxMsg = info.config.max_msg_size;
  return {
    ...ctx,
    name,
    stream: info.config.name,
    subject: poolSubject(name),
    path: `${ctx.location}/${name}`,
    ringSize: info.config.max_bytes,
    maxMessageBytes: Math.max(0, (maxMsg > 0 ? maxMsg : info.config.max_bytes) - HEADER_ROOM),
    replicas: info.config.num_replicas,
  };
}

/** Whether a stream carries the Spool mark. */
export function isPoolStream(info: StreamInfo): boolean {
  return (info.config.description ?? "").startsWith(POOL_MARK);
}
