/**
 * One server's configuration: every setting of the settings table resolved from its flag, its
 * environment variable, the config file or its default (in that order), checked and combined
 * into a `ServerConfig` that start.ts runs.
 *
 * Invariants: each value records where it came from (`Source`); a bad value anywhere is Usage
 * naming the setting before anything listens; TLS is both files or a generated pair, never half;
 * a non-loopback bind needs --allow-non-loopback, and writes there need a token file and TLS
 * (only --insecure-no-auth-or-tls waives that, with a warning); the default pool size must fit
 * the maximum pool size; an engine (`--engine nats://…`) replaces the pool directory (a `dir`
 * from a flag or the file beside it is Usage) and is the only place NATS credentials mean
 * something; all of this is checked here, once, so the app never sees an inconsistent
 * configuration.
 */
import { dirname, resolve } from "node:path";
import { DEFAULT_POOL_SIZE, defaultPoolDir, parseSize, poolFileSize } from "@spool/core";
import { type AccessMode, DEFAULT_LIMITS, type Limits } from "@spool/http-server";
import { isLoopbackHost } from "./loopback.js";
import { type NatsAccess, type NatsNames, parseEngineUrl } from "./nats.js";
import { applyBind, check, fromEnvText, readConfigFile, usage } from "./setting-values.js";
import { SERVER_SETTINGS } from "./settings.js";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 9700;
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

/** Where a setting's value came from. */
export type Source = "flag" | "env" | "file" | "default";

/** The NATS JetStream engine a server serves instead of a directory, and how to reach it. */
export interface EngineConfig {
  /** `nats://HOST:PORT[,HOST:PORT…]`, normalised. */
  url: string;
  access: NatsAccess;
  /** How each credential is named in messages (the flag, variable or file key it came from). */
  names: NatsNames;
}

export type TlsConfig =
  | { mode: "files"; cert: string; key: string }
  | { mode: "self-signed" }
  | undefined;

/** The validated configuration of one server. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Absolute pool directory; with an engine, the engine's location. */
  dir: string;
  /** The NATS JetStream engine served instead of `dir`. */
  engine: EngineConfig | undefined;
  /** Copies the engine keeps of each pool created through the server (1 without an engine). */
  replicas: number;
  /** The PostgreSQL archive read below the ring, and the pools the server archives into it. */
  archive: { url: string; pools: string[]; policy: "best-effort" | "required" } | undefined;
  access: AccessMode;
  /** Absolute path of the token file, if any. */
  tokenFile: string | undefined;
  tls: TlsConfig;
  allowNonLoopback: boolean;
  insecureNoAuthOrTls: boolean;
  /** True when the bind address is loopback-only. */
  loopback: boolean;
  corsOrigins: string[];
  limits: Limits;
  defaultPoolSize: string | undefined;
  /** `GET /metrics`: on (token-protected when tokens are set), public, or off. */
  metrics: "on" | "public" | "off";
  /** Absolute pool file paths in answers (`--expose-paths`); default: names inside `dir`. */
  exposePaths: boolean;
  logFormat: "json" | "text";
  quiet: boolean;
  shutdownGraceMs: number;
  /** Absolute path of the config file read, if any. */
  configFile: string | undefined;
  /** Where each setting came from. */
  sources: Record<string, Source>;
  /** Warnings to log at start (and print in `serve check`). */
  warnings: string[];
}

export interface ConfigInput {
  /** Parsed flags, camelCase keys (yargs' output); undefined values mean "not given". */
  flags?: Record<string, unknown>;
  /** Environment (default: none; pass `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** A config file path (overridden by `flags.config` and `SPOOL_SERVER_CONFIG`). */
  file?: string | undefined;
}

const SECURE_SETUP =
  "run `spool serve init`, then start with --token-file ~/.spool/server/token.txt --tls-cert ~/.spool/server/cert.pem --tls-key ~/.spool/server/key.pem (see docs/serving.md)";

/** Settings whose value is a path: relative paths in the file are relative to the file. */
const PATH_KEYS = new Set([
  "dir",
  "tokenFile",
  "tlsCert",
  "tlsKey",
  "natsPasswordFile",
  "natsTokenFile",
  "natsCreds",
  "natsTlsCa",
]);

/** The NATS credential settings and the NatsAccess field each fills. */
const NATS_KEYS = {
  natsUser: "user",
  natsPasswordFile: "passwordFile",
  natsTokenFile: "tokenFile",
  natsCreds: "creds",
  natsTlsCa: "tlsCa",
} as const;

/**
 * Merges and validates the configuration (Usage SpoolError naming the flag, env var or file key).
 *
 * @example
 * const config = resolveServerConfig({ flags: { port: 0 }, env: process.env });
 * config.host // "127.0.0.1"
 */
export function resolveServerConfig(input: ConfigInput = {}): ServerConfig {
  const flags = input.flags ?? {};
  const env = input.env ?? {};
  const values: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};

  const fromFlags: Record<string, unknown> = {};
  for (const s of SERVER_SETTINGS) {
    const v = flags[s.key];
    if (v === undefined || (s.type === "list" && Array.isArray(v) && v.length === 0)) continue;
    fromFlags[s.key] = check(
      s,
      s.type === "list" && !Array.isArray(v) ? [v] : v,
      `--${s.flag}`,
      `see --help for --${s.flag}`,
    );
  }
  applyBind(fromFlags);
  const fromEnv: Record<string, unknown> = {};
  for (const s of SERVER_SETTINGS) {
    const text = s.env === undefined ? undefined : env[s.env];
    if (text === undefined || text === "") continue;
    fromEnv[s.key] = check(s, fromEnvText(s, text), s.env as string, `fix or unset ${s.env}`);
  }

  const configPath = (fromFlags.config ?? fromEnv.config ?? input.file) as string | undefined;
  const configFile = configPath === undefined ? undefined : resolve(configPath);
  const fromFile: Record<string, unknown> = {};
  if (configFile !== undefined) {
    const where =
      fromFlags.config !== undefined
        ? "--config"
        : fromEnv.config !== undefined
          ? "SPOOL_SERVER_CONFIG"
          : "config";
    const raw = readConfigFile(configFile, where);
    for (const s of SERVER_SETTINGS) {
      if (s.flagOnly || raw[s.key] === undefined) continue;
      let v = check(
        s,
        raw[s.key],
        `config file ${configFile}: key "${s.key}"`,
        `fix "${s.key}" in ${configFile}`,
      );
      if (PATH_KEYS.has(s.key)) v = resolve(dirname(configFile), v as string);
      fromFile[s.key] = v;
    }
  }

  for (const s of SERVER_SETTINGS) {
    for (const [source, bag] of [
      ["flag", fromFlags],
      ["env", fromEnv],
      ["file", fromFile],
    ] as const) {
      if (bag[s.key] !== undefined) {
        values[s.key] = bag[s.key];
        sources[s.key] = source;
        break;
      }
    }
    sources[s.key] ??= "default";
  }

  const named = (key: string): string => nameOf(key, sources[key] ?? "default", configFile);
  const path = (key: string): string | undefined =>
    values[key] === undefined ? undefined : resolve(values[key] as string);

  const host = (values.host as string | undefined) ?? DEFAULT_HOST;
  const loopback = isLoopbackHost(host);
  const access = (values.access as AccessMode | undefined) ?? "read-write";
  const tokenFile = path("tokenFile");
  const allowNonLoopback = values.allowNonLoopback === true;
  const insecure = values.insecureNoAuthOrTls === true;
  const warnings: string[] = [];

  const certPath = path("tlsCert");
  const keyPath = path("tlsKey");
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const given = certPath === undefined ? "tlsKey" : "tlsCert";
    const missing = certPath === undefined ? "--tls-cert" : "--tls-key";
    throw usage(
      `${named(given)} needs ${missing} too`,
      "TLS needs both the certificate and its private key (`spool serve init` writes a pair)",
    );
  }
  if (certPath !== undefined && values.tlsSelfSigned === true) {
    throw usage(
      `${named("tlsSelfSigned")} conflicts with ${named("tlsCert")}`,
      "use either your own certificate (--tls-cert/--tls-key) or a generated one (--tls-self-signed)",
    );
  }
  const tls: TlsConfig =
    certPath !== undefined && keyPath !== undefined
      ? { mode: "files", cert: certPath, key: keyPath }
      : values.tlsSelfSigned === true
        ? { mode: "self-signed" }
        : undefined;

  if (!loopback && !allowNonLoopback) {
    throw usage(
      `refusing to bind ${host}: it is not a loopback address (127.0.0.0/8, ::1, localhost)`,
      `to serve other machines pass --allow-non-loopback (SPOOL_SERVER_ALLOW_NON_LOOPBACK=1); a server that accepts writes also needs a token file and TLS: ${SECURE_SETUP}`,
    );
  }
  if (!loopback && access !== "read-only" && (tokenFile === undefined || tls === undefined)) {
    const missing = [tokenFile === undefined ? "a token file" : "", tls === undefined ? "TLS" : ""]
      .filter(Boolean)
      .join(" and ");
    if (!insecure) {
      throw usage(
        `refusing to accept writes (access ${access}) on non-loopback ${host} without ${missing}`,
        `${SECURE_SETUP}; or serve reads only with --access read-only (--insecure-no-auth-or-tls overrides this check: only for isolated networks)`,
      );
    }
    warnings.push(
      `INSECURE: ${named("insecureNoAuthOrTls")} is set: anyone who can reach ${host} may write to every pool, without ${missing}`,
    );
  } else if (!loopback && (tokenFile === undefined || tls === undefined)) {
    warnings.push(
      `serving ${host} without ${tokenFile === undefined ? "tokens" : "TLS"}: anyone who can reach it may read every pool${tls === undefined ? " (in clear text)" : ""}`,
    );
  }
  if (insecure && loopback) {
    warnings.push(`${named("insecureNoAuthOrTls")} has no effect on the loopback address ${host}`);
  }

  const defaultPoolSize = values.defaultPoolSize as string | undefined;
  if (defaultPoolSize !== undefined) {
    try {
      parseSize(defaultPoolSize);
    } catch (error) {
      throw usage(
        `${named("defaultPoolSize")}: ${(error as Error).message}`,
        "use bytes or a size such as 64K, 1M, 2G",
      );
    }
  }

  const limits: Limits = {};
  for (const key of [
    "maxBodyBytes",
    "maxTailTimeoutMs",
    "maxConcurrentTails",
    "maxBatchMessages",
    "maxOpenPools",
    "maxTotalPoolBytes",
    "lockTimeoutMs",
  ] as const) {
    if (values[key] !== undefined) limits[key] = values[key] as number;
  }
  if (values.maxPoolSize !== undefined) {
    try {
      limits.maxPoolSize = poolFileSize(values.maxPoolSize as string);
    } catch (error) {
      throw usage(
        `${named("maxPoolSize")}: ${(error as Error).message}`,
        "use bytes or a size such as 64M, 1G, 4G",
      );
    }
  }
  const defaultFileSize =
    defaultPoolSize === undefined ? DEFAULT_POOL_SIZE : poolFileSize(defaultPoolSize);
  const maxPoolSize = limits.maxPoolSize ?? DEFAULT_LIMITS.maxPoolSize;
  if (defaultFileSize > maxPoolSize) {
    throw usage(
      `${defaultPoolSize === undefined ? "the default pool size" : named("defaultPoolSize")} (${defaultFileSize} bytes) is larger than ${named("maxPoolSize")} (${maxPoolSize} bytes)`,
      "lower --default-pool-size or raise --max-pool-size",
    );
  }

  const engine = engineConfig(values, sources, named, path);
  const replicas = (values.replicas as number | undefined) ?? 1;
  if (![1, 3, 5].includes(replicas)) {
    throw usage(
      `${named("replicas")} must be 1, 3 or 5, not ${replicas}`,
      "a JetStream stream keeps 1, 3 or 5 copies; use 3 on a 3-node cluster",
    );
  }
  if (replicas !== 1 && engine === undefined) {
    throw usage(
      `${named("replicas")} needs --engine: a pool directory keeps one copy of each pool`,
      "serve a NATS JetStream cluster with --engine nats://HOST:PORT, or leave --replicas out",
    );
  }

  const archiveUrl = values.archive as string | undefined;
  const archivePools = (values.archivePools as string[] | undefined) ?? [];
  if (archiveUrl !== undefined && !/^postgres(ql)?:\/\//i.test(archiveUrl)) {
    throw usage(
      `${named("archive")} must be a postgres:// URL`,
      "e.g. --archive postgres://spool@127.0.0.1:5432/spool (TLS: ?sslmode=verify-full&sslrootcert=CA.pem)",
    );
  }
  if (archivePools.length > 0 && archiveUrl === undefined) {
    throw usage(
      `${named("archivePools")} needs --archive: the pools are archived into it`,
      'give the archive with --archive postgres://… (SPOOL_ARCHIVE, or "archive" in the config file)',
    );
  }

  return {
    host,
    port: (values.port as number | undefined) ?? DEFAULT_PORT,
    archive:
      archiveUrl === undefined
        ? undefined
        : {
            url: archiveUrl,
            pools: archivePools,
            policy:
              (values.archivePolicy as "best-effort" | "required" | undefined) ?? "best-effort",
          },
    dir: engine?.url ?? defaultPoolDir(path("dir"), {}),
    engine,
    replicas,
    access,
    tokenFile,
    tls,
    allowNonLoopback,
    insecureNoAuthOrTls: insecure,
    loopback,
    corsOrigins: (values.corsOrigins as string[] | undefined) ?? [],
    limits,
    defaultPoolSize,
    metrics: (values.metrics as ServerConfig["metrics"] | undefined) ?? "on",
    exposePaths: values.exposePaths === true,
    logFormat: (values.logFormat as "json" | "text" | undefined) ?? "json",
    quiet: values.quiet === true,
    shutdownGraceMs: (values.shutdownGraceMs as number | undefined) ?? DEFAULT_SHUTDOWN_GRACE_MS,
    configFile,
    sources,
    warnings,
  };
}

/**
 * The engine and its credentials: the URL checked, each secret from the environment kept as the
 * secret itself (a variable holds it) and every file resolved; credentials without an engine, or
 * an engine beside a pool directory given by flag or file, are Usage.
 */
function engineConfig(
  values: Record<string, unknown>,
  sources: Record<string, Source>,
  named: (key: string) => string,
  path: (key: string) => string | undefined,
): EngineConfig | undefined {
  const given = Object.keys(NATS_KEYS).filter((key) => values[key] !== undefined);
  if (values.engine === undefined) {
    if (given.length === 0) return undefined;
    throw usage(
      `${named(given[0] as string)} needs --engine: NATS credentials mean nothing for a pool directory`,
      'serve a NATS JetStream engine with --engine nats://HOST:PORT (SPOOL_ENGINE, or "engine" in the config file), or leave the NATS settings out',
    );
  }
  if (values.dir !== undefined && sources.dir !== "env") {
    throw usage(
      `${named("dir")} and ${named("engine")} do not go together: the pools are either files in a directory or on the engine`,
      "leave --dir out to serve the engine's pools (or --engine out to serve a directory)",
    );
  }
  const url = parseEngineUrl(values.engine as string, named("engine"));
  const access: NatsAccess = {};
  const names: NatsNames = { engine: named("engine") };
  for (const key of given) {
    const field = NATS_KEYS[key as keyof typeof NATS_KEYS];
    const secret =
      sources[key] === "env" && SERVER_SETTINGS.find((x) => x.key === key)?.envHoldsSecret === true;
    const target = secret ? (field === "passwordFile" ? "password" : "token") : field;
    access[target] = secret || field === "user" ? (values[key] as string) : path(key);
    names[target] = named(key);
  }
  return { url, access, names };
}

/** How a setting is named in messages, given where its value came from. */
function nameOf(key: string, source: Source, configFile: string | undefined): string {
  const s = SERVER_SETTINGS.find((x) => x.key === key);
  if (!s) return key;
  if (source === "env" && s.env) return s.env;
  if (source === "file") return `"${key}" in ${configFile}`;
  return `--${s.flag}`;
}
