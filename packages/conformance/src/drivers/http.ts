/**
 * The `http` driver: each session starts a real Spool server (src/drivers/http-server.ts) on
 * 127.0.0.1, port 0, over the session's pool directory, and runs every step through
 * `@spool/client`, the HTTP SDK, as an application would.
 *
 * Invariants: results are what the SDK returns, in the wire spelling (core's `poolInfoJson`,
 * `poolListEntryJson`, the message's `toJSON`), and are cross-checked against what the server
 * actually sent, so neither a server that drops a field nor an SDK that loses one passes;
 * every response is checked against the protocol's own contract (http-wire.ts) and breaches
 * are violations; HTTP statuses are reported in `code` (none when the SDK refused an input
 * before sending anything: the server is then probed with the raw request, http-probe.ts, and
 * must refuse it alike); HTTP names pools only, so path references are skipped, and so is
 * what protocol v0 cannot say (an index capacity, a forced delete); `json` and `json_hex`
 * inputs go through `appendJson` with `trusted`, so the SDK checks only what core's rule checks
 * for trusted text (UTF-8; text with line breaks; one value's shape) and the server judges the
 * rest (text that is not one value's shape is sent as the raw body instead); `get` and
 * `tail` give their envelope lines as the SDK received them (`toJsonLine`) for byte parity; a conformance tail ends when caught up: at the newest seq the pool had when the
 * tail started, or after an idle `timeout_ms` when a filter hides the newest messages; after a
 * fixture changed the files the server is restarted, so pools are opened afresh as on the other
 * surfaces. Durable consumers (cursor and group ops, a tail with `cursor`) are spoken as the
 * protocol's raw requests (http-consumers.ts), through the same recorder and checks.
 */
import {
  createClient,
  type RemotePool,
  type SpoolClient,
  SpoolHttpError,
  type TailTransport,
} from "@spool/client";
import {
  isOneJsonValueShape,
  type PoolEngine,
  poolInfoJson,
  poolListEntryJson,
  producerInfoJson,
} from "@spool/core";
import type { TokenSpec } from "@spool/http-server";
import WebSocket from "ws";
import { CONSUMER_OPS } from "./consumer-inputs.js";
import { appendOptions, appendResult, errorOutcome, type Result } from "./http-answers.js";
import { cursorTail, type HttpConsumerContext, httpConsumerOp } from "./http-consumers.js";
import { probe, probeFor, sendRaw } from "./http-probe.js";
import { SessionServer } from "./http-server.js";
import { caughtUpTail, lineText } from "./http-tail.js";
import { exchangeProblems, Recorder, sameAsWire, wireError } from "./http-wire.js";
import { batchInput, concurrentInput, hexBytes, writerData } from "./inputs.js";
import type { Driver, DriverSession, DriverStep, Outcome, SessionContext } from "./types.js";

export interface HttpDriverOptions {
  /** The driver's name in reports and `surfaces` (default `http`). */
  name?: string;
  /**
   * Restart the server after each fixture step, so it opens pools afresh like the api and cli
   * drivers do at every step (default true). `false` keeps the server's open pools across the
   * runner's file changes: a damaged header is then not re-read by an already open pool, which
   * is the server's real behaviour, not what the manifests ask (they change files between
   * opens); use it to see that behaviour.
   */
  reopenAfterFixtures?: boolean;
  /**
   * The fetch requests go through (default: the global fetch). Tests put a faulty proxy here to
   * show that the driver catches a server that breaks the protocol.
   */
  fetch?: typeof fetch;
  /**
   * The engine the session's server serves (spec/api/v0 §3.13), e.g. a JetStream cluster
   * (default: a directory of pool files, the session's pool dir). The driver closes it with
   * the session; the server is then `spool serve --engine` in process.
   */
  engine?: (context: SessionContext) => PoolEngine | Promise<PoolEngine>;
  /**
   * How `tail` steps reach the server: `"http"` (default, the JSONL tail) or `"websocket"` (the
   * WebSocket tail, spec/http/v0 §4.2, through the SDK's `transport: "websocket"`): the `ws`
   * driver. Every other step, and tails with a durable cursor, stay on HTTP.
   */
  tailTransport?: TailTransport;
}

/** A step result before the wire checks: the outcome plus what the SDK saw of the wire. */

class Skip {
  constructor(readonly reason: string) {}
}

function need(pool: string | undefined, op: string): string {
  if (pool === undefined) throw new Error(`step ${op} needs a pool`);
  if (pool.includes("/"))
    throw new Skip(
      "HTTP names pools only (spec/http/v0 §6): a path reference is local to the api and cli",
    );
  return pool;
}

class HttpSession implements DriverSession {
  readonly #server: SessionServer;
  readonly #recorder: Recorder;
  readonly #reopen: boolean;
  /** The session's token (the first of `surface_options.http.tokens`), or null. */
  readonly #token: string | null;
  /** One client per token a step asked for (`null`: none). */
  readonly #clients = new Map<string | null, SpoolClient>();
  /** The client of the step running now, and its token. */
  #client: SpoolClient;
  #bearer: string | null = null;

  /** The engine the server serves, when it is not the session's pool dir (closed with it). */
  readonly #engine: PoolEngine | undefined;
  /** How tail steps reach the server. */
  readonly #tailTransport: TailTransport;

  constructor(
    server: SessionServer,
    recorder: Recorder,
    reopen: boolean,
    token: string | null,
    engine?: PoolEngine,
    tailTransport: TailTransport = "http",
  ) {
    this.#engine = engine;
    this.#tailTransport = tailTransport;
    this.#server = server;
    this.#recorder = recorder;
    this.#reopen = reopen;
    this.#token = token;
    this.#client = this.#clientFor(token);
    this.#bearer = token;
  }

  #clientFor(token: string | null): SpoolClient {
    let client = this.#clients.get(token);
    if (!client) {
      client = createClient({
        baseUrl: this.#server.url,
        fetch: this.#recorder.fetch,
        token,
        webSocket: WebSocket,
      });
      this.#clients.set(token, client);
    }
    return client;
  }

  #pool(ref: string | undefined, op: string): RemotePool {
    return this.#client.pool(need(ref, op));
  }

  async run(step: DriverStep): Promise<Outcome> {
    this.#recorder.reset();
    const token = step.surface && "token" in step.surface ? step.surface.token : this.#token;
    if (token !== null && typeof token !== "string")
      throw new Error(`surface_input.http.token must be a string or null, got ${String(token)}`);
    this.#client = this.#clientFor(token);
    this.#bearer = token;
    let outcome: Exclude<Outcome, { status: "skipped" }>;
    try {
      const { result, lines, violations } = await this.#op(step);
      const code = this.#recorder.last?.status;
      outcome = {
        status: "ok",
        result,
        ...(lines === undefined ? {} : { lines }),
        ...(code === undefined ? {} : { code }),
      };
      if (violations) outcome.violations = violations;
    } catch (error) {
      if (error instanceof Skip) return { status: "skipped", reason: error.reason };
      const failed = errorOutcome(error, this.#recorder.last);
      if (failed.code === undefined && this.#recorder.exchanges.length === 0) {
        // The SDK refused the input without a request: the server must refuse it too.
        const url = this.#server.url;
        const problem = await probe(this.#recorder, url, step, failed.error.kind, token);
        if (problem) failed.violations = [...(failed.violations ?? []), problem];
      }
      outcome = failed;
    }
    const wire = await exchangeProblems(this.#recorder.exchanges);
    if (wire.length > 0) outcome.violations = [...(outcome.violations ?? []), ...wire];
    return outcome;
  }

  async #op(step: DriverStep): Promise<Result> {
    const { input } = step;
    switch (step.op) {
      case "create":
        return this.#create(step);
      case "info": {
        const info = poolInfoJson(await this.#pool(step.pool, "info").info());
        return this.#checked(
          { pool: info },
          "PoolInfo",
          (wire) => (wire as { pool?: unknown }).pool,
          info,
        );
      }
      case "list": {
        const pools = (await this.#client.listPools()).map(poolListEntryJson);
        return this.#checked(
          { pools },
          "pool list",
          (wire) => (wire as { pools?: unknown }).pools,
          pools,
        );
      }
      case "delete":
        if (input.force === true)
          throw new Skip("HTTP protocol v0's DELETE has no force: a pool in use stays 423 Busy");
        await this.#client.deletePool(need(step.pool, "delete"));
        return { result: { ok: true } };
      case "append": {
        // Text that is not one JSON value's shape cannot go through the SDK even as trusted text
        // (it could add members to the body): the server is asked with the body itself.
        if (typeof input.json === "string" && !isOneJsonValueShape(input.json.trim()))
          return this.#raw(step);
        const pool = this.#pool(step.pool, "append");
        const options = appendOptions(input);
        const message =
          typeof input.json_hex === "string"
            ? await pool.appendJson(hexBytes(input.json_hex), { ...options, trusted: true })
            : typeof input.json === "string"
              ? await pool.appendJson(input.json, { ...options, trusted: true })
              : await pool.append(input.data, options);
        return this.#answered([message], true);
      }
      case "producer_state": {
        const state = await this.#pool(step.pool, "producer_state").producerState(
          input.id as string,
        );
        if (state === null) return { result: { producer: null } };
        const producer = producerInfoJson(state);
        return this.#checked(
          { producer },
          "producer state",
          (wire) => (wire as { producer?: unknown }).producer,
          producer,
        );
      }
      case "append_batch":
        return this.#batch(step);
      case "get": {
        const message = await this.#pool(step.pool, "get").get(input.seq as number);
        return { result: { message: message.toJSON() }, lines: [lineText(message.toJsonLine())] };
      }
      case "tail": {
        if (input.cursor !== undefined || input.auto_ack !== undefined) {
          if (input.cursor === undefined)
            throw new Skip(
              "HTTP tails never ack: auto_ack is the client acking its cursor, so it needs one",
            );
          return cursorTail(this.#consumers(), need(step.pool, "tail"), input);
        }
        const pool = this.#pool(step.pool, "tail");
        const { lines, ...result } = await caughtUpTail(
          pool,
          input,
          this.#recorder,
          this.#tailTransport,
        );
        return { result, lines };
      }
      case "concurrent_append":
        return {
          result: await this.#concurrent(this.#pool(step.pool, "concurrent_append"), input),
        };
      default: {
        const name = CONSUMER_OPS.has(step.op) ? need(step.pool, step.op) : "";
        const result = await httpConsumerOp(this.#consumers(), step.op, name, input);
        if (result === undefined) throw new Skip(`the http driver does not know op ${step.op}`);
        return result;
      }
    }
  }

  /** What the consumer ops (http-consumers.ts) need of this session, for the step running now. */
  #consumers(): HttpConsumerContext {
    return {
      recorder: this.#recorder,
      baseUrl: this.#server.url,
      bearer: this.#bearer,
      answer: (request) => this.#answer(request),
    };
  }

  /** `result`, with a violation when the SDK's `value` is not what the server sent. */
  #checked(
    result: unknown,
    what: string,
    pick: (wire: unknown) => unknown,
    value: unknown,
  ): Result {
    const wire = this.#recorder.lastJson();
    const problem = sameAsWire(what, value, wire === undefined ? undefined : pick(wire));
    return problem ? { result, violations: [problem] } : { result };
  }

  async #create(step: DriverStep): Promise<Result> {
    const { input } = step;
    const name = need(step.pool, "create");
    if (input.index_capacity !== undefined)
      throw new Skip(
        "HTTP protocol v0 creates pools with a name and size_bytes only: no index capacity",
      );
    const size = input.size;
    await this.#client.createPool(
      name,
      typeof size === "string" || typeof size === "number" ? { size } : {},
    );
    // The SDK returns a handle; the PoolInfo of the create answer is the server's own.
    const pool = (this.#recorder.lastJson() as { pool?: unknown } | undefined)?.pool;
    return { result: { pool } };
  }

  /** Sends `step` as the raw request the SDK would have sent; the server's answer is the outcome. */
  async #raw(step: DriverStep): Promise<Result> {
    const request = probeFor(step);
    if (!request) throw new Skip("the step has no raw request");
    return this.#answer(request);
  }

  /** Sends `request` itself (not through the SDK): its JSON answer, or its error envelope thrown. */
  async #answer(request: Parameters<typeof sendRaw>[3]): Promise<Result> {
    const response = await sendRaw(this.#recorder, this.#server.url, this.#bearer, request);
    if (response.ok) return { result: this.#recorder.lastJson() ?? (await response.text()) };
    // Without an envelope the wire check reports the breach; the kind is then unknown.
    const error = wireError(this.#recorder.last) ?? {
      kind: "Internal",
      message: `HTTP ${response.status} without an error envelope`,
    };
    const { kind, message, ...details } = error;
    throw new SpoolHttpError(kind, message, response.status, details);
  }

  async #batch(step: DriverStep): Promise<Result> {
    const name = need(step.pool, "append_batch");
    const { messages } = batchInput(step.input);
    if (messages.length === 0) {
      // The SDK answers an empty batch with [] without a request (like the local API); the step
      // is about the protocol's answer to one, so the driver sends that request itself.
      return this.#answer({
        method: "POST",
        path: `/v0/pools/${encodeURIComponent(name)}/append_batch`,
        body: JSON.stringify({ messages: [] }),
      });
    }
    const committed = await this.#pool(name, "append_batch").appendBatch(
      messages.map((m) =>
        m.tags === undefined ? { data: m.data } : { data: m.data, tags: m.tags },
      ),
      appendOptions(step.input),
    );
    return this.#answered(committed, false);
  }

  /** The result of an append's answers, with the body the server sent (see http-answers.ts). */
  #answered(answers: readonly unknown[], one: boolean): Result {
    return appendResult(answers, this.#recorder.lastJson(), one);
  }

  async #concurrent(pool: RemotePool, input: Record<string, unknown>) {
    const { writers, count, tags } = concurrentInput(input);
    let appended = 0;
    // Round n: every writer sends its message n at once, so the appends contend on the server.
    for (let n = 0; n < count; n++) {
      const round = await Promise.all(
        Array.from({ length: writers }, (_, w) => pool.append(writerData(w, n), { tags })),
      );
      appended += round.length;
    }
    return { appended };
  }

  /** After a fixture: restart the server (unless `reopenAfterFixtures` is false). */
  async filesChanged(): Promise<void> {
    if (this.#reopen) await this.#server.restart();
  }

  async close(): Promise<void> {
    await this.#server.close();
    await this.#engine?.close();
  }
}

/**
 * The HTTP driver: a real server per session, reached through @spool/client.
 *
 * @example
 * const report = await runSuite({ manifests, drivers: [apiDriver(), cliDriver(), httpDriver()] });
 */
export function httpDriver(options: HttpDriverOptions = {}): Driver {
  return {
    name: options.name ?? (options.tailTransport === "websocket" ? "ws" : "http"),
    surface: "http",
    // Answers name pool files inside the served directory (spec/http/v0 §2.2).
    paths: "served",
    async open(context: SessionContext): Promise<DriverSession> {
      const maxBody = context.options.max_body_bytes;
      if (maxBody !== undefined && !Number.isSafeInteger(maxBody))
        throw new Error(
          `surface_options.http.max_body_bytes must be a whole number, got ${String(maxBody)}`,
        );
      const tokens = context.options.tokens;
      if (tokens !== undefined && !Array.isArray(tokens))
        throw new Error("surface_options.http.tokens must be a list of tokens");
      const first = (tokens as TokenSpec[] | undefined)?.[0];
      const engine = await options.engine?.(context);
      const server = await SessionServer.start({
        ...(engine === undefined ? { dir: context.poolDir } : { engine }),
        ...(maxBody === undefined ? {} : { limits: { maxBodyBytes: maxBody as number } }),
        ...(tokens === undefined ? {} : { tokens: tokens as TokenSpec[] }),
      });
      const token = first === undefined ? null : typeof first === "string" ? first : first.token;
      return new HttpSession(
        server,
        new Recorder(options.fetch),
        options.reopenAfterFixtures !== false,
        token,
        engine,
        options.tailTransport,
      );
    },
  };
}
