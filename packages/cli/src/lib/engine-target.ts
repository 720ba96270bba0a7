/**
 * Pools on a NATS JetStream engine behind the CLI's PoolTarget interface: the engine URL and
 * credentials from the flags and the environment (`--engine`/SPOOL_ENGINE, `--nats-*`/SPOOL_NATS_*),
 * one connection per engine (`EngineSessions`), and a target over core's `EnginePool`.
 *
 * Invariants: loaded only for engine pools (it is where @spool/jetstream and the NATS client
 * are imported, through @spool/server/nats); envelope, tail and error semantics are the
 * engine's, which are core's; JSONL lines are core's rendering of each message (byte-identical
 * to a file pool's for the same messages); a tail that loses the server (Io) is resumed at the
 * next seq on a new connection, with a `reconnecting` notice per attempt and a `reconnected`
 * notice once the pool answers again, for at most RESUME_WINDOW_MS after the loss (then the Io
 * error ends it); nothing here prints a secret.
 */
import {
  type Appended,
  type AppendInput,
  type BatchAppendOptions,
  type EnginePool,
  isSpoolError,
  type Message,
  type PoolInfo,
  type ProducerInfo,
  type ProducerOptions,
  SpoolError,
  type TailOptions,
} from "@spool/core";
import {
  connectEngine,
  isNatsRef,
  NATS_ENV,
  type NatsAccess,
  type NatsEngine,
  type NatsNames,
  parseEngineUrl,
  splitNatsRef,
} from "@spool/server/nats";
import type { ConsumerAccess } from "./consumer-handles.js";
import { chosenEngine, type EngineAccess } from "./engine-ref.js";
import { messageLine } from "./envelope.js";
import { sleep } from "./follow-loop.js";
import type { Io } from "./io.js";
import { notice } from "./notices.js";
import type { PoolTarget } from "./target.js";

/** How long a tail keeps trying to get back to a lost server. */
export const RESUME_WINDOW_MS = 60_000;
const FIRST_RETRY_MS = 200;
const LAST_RETRY_MS = 5_000;
/** How long one connect may take (a follow's reconnect attempts use the same). */
const CONNECT_TIMEOUT_MS = 5_000;

/** Where the engine and the pool of `ref` are: a nats:// reference, or a bare name on --engine. */
export function engineRefOf(
  ref: string,
  access: EngineAccess | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { engine: string; name: string } {
  if (isNatsRef(ref)) return splitNatsRef(ref);
  const chosen = chosenEngine(access, env);
  if (!chosen) throw new SpoolError("Internal", `${ref} is not on an engine`);
  return { engine: parseEngineUrl(chosen.url, chosen.where), name: ref };
}

/** The credentials of the flags, else of the environment (flags > environment), with their names. */
export function natsAccessOf(
  access: EngineAccess | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { access: NatsAccess; names: NatsNames } {
  const names: NatsNames = {};
  const pick = (
    key: keyof NatsAccess,
    flag: string | undefined,
    flagName: string,
    envName?: string,
  ): string | undefined => {
    if (flag !== undefined) {
      names[key] = flagName;
      return flag;
    }
    if (envName === undefined) return undefined;
    const text = env[envName];
    if (text === undefined || text === "") return undefined;
    names[key] = envName;
    return text;
  };
  const out: NatsAccess = {
    user: pick("user", access?.natsUser, "--nats-user", NATS_ENV.user),
    passwordFile: pick("passwordFile", access?.natsPasswordFile, "--nats-password-file"),
    tokenFile: pick("tokenFile", access?.natsTokenFile, "--nats-token-file"),
    creds: pick("creds", access?.natsCreds, "--nats-creds", NATS_ENV.creds),
    tlsCa: pick("tlsCa", access?.natsTlsCa, "--nats-tls-ca", NATS_ENV.tlsCa),
  };
  // a file given on the command line wins over the secret in the environment
  if (out.passwordFile === undefined)
    out.password = pick("password", undefined, "", NATS_ENV.password);
  if (out.tokenFile === undefined) out.token = pick("token", undefined, "", NATS_ENV.token);
  return { access: out, names };
}

/** One connection per engine location for the life of a command; closed together. */
export class EngineSessions {
  readonly #access: EngineAccess | undefined;
  readonly #env: NodeJS.ProcessEnv;
  readonly #open = new Map<string, Promise<NatsEngine>>();

  constructor(access: EngineAccess | undefined, env: NodeJS.ProcessEnv = process.env) {
    this.#access = access;
    this.#env = env;
  }

  /** The engine at `location` (connected on first use). */
  engine(location: string): Promise<NatsEngine> {
    let engine = this.#open.get(location);
    if (!engine) {
      engine = this.connect(location);
      this.#open.set(location, engine);
    }
    return engine;
  }

  /** A new connection to `location` (not shared). */
  connect(location: string): Promise<NatsEngine> {
    const { access, names } = natsAccessOf(this.#access, this.#env);
    return connectEngine(location, access, {
      names,
      name: "spool-cli",
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
  }

  async close(): Promise<void> {
    const engines = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(engines.map(async (e) => (await e.catch(() => undefined))?.close()));
  }
}

/** Opens `name` on `engine`, creating it with `create` when it is missing (racing creators tolerated). */
export async function openEnginePool(
  engine: NatsEngine,
  name: string,
  create: { size?: string | number | undefined; replicas?: number | undefined } | undefined,
): Promise<EnginePool> {
  try {
    return await engine.open(name);
  } catch (error) {
    if (!create || !isSpoolError(error, "NotFound")) throw error;
  }
  try {
    return await engine.create(name, {
      ...(create.size === undefined ? {} : { size: create.size }),
      ...(create.replicas === undefined ? {} : { replicas: create.replicas }),
    });
  } catch (error) {
    if (!isSpoolError(error, "AlreadyExists")) throw error;
    return engine.open(name); // another process created it first
  }
}

/** One pool on an engine behind the CLI's PoolTarget interface. */
class EngineTarget implements PoolTarget {
  #pool: EnginePool;
  #engine: NatsEngine;
  readonly #sessions: EngineSessions;
  readonly #io: Io | undefined;

  constructor(pool: EnginePool, engine: NatsEngine, sessions: EngineSessions, io: Io | undefined) {
    this.#pool = pool;
    this.#engine = engine;
    this.#sessions = sessions;
    this.#io = io;
  }
  get name(): string {
    return this.#pool.name;
  }
  get location(): string {
    return `${this.#engine.location}/${this.#pool.name}`;
  }
  append(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended[]>;
  append(inputs: readonly AppendInput[], options?: BatchAppendOptions): Promise<Message[]>;
  append(inputs: readonly AppendInput[], options: BatchAppendOptions = {}) {
    return this.#pool.appendBatch(inputs, options);
  }
  producerState(id: string): Promise<ProducerInfo | null> {
    return this.#pool.producerState(id);
  }
  get(seq: number): Promise<Message> {
    return this.#pool.get(seq);
  }
  info(): Promise<PoolInfo> {
    return this.#pool.info();
  }

  /** A new connection and handle after the server was lost (Io while it is still away). */
  async #reopen(): Promise<void> {
    const engine = await this.#sessions.connect(this.#engine.location);
    try {
      const pool = await engine.open(this.#pool.name);
      const old = this.#engine;
      this.#engine = engine;
      this.#pool = pool;
      void old.close().catch(() => {});
    } catch (error) {
      void engine.close().catch(() => {});
      throw error;
    }
  }

  /** The tail, resumed at the next seq when the server is lost and comes back. */
  async *tail(options: TailOptions): AsyncIterable<Message> {
    const { last: _last, since: _since, sinceTime: _sinceTime, max, ...rest } = options;
    let next: number | undefined;
    let delivered = 0;
    let lostAt: number | undefined;
    let attempt = 0;
    for (;;) {
      const remaining = max === undefined ? undefined : max - delivered;
      const opts: TailOptions =
        next === undefined
          ? options
          : { ...rest, since: next, ...(remaining === undefined ? {} : { max: remaining }) };
      try {
        for await (const message of this.#pool.tail(opts)) {
          next = message.seq + 1;
          delivered++;
          yield message;
        }
        return;
      } catch (error) {
        if (!isSpoolError(error, "Io") || this.#io === undefined || options.signal?.aborted) {
          throw error;
        }
        lostAt ??= Date.now();
        let lost: SpoolError = error;
        // reconnect until the pool answers again, or the window closes
        for (;;) {
          if (options.signal?.aborted) return;
          const waited = Date.now() - lostAt;
          if (waited >= RESUME_WINDOW_MS) throw lost;
          attempt++;
          const delay = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1));
          notice(
            this.#io,
            "reconnecting",
            {
              pool: this.location,
              attempt,
              retry_in_ms: delay,
              error: lost.toJSON(),
            },
            `lost ${this.location} (${lost.message}); retrying in ${delay} ms (attempt ${attempt})`,
          );
          await sleep(delay, options.signal ?? new AbortController().signal);
          if (options.signal?.aborted) return;
          try {
            await this.#reopen();
            break;
          } catch (retryError) {
            if (!isSpoolError(retryError, "Io")) throw retryError;
            lost = retryError;
          }
        }
        notice(
          this.#io,
          "reconnected",
          { pool: this.location, since: next ?? null },
          next === undefined
            ? `reached ${this.location} again; following from the next new message`
            : `reached ${this.location} again; resuming at seq ${next}`,
        );
        lostAt = undefined;
        attempt = 0;
      }
    }
  }

  /** The tail's lines: core's JSONL rendering of each message (the file engine's bytes). */
  async *tailJsonl(options: TailOptions): AsyncIterable<Buffer> {
    for await (const message of this.tail(options)) yield messageLine(message);
  }

  consumers(): ConsumerAccess {
    const refuse = (): never => {
      throw new SpoolError(
        "Usage",
        `durable cursors and consumer groups are not available on JetStream pools yet: ${this.location}`,
        {
          hint: "use a file pool (or a Spool server over file pools) for cursors and groups",
        },
      );
    };
    return { cursor: refuse, cursors: refuse, group: refuse, groups: refuse };
  }

  close(): void {
    void this.#pool.close();
    void this.#engine.close().catch(() => {});
  }
}

/**
 * Opens the engine pool `ref` (a nats:// reference, or a bare name on the chosen engine).
 * `io` enables the follow's resume (its notices go there).
 */
export async function openEngineTarget(
  ref: string,
  access: EngineAccess,
  options: {
    create?: { size: string | number | undefined } | undefined;
    io?: Io | undefined;
  } = {},
): Promise<PoolTarget> {
  const { engine: location, name } = engineRefOf(ref, access);
  const sessions = new EngineSessions(access);
  const engine = await sessions.connect(location);
  try {
    const pool = await openEnginePool(engine, name, options.create);
    return new EngineTarget(pool, engine, sessions, options.io);
  } catch (error) {
    void engine.close().catch(() => {});
    throw error;
  }
}
