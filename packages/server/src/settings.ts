/**
 * The one table of server settings: for each, its command-line flag, its environment variable,
 * its config-file key, its type and its help text. The bin (`spool-server`), `spool serve` and
 * the config resolver all read this table, so a setting is named and described exactly once.
 *
 * Invariants: flag names are the kebab-case of the key, file keys are the key itself; no setting
 * has a yargs default (defaults are applied by the resolver, after flags, environment and file
 * have been merged, so precedence stays flags > env > file > defaults).
 */

/** How a setting's text is read (from the environment) and checked. */
export type SettingType = "string" | "port" | "count" | "boolean" | "list" | "choice";

export interface Setting {
  /** camelCase key: the parsed flag's name and the config file's key. */
  key: string;
  /** kebab-case flag, without the leading dashes. */
  flag: string;
  /** Environment variable, if the setting may come from the environment. */
  env?: string;
  type: SettingType;
  choices?: readonly string[];
  describe: string;
  /** Settings that only make sense on the command line or in the environment (never in the file). */
  flagOnly?: boolean;
  /** Smallest value of a `count` (default 1). */
  min?: number;
  /**
   * The environment variable holds the secret itself, while the flag and the file key name a file
   * holding it (`--nats-password-file` / `SPOOL_NATS_PASSWORD`).
   */
  envHoldsSecret?: boolean;
}

/** Every setting of `spool serve` / `spool-server` (and `serve check`). */
export const SERVER_SETTINGS: readonly Setting[] = [
  {
    key: "config",
    flag: "config",
    env: "SPOOL_SERVER_CONFIG",
    type: "string",
    describe: "JSON config file (keys as in docs/serving.md); flags and env override it",
    flagOnly: true,
  },
  {
    key: "host",
    flag: "host",
    env: "SPOOL_SERVER_HOST",
    type: "string",
    describe: "Address to bind (default 127.0.0.1; others need --allow-non-loopback)",
  },
  {
    key: "port",
    flag: "port",
    env: "SPOOL_SERVER_PORT",
    type: "port",
    describe: "Port to bind (default 9700; 0 picks a free port)",
  },
  {
    key: "bind",
    flag: "bind",
    type: "string",
    describe: "HOST:PORT to bind, as one value ([::1]:9700 for IPv6); same as --host and --port",
    flagOnly: true,
  },
  {
    key: "dir",
    flag: "dir",
    env: "SPOOL_DIR",
    type: "string",
    describe: "Pool directory (default ~/.spool/pools, created if missing)",
  },
  {
    key: "engine",
    flag: "engine",
    env: "SPOOL_ENGINE",
    type: "string",
    describe:
      "Serve the pools of this NATS JetStream engine instead of a directory: nats://HOST:PORT[,HOST:PORT…]",
  },
  {
    key: "replicas",
    flag: "replicas",
    env: "SPOOL_SERVER_REPLICAS",
    type: "count",
    describe:
      "Copies the engine keeps of each pool created through the server: 1, 3 or 5 (with --engine; default 1)",
  },
  {
    key: "archive",
    flag: "archive",
    env: "SPOOL_ARCHIVE",
    type: "string",
    describe:
      "PostgreSQL archive the server reads below the ring from (spec/archive/v0): postgres://USER@HOST:PORT/DB[?sslmode=…]",
  },
  {
    key: "archivePools",
    flag: "archive-pools",
    env: "SPOOL_ARCHIVE_POOLS",
    type: "list",
    describe:
      "Pools the server also archives into --archive (repeat the flag; env: comma-separated)",
  },
  {
    key: "archivePolicy",
    flag: "archive-policy",
    env: "SPOOL_ARCHIVE_POLICY",
    type: "choice",
    choices: ["best-effort", "required"],
    describe:
      "When an archiver of --archive-pools falls behind the ring: best-effort (default) or required (appends are Busy instead)",
  },
  {
    key: "natsUser",
    flag: "nats-user",
    env: "SPOOL_NATS_USER",
    type: "string",
    describe: "NATS user (with --nats-password-file)",
  },
  {
    key: "natsPasswordFile",
    flag: "nats-password-file",
    env: "SPOOL_NATS_PASSWORD",
    envHoldsSecret: true,
    type: "string",
    describe: "File holding the NATS user's password (the variable holds the password itself)",
  },
  {
    key: "natsTokenFile",
    flag: "nats-token-file",
    env: "SPOOL_NATS_TOKEN",
    envHoldsSecret: true,
    type: "string",
    describe: "File holding a NATS token (the variable holds the token itself)",
  },
  {
    key: "natsCreds",
    flag: "nats-creds",
    env: "SPOOL_NATS_CREDS",
    type: "string",
    describe: "NATS credentials file (JWT and NKey, .creds)",
  },
  {
    key: "natsTlsCa",
    flag: "nats-tls-ca",
    env: "SPOOL_NATS_TLS_CA",
    type: "string",
    describe: "PEM CA certificate for the NATS servers' TLS",
  },
  {
    key: "access",
    flag: "access",
    env: "SPOOL_SERVER_ACCESS",
    type: "choice",
    choices: ["read-only", "write-only", "read-write"],
    describe: "What clients may do (default read-write; tokens may narrow or widen it)",
  },
  {
    key: "tokenFile",
    flag: "token-file",
    env: "SPOOL_SERVER_TOKEN_FILE",
    type: "string",
    describe: "Bearer tokens, one per line: TOKEN [read-only|write-only|read-write]",
  },
  {
    key: "tlsCert",
    flag: "tls-cert",
    env: "SPOOL_SERVER_TLS_CERT",
    type: "string",
    describe: "TLS certificate file (PEM); needs --tls-key",
  },
  {
    key: "tlsKey",
    flag: "tls-key",
    env: "SPOOL_SERVER_TLS_KEY",
    type: "string",
    describe: "TLS private key file (PEM); needs --tls-cert",
  },
  {
    key: "tlsSelfSigned",
    flag: "tls-self-signed",
    env: "SPOOL_SERVER_TLS_SELF_SIGNED",
    type: "boolean",
    describe: "Serve HTTPS with a certificate generated in memory at start",
  },
  {
    key: "allowNonLoopback",
    flag: "allow-non-loopback",
    env: "SPOOL_SERVER_ALLOW_NON_LOOPBACK",
    type: "boolean",
    describe: "Allow binding an address other than 127.0.0.0/8, ::1 or localhost",
  },
  {
    key: "insecureNoAuthOrTls",
    flag: "insecure-no-auth-or-tls",
    env: "SPOOL_SERVER_INSECURE_NO_AUTH_OR_TLS",
    type: "boolean",
    describe: "DANGER: accept writes from the network without a token file and TLS",
  },
  {
    key: "corsOrigins",
    flag: "cors-origins",
    env: "SPOOL_SERVER_CORS_ORIGINS",
    type: "list",
    describe: "Browser origins allowed by CORS (repeat the flag; env: comma-separated)",
  },
  {
    key: "maxBodyBytes",
    flag: "max-body-bytes",
    env: "SPOOL_SERVER_MAX_BODY_BYTES",
    type: "count",
    describe: "Largest request body in bytes (default 16777216)",
  },
  {
    key: "maxTailTimeoutMs",
    flag: "max-tail-timeout-ms",
    env: "SPOOL_SERVER_MAX_TAIL_TIMEOUT_MS",
    type: "count",
    min: 0,
    describe: "Largest tail timeout_ms a client may ask for (default 3600000)",
  },
  {
    key: "maxConcurrentTails",
    flag: "max-concurrent-tails",
    env: "SPOOL_SERVER_MAX_CONCURRENT_TAILS",
    type: "count",
    min: 0,
    describe: "Concurrent tails before 423 Busy (default 1024)",
  },
  {
    key: "maxBatchMessages",
    flag: "max-batch-messages",
    env: "SPOOL_SERVER_MAX_BATCH_MESSAGES",
    type: "count",
    describe: "Messages in one batch append (default 10000)",
  },
  {
    key: "maxOpenPools",
    flag: "max-open-pools",
    env: "SPOOL_SERVER_MAX_OPEN_POOLS",
    type: "count",
    describe: "Pools kept open between requests (default 256)",
  },
  {
    key: "maxPoolSize",
    flag: "max-pool-size",
    env: "SPOOL_SERVER_MAX_POOL_SIZE",
    type: "string",
    describe: "Largest pool a client may create: bytes or 16K..1T (default 1G)",
  },
  {
    key: "maxTotalPoolBytes",
    flag: "max-total-pool-bytes",
    env: "SPOOL_SERVER_MAX_TOTAL_POOL_BYTES",
    type: "count",
    describe:
      "Bytes of all pool files in the directory beyond which creates are refused (default 17179869184, 16 GiB)",
  },
  {
    key: "lockTimeoutMs",
    flag: "lock-timeout-ms",
    env: "SPOOL_SERVER_LOCK_TIMEOUT_MS",
    type: "count",
    min: 0,
    describe:
      "How long an append waits for a pool locked by another process before 423 Busy (default 10000)",
  },
  {
    key: "defaultPoolSize",
    flag: "default-pool-size",
    env: "SPOOL_SERVER_DEFAULT_POOL_SIZE",
    type: "string",
    describe: "Size of pools created without size_bytes: bytes or 64K..1T (default 1M)",
  },
  {
    key: "metrics",
    flag: "metrics",
    env: "SPOOL_SERVER_METRICS",
    type: "choice",
    choices: ["on", "public", "off"],
    describe: "GET /metrics: on (needs a token when tokens are set; default), public, or off",
  },
  {
    key: "exposePaths",
    flag: "expose-paths",
    env: "SPOOL_SERVER_EXPOSE_PATHS",
    type: "boolean",
    describe:
      "Show absolute pool file paths in answers (default: the file's name inside the pool directory, e.g. build.spool)",
  },
  {
    key: "logFormat",
    flag: "log-format",
    env: "SPOOL_SERVER_LOG_FORMAT",
    type: "choice",
    choices: ["json", "text"],
    describe:
      "Log lines on stderr as JSON (default) or text; an explicit json makes the stdout banner one JSON line",
  },
  {
    key: "quiet",
    flag: "quiet",
    env: "SPOOL_SERVER_QUIET",
    type: "boolean",
    describe: "No request log lines and no banner (start, stop, warnings and errors stay)",
  },
  {
    key: "shutdownGraceMs",
    flag: "shutdown-grace-ms",
    env: "SPOOL_SERVER_SHUTDOWN_GRACE_MS",
    type: "count",
    min: 0,
    describe: "On SIGINT/SIGTERM, wait this long for requests before closing (default 5000)",
  },
];

/** Settings of `serve init` (they are not server settings: they only shape the files written). */
export const INIT_SETTINGS: readonly Setting[] = [
  {
    key: "dir",
    flag: "dir",
    env: "SPOOL_SERVER_DIR",
    type: "string",
    describe: "Directory for token.txt, cert.pem and key.pem (default ~/.spool/server)",
  },
  {
    key: "host",
    flag: "host",
    type: "list",
    describe:
      "Extra DNS name or IP the certificate covers (repeat; localhost, 127.0.0.1, ::1 always)",
  },
  {
    key: "force",
    flag: "force",
    type: "boolean",
    describe: "Overwrite existing files",
  },
  {
    key: "days",
    flag: "days",
    type: "count",
    describe: "Certificate validity in days (default 365)",
  },
];

/** A yargs option definition (the subset used here; structurally compatible with yargs). */
export interface FlagOption {
  type: "string" | "number" | "boolean";
  describe: string;
  choices?: string[];
  array?: boolean;
  requiresArg?: boolean;
}

/**
 * The yargs options of a settings table: pass to `yargs.options(...)`. Keys are kebab-case
 * flags; yargs' camel-case expansion yields the setting keys.
 *
 * @example
 * yargs(argv).options(flagOptions(SERVER_SETTINGS)).parse();
 */
export function flagOptions(settings: readonly Setting[]): Record<string, FlagOption> {
  const out: Record<string, FlagOption> = {};
  for (const s of settings) {
    const option: FlagOption = {
      type:
        s.type === "boolean"
          ? "boolean"
          : s.type === "port" || s.type === "count"
            ? "number"
            : "string",
      describe: s.env ? `${s.describe} [env ${s.env}]` : s.describe,
    };
    if (s.choices) option.choices = [...s.choices];
    if (s.type === "list") option.array = true;
    out[s.flag] = option;
  }
  return out;
}
