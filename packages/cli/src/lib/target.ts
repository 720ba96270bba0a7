/**
 * PoolTarget: the small interface feed, fetch, follow, duplex and tap use to reach a pool, and
 * its local implementation over @spool/core. Remote (http/https) references get the SDK-backed
 * implementation in remote.ts (loaded only for them) when the command supports remote pools, and
 * pools on a NATS JetStream engine (`nats://…/POOL`, or a bare name with `--engine`/SPOOL_ENGINE)
 * the one in engine-target.ts (loaded only for them) when the command supports engine pools.
 *
 * Invariants: a target never redefines envelope, tail or error semantics (it forwards core's);
 * `append` is atomic per call (one batch, one lock); `--create` creates only when the pool is
 * missing and tolerates losing a creation race to another process; a local pool never loads
 * remote.ts (nor the SDK and server modules it imports) nor engine-target.ts (nor NATS): the
 * remote flags given with a local or engine pool, and the engine flags given with any other pool,
 * are refused here.
 */
import {
  type Appended,
  type AppendInput,
  type BatchAppendOptions,
  createPool,
  isSpoolError,
  type Message,
  openPool,
  type Pool,
  type PoolInfo,
  type ProducerInfo,
  type ProducerOptions,
  parseSize,
  resolvePoolRef,
  SpoolError,
  type TailOptions,
} from "@spool/core";
import { archiveLocalOnly } from "./archive-options.js";
import { type ConsumerAccess, localConsumers } from "./consumer-handles.js";
import {
  type EngineAccess,
  engineNotSupported,
  isEnginePool,
  refuseEngineFlagsElsewhere,
} from "./engine-ref.js";
import { usage, withContext } from "./errors.js";
import type { Io } from "./io.js";
import type { RemoteAccess } from "./remote.js";

/** One pool, local or (later) remote. */
export interface PoolTarget {
  /** The pool's name. */
  readonly name: string;
  /** Where it lives: a file path, or a URL for remote pools. */
  readonly location: string;
  /**
   * Appends a batch atomically; returns the committed messages in order (with a producer: its
   * duplicates first, as the originals marked `duplicate` or receipts).
   */
  append(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended[]>;
  append(inputs: readonly AppendInput[], options?: BatchAppendOptions): Promise<Message[]>;
  /** What the pool keeps for producer `id`, or null when it keeps nothing for it. */
  producerState(id: string): Promise<ProducerInfo | null>;
  /** One message by seq (NotFound with `seq` when absent or overwritten). */
  get(seq: number): Promise<Message>;
  /** Size, bounds and usage. */
  info(): Promise<PoolInfo>;
  /** Tail as JSONL chunks (whole lines, spliced from stored bytes). */
  tailJsonl(options: TailOptions): AsyncIterable<Buffer>;
  /** Tail as messages. */
  tail(options: TailOptions): AsyncIterable<Message>;
  /** Durable cursors and consumer groups (spec/api/v0 §3.11–3.12). */
  consumers(): ConsumerAccess;
  close(): void;
}

export interface OpenTargetOptions {
  dir: string | undefined;
  /** Open for reading only (followers). */
  readOnly?: boolean;
  /** Create the pool when it does not exist, with this size. */
  create?: { size: string | number | undefined } | undefined;
  /** How long an append waits for another writer before Busy. */
  lockTimeoutMs?: number | undefined;
  /** Token and TLS settings for remote references; absent: the command takes local pools only. */
  remote?: RemoteAccess | undefined;
  /** `--engine` and the NATS flags; absent: the command takes no engine (JetStream) pools. */
  engine?: EngineAccess | undefined;
  /** Where a follow on an engine pool reports losing and regaining the server (resume). */
  io?: Io | undefined;
  /** A PostgreSQL archive to read below the ring from (local pools; lib/archive-target.ts). */
  archive?: string | undefined;
}

class LocalTarget implements PoolTarget {
  readonly #pool: Pool;
  constructor(pool: Pool) {
    this.#pool = pool;
  }
  get name(): string {
    return this.#pool.name;
  }
  get location(): string {
    return this.#pool.path;
  }
  append(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended[]>;
  append(inputs: readonly AppendInput[], options?: BatchAppendOptions): Promise<Message[]>;
  async append(inputs: readonly AppendInput[], options: BatchAppendOptions = {}) {
    return this.#pool.appendBatch(inputs, options);
  }
  async producerState(id: string): Promise<ProducerInfo | null> {
    return this.#pool.producerState(id);
  }
  async get(seq: number): Promise<Message> {
    return this.#pool.get(seq);
  }
  async info(): Promise<PoolInfo> {
    return this.#pool.info();
  }
  tailJsonl(options: TailOptions): AsyncIterable<Buffer> {
    return this.#pool.tailJsonl(options);
  }
  tail(options: TailOptions): AsyncIterable<Message> {
    return this.#pool.tail(options);
  }
  consumers(): ConsumerAccess {
    return localConsumers(this.#pool);
  }
  close(): void {
    this.#pool.close();
  }
}

export { isEnginePool } from "./engine-ref.js";

/** Whether `ref` names a remote (http/https) pool. */
export function isRemoteRef(ref: string): boolean {
  return /^https?:\/\//i.test(ref);
}

/** The Usage error for a remote reference given to a command that works on local pools only. */
export function remoteNotSupported(ref: string, command = "this command"): SpoolError {
  return new SpoolError("Usage", `${command} works on local pools only, not ${ref}`, {
    hint: "feed, fetch, follow and duplex take http(s):// pools; run other commands where the pool file lives",
  });
}

function openLocal(ref: string, options: OpenTargetOptions): Pool {
  const open = (): Pool =>
    openPool(ref, {
      dir: options.dir,
      ...(options.readOnly ? { readOnly: true } : {}),
      ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
    });
  try {
    return open();
  } catch (error) {
    if (!options.create || !isSpoolError(error, "NotFound")) throw error;
  }
  try {
    const pool = createPool(ref, {
      dir: options.dir,
      ...(options.create.size === undefined ? {} : { size: options.create.size }),
    });
    pool.close();
  } catch (error) {
    if (!isSpoolError(error, "AlreadyExists")) throw error; // another process created it first
  }
  return open();
}

/** The flags given for a local pool, where they mean nothing (Usage). */
export function refuseRemoteFlagsForLocal(
  ref: string,
  access: RemoteAccess | undefined,
  what = "a local pool",
): void {
  const given = [
    access?.token !== undefined ? "--token" : undefined,
    access?.tokenFile !== undefined ? "--token-file" : undefined,
    access?.tlsCa !== undefined ? "--tls-ca" : undefined,
    access?.tlsSkipVerify ? "--tls-skip-verify" : undefined,
  ].filter((flag) => flag !== undefined);
  if (given.length === 0) return;
  throw usage(
    `${given.join(", ")} ${given.length === 1 ? "applies" : "apply"} only to remote pools, and ${ref} is ${what}`,
    "pass a remote reference such as https://host:9700/POOL, or leave the flag out",
  );
}

/**
 * Opens the pool named by `ref` (a name, a path, or a URL).
 *
 * @example
 * const target = await openTarget("build", { dir: undefined, create: { size: "64M" } });
 */
export async function openTarget(ref: string, options: OpenTargetOptions): Promise<PoolTarget> {
  // an invalid --create-size is a Usage error even when the pool already exists
  const size = options.create?.size;
  if (size !== undefined) {
    try {
      parseSize(size);
    } catch (error) {
      if (isSpoolError(error, "Usage")) throw withContext(error, "--create-size");
      throw error;
    }
  }
  if (isEnginePool(ref, options.engine)) {
    if (!options.engine) throw engineNotSupported(ref);
    if (options.archive !== undefined) throw archiveLocalOnly(ref);
    if (options.remote) refuseRemoteFlagsForLocal(ref, options.remote, "a NATS JetStream pool");
    const { openEngineTarget } = await import("./engine-target.js");
    return openEngineTarget(ref, options.engine, { create: options.create, io: options.io });
  }
  refuseEngineFlagsElsewhere(ref, options.engine);
  const resolved = resolvePoolRef(ref, { dir: options.dir });
  if (resolved.kind === "remote") {
    if (!options.remote) throw remoteNotSupported(ref);
    if (options.archive !== undefined) throw archiveLocalOnly(ref);
    const { openRemote } = await import("./remote.js");
    return openRemote(resolved, options.remote, options.create);
  }
  if (options.remote) refuseRemoteFlagsForLocal(ref, options.remote);
  if (options.archive !== undefined) {
    const { archivedTarget } = await import("./archive-target.js");
    return archivedTarget(openLocal(ref, options), options.archive);
  }
  return new LocalTarget(openLocal(ref, options));
}
