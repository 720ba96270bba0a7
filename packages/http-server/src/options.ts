/**
 * The options of `createApp`: where pools live, who may do what (tokens, access modes), limits,
 * CORS, and whether answers show the server's absolute paths. This is the seam the server app and `spool serve` fill from flags, environment and
 * files; the app itself reads no environment and opens no socket.
 *
 * Invariants: options are validated with zod once, at `createApp`, into a fully defaulted
 * `ResolvedOptions`; an invalid option throws a Usage SpoolError naming the option.
 */
import {
  type AccessMode,
  DEFAULT_POOL_SIZE,
  defaultPoolDir,
  type PoolEngine,
  poolFileSize,
  SpoolError,
} from "@spool/core";
import type { UpgradeWebSocket } from "hono/ws";
import * as z from "zod";
import type { McpMount } from "./mcp-mount.js";

// Access modes are core's (one definition); re-exported for createApp's callers.
export { ACCESS_MODES, type AccessMode } from "@spool/core";

/** A bearer token, optionally with its own access mode (narrower or wider than the default). */
export type TokenSpec = string | { token: string; access?: AccessMode | undefined };

export interface Limits {
  /** Largest request body in bytes (413 above). Default 16 MiB. */
  maxBodyBytes?: number | undefined;
  /** Largest `timeout_ms` a tail may ask for (400 above). Default 3,600,000 (one hour). */
  maxTailTimeoutMs?: number | undefined;
  /** Concurrent tails across all pools (423 Busy above, never queued). Default 1024. */
  maxConcurrentTails?: number | undefined;
  /** Messages in one batch append (400 above). Default 10,000. */
  maxBatchMessages?: number | undefined;
  /** Pools kept open between requests (least recently used ones without tails are closed). Default 256. */
  maxOpenPools?: number | undefined;
  /** Largest pool file a create may make, in bytes (400 above). Default 1 GiB. */
  maxPoolSize?: number | undefined;
  /**
   * Bytes of pool files (every `*.spool` in the directory, whoever made it) beyond which creates
   * are refused (400), so clients that may write cannot fill the disk. Default 16 GiB.
   */
  maxTotalPoolBytes?: number | undefined;
  /**
   * How long an append waits for a pool's lock held by another process (423 Busy after). The
   * wait never blocks the server. Default 10,000 ms.
   */
  lockTimeoutMs?: number | undefined;
  /**
   * Longest a group claim waits for a message (`wait_ms`; a longer wait is shortened to this,
   * and the claim answers what it has, possibly nothing). Default 30,000 ms.
   */
  maxClaimWaitMs?: number | undefined;
  /**
   * How long a WebSocket tail without an `Authorization` header waits for its first frame, the
   * auth frame, when tokens are configured (closed with 4401 after). Default 5,000 ms.
   */
  wsAuthTimeoutMs?: number | undefined;
}

export interface CreateAppOptions {
  /** The pool directory. Default: SPOOL_DIR, else ~/.spool/pools (core's `defaultPoolDir`). */
  dir?: string | undefined;
  /**
   * The engine holding the pools instead of a directory (spec/api/v0 §3.13), e.g. a JetStream
   * cluster from `@spool/jetstream`'s `connectJetStream`. It stays the caller's: `close()` does
   * not close it. Not together with `dir`.
   */
  engine?: PoolEngine | undefined;
  /**
   * Copies kept of every pool created through the server (1, 3 or 5), on an engine that
   * replicates (`engine`). Default 1. A pool directory keeps one copy: other values are Usage.
   */
  replicas?: number | undefined;
  /** Accepted bearer tokens. Empty or absent: no authentication. */
  tokens?: readonly TokenSpec[] | undefined;
  /** Access mode of every request (and of tokens without their own). Default `read-write`. */
  access?: AccessMode | undefined;
  limits?: Limits | undefined;
  /** CORS: exact origins allowed to call the API from a browser. Absent: no CORS headers. */
  cors?: { origins: readonly string[] } | undefined;
  /** Size of pools created without `size_bytes`: bytes or text such as `1M`. Default 1 MiB. */
  defaultPoolSize?: number | string | undefined;
  /** Called with every 5xx error before it is answered (for logging). */
  onInternalError?: ((error: Error) => void) | undefined;
  /**
   * `GET /metrics` (Prometheus text format). Default: on; when tokens are configured it needs
   * any valid token (any access mode). `{ public: true }`: no token needed (for a scraper on a
   * private network). `false`: no endpoint (404) and no collection.
   */
  metrics?: false | { public?: boolean | undefined } | undefined;
  /**
   * Show absolute paths of the server's disk in answers (PoolInfo `path`, error `path` and
   * messages). Default `false`: a pool file is named by its name inside the served directory
   * (`build.spool`), so clients learn nothing about the server's file system.
   */
  exposePaths?: boolean | undefined;
  /**
   * An MCP endpoint to mount at `/mcp` (e.g. `createMcpEndpoint()` of `@spool/mcp`), given the
   * caller's access mode and the served pools with every request. Absent: no `/mcp` (404).
   */
  mcp?: McpMount | undefined;
  /**
   * The web console at `/ui`: the directory of a built page (index.html and assets/), e.g.
   * `consoleDir` of @spool/console. Read once, here. Absent: no `/ui` (404).
   */
  ui?: { dir: string } | undefined;
  /**
   * The WebSocket tail at `/v0/pools/{pool}/ws`: the runtime adapter's hono upgrade helper, e.g.
   * `upgradeWebSocket` of `@hono/node-server` (whose `serve` is then given a `ws`
   * WebSocketServer made with `noServer: true`). Absent: the path answers 404.
   */
  websocket?: { upgrade: UpgradeWebSocket<unknown> } | undefined;
}

export interface ResolvedOptions {
  dir: string;
  engine: PoolEngine | undefined;
  replicas: number;
  tokens: readonly { token: string; access: AccessMode }[];
  access: AccessMode;
  limits: Required<{ [K in keyof Limits]-?: number }>;
  cors: readonly string[] | undefined;
  defaultPoolSize: number;
  onInternalError: ((error: Error) => void) | undefined;
  metrics: { enabled: boolean; public: boolean };
  exposePaths: boolean;
  mcp: McpMount | undefined;
  ui: { dir: string } | undefined;
  websocket: { upgrade: UpgradeWebSocket<unknown> } | undefined;
}

export const DEFAULT_LIMITS: Readonly<ResolvedOptions["limits"]> = Object.freeze({
  maxBodyBytes: 16 * 1024 * 1024,
  maxTailTimeoutMs: 3_600_000,
  maxConcurrentTails: 1024,
  maxBatchMessages: 10_000,
  maxOpenPools: 256,
  maxPoolSize: 1024 ** 3,
  maxTotalPoolBytes: 16 * 1024 ** 3,
  lockTimeoutMs: 10_000,
  maxClaimWaitMs: 30_000,
  wsAuthTimeoutMs: 5_000,
});

const accessSchema = z.enum(["read-only", "write-only", "read-write"]);
const positive = z.int().min(1);

const optionsSchema = z.strictObject({
  dir: z.string().min(1).optional(),
  engine: z
    .custom<PoolEngine>(
      (v) =>
        typeof v === "object" &&
        v !== null &&
        typeof (v as PoolEngine).open === "function" &&
        typeof (v as PoolEngine).kind === "string",
      { message: "expected a PoolEngine (kind, location, create, open, list, delete, close)" },
    )
    .optional(),
  replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]).optional(),
  tokens: z
    .array(
      z.union([
        z.string().min(1),
        z.strictObject({ token: z.string().min(1), access: accessSchema.optional() }),
      ]),
    )
    .optional(),
  access: accessSchema.optional(),
  limits: z
    .strictObject({
      maxBodyBytes: positive.optional(),
      maxTailTimeoutMs: z.int().min(0).optional(),
      maxConcurrentTails: z.int().min(0).optional(),
      maxBatchMessages: positive.optional(),
      maxOpenPools: positive.optional(),
      maxPoolSize: positive.optional(),
      maxTotalPoolBytes: positive.optional(),
      lockTimeoutMs: z.int().min(0).optional(),
      maxClaimWaitMs: z.int().min(0).max(86_400_000).optional(),
      wsAuthTimeoutMs: z.int().min(1).max(600_000).optional(),
    })
    .optional(),
  cors: z.strictObject({ origins: z.array(z.string().min(1)) }).optional(),
  defaultPoolSize: z.union([z.number(), z.string()]).optional(),
  onInternalError: z.custom<(error: Error) => void>((v) => typeof v === "function").optional(),
  metrics: z
    .union([z.literal(false), z.strictObject({ public: z.boolean().optional() })])
    .optional(),
  exposePaths: z.boolean().optional(),
  ui: z.strictObject({ dir: z.string().min(1) }).optional(),
  websocket: z
    .strictObject({
      upgrade: z.custom<UpgradeWebSocket<unknown>>((v) => typeof v === "function", {
        message: "expected the runtime's hono upgrade helper (upgradeWebSocket)",
      }),
    })
    .optional(),
  mcp: z
    .custom<McpMount>(
      (v) => typeof v === "object" && v !== null && typeof (v as McpMount).fetch === "function",
      { message: "expected an MCP endpoint (an object with fetch(request, caller))" },
    )
    .optional(),
});

/** Validates and defaults the options (Usage SpoolError on a bad option). */
export function resolveOptions(options: CreateAppOptions = {}): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "options";
    throw new SpoolError("Usage", `invalid http-server option ${where}: ${issue?.message}`, {
      hint: "see CreateAppOptions in @spool/http-server",
    });
  }
  const o = parsed.data;
  if (o.dir !== undefined && o.engine !== undefined) {
    throw new SpoolError("Usage", "give the http-server either dir or engine, not both", {
      hint: "dir serves a directory of pool files; engine serves the pools of another engine",
    });
  }
  if (o.engine === undefined && o.replicas !== undefined && o.replicas !== 1) {
    throw new SpoolError(
      "Usage",
      `invalid http-server option replicas: a pool directory keeps one copy, not ${o.replicas}`,
      { hint: "give replicas only with an engine that replicates (a JetStream cluster)" },
    );
  }
  const access = o.access ?? "read-write";
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(o.limits ?? {})) {
    if (value !== undefined) limits[key as keyof typeof limits] = value;
  }
  const defaultPoolSize = poolFileSize(o.defaultPoolSize ?? DEFAULT_POOL_SIZE);
  if (defaultPoolSize > limits.maxPoolSize) {
    throw new SpoolError(
      "Usage",
      `invalid http-server option defaultPoolSize: ${defaultPoolSize} bytes is above limits.maxPoolSize (${limits.maxPoolSize} bytes)`,
      { hint: "lower the default pool size (--default-pool-size) or raise --max-pool-size" },
    );
  }
  return {
    dir: o.engine === undefined ? defaultPoolDir(o.dir) : o.engine.location,
    engine: o.engine,
    replicas: o.replicas ?? 1,
    tokens: (o.tokens ?? []).map((t) =>
      typeof t === "string" ? { token: t, access } : { token: t.token, access: t.access ?? access },
    ),
    access,
    limits,
    cors: o.cors?.origins,
    defaultPoolSize,
    onInternalError: o.onInternalError,
    metrics:
      o.metrics === false
        ? { enabled: false, public: false }
        : { enabled: true, public: o.metrics?.public === true },
    exposePaths: o.exposePaths === true,
    mcp: o.mcp,
    ui: o.ui,
    websocket: o.websocket,
  };
}

/**
 * Whether any request may write: the app's mode without tokens, else any token's own mode (a
 * read-write token on a read-only server writes). Decides whether pools are opened for writing.
 */
export function anyWriter(options: Pick<ResolvedOptions, "access" | "tokens">): boolean {
  if (options.tokens.length === 0) return options.access !== "read-only";
  return options.tokens.some((t) => t.access !== "read-only");
}
