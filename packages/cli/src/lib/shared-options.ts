/**
 * Options several commands declare alike, as option-table entries defined once so their names,
 * aliases, types and help text cannot drift apart: the global options (`--dir`, `--color`),
 * creating a pool (feed, tap, duplex), reaching a remote pool (feed, fetch, follow, duplex),
 * choosing a NATS JetStream engine and its credentials (every command that takes such pools),
 * `--tail`/`--last`, `--timeout`, `--tag`, `--in`, and the operand `POOL`. The output flags
 * (`--format`, `--jsonl`, `--json`) live in output-format.ts.
 *
 * Invariants: a command spreads these entries into its own table (overriding at most the help
 * text, never the name, type or aliases); `--create-size` without `--create` is a Usage error.
 */

import { SpoolError } from "@spool/core";
import type { EngineAccess } from "./engine-ref.js";
import type { OptionSpec, OptionTable } from "./option-table.js";
import { INPUT_FORMATS } from "./records.js";
import type { RemoteAccess } from "./remote.js";

/** The options every command takes, before or after the command words. */
export const GLOBAL_OPTIONS = {
  dir: { type: "string", describe: "Pool directory (else $SPOOL_DIR, else ~/.spool/pools)" },
  color: {
    type: "string",
    choices: ["auto", "always", "never"],
    default: "auto",
    describe: "Colour output",
  },
} as const satisfies OptionTable;

/** The operand naming one pool. */
export const POOL_OPERAND = {
  type: "string",
  describe: "Pool name, path, or URL (http(s)://HOST:PORT/POOL, nats://HOST:PORT/POOL)",
} as const satisfies OptionSpec;

/** The operand naming a durable cursor of a pool. */
export const CURSOR_OPERAND = {
  type: "string",
  describe: "Cursor name (1–64 of A–Z a–z 0–9 . _ -)",
} as const satisfies OptionSpec;

/** The operand naming a consumer group of a pool. */
export const GROUP_OPERAND = {
  type: "string",
  describe: "Group name (1–64 of A–Z a–z 0–9 . _ -)",
} as const satisfies OptionSpec;

/** `--create` and `--create-size`: create the pool when it does not exist. */
export const CREATE_OPTIONS = {
  create: { type: "boolean", describe: "Create the pool if it does not exist" },
  "create-size": { type: "string", describe: "Size of a pool made by --create (default 1M)" },
} as const satisfies OptionTable;

/**
 * What `--create`/`--create-size` ask for: undefined without `--create`. `--create-size` alone
 * is a Usage error: silently ignoring it would leave the user believing a size was applied.
 */
export function createRequest(
  args: { create?: boolean | undefined; createSize?: string | undefined },
  command: string,
): { size: string | undefined } | undefined {
  if (args.create) return { size: args.createSize };
  if (args.createSize !== undefined) {
    throw new SpoolError("Usage", "--create-size needs --create", {
      hint: `add --create to create the pool when it does not exist (see \`spool ${command} --help\`)`,
    });
  }
  return undefined;
}

/** `--token`, `--token-file`, `--tls-ca`, `--tls-skip-verify`: reaching a remote (http/https) pool. */
export const REMOTE_OPTIONS = {
  token: {
    type: "string",
    describe: "Bearer token for a remote pool (prefer --token-file or SPOOL_TOKEN)",
  },
  "token-file": { type: "string", describe: "File holding the bearer token for a remote pool" },
  "tls-ca": {
    type: "string",
    describe: "PEM certificate to trust for an https:// pool (e.g. a self-signed server's)",
  },
  "tls-skip-verify": {
    type: "boolean",
    describe: "Do not verify the https:// server's certificate (insecure; for tests only)",
  },
} as const satisfies OptionTable;

/** The RemoteAccess of parsed remote options. */
export function remoteAccess(args: {
  token?: string | undefined;
  tokenFile?: string | undefined;
  tlsCa?: string | undefined;
  tlsSkipVerify: boolean;
}): RemoteAccess {
  return {
    token: args.token,
    tokenFile: args.tokenFile,
    tlsCa: args.tlsCa,
    tlsSkipVerify: args.tlsSkipVerify,
  };
}

/**
 * `--engine` and the NATS credentials: pools on a NATS JetStream engine (spec/cli/v0 §1.2). Each
 * has an environment variable, read where the pool is opened (flags win over the environment).
 */
export const ENGINE_OPTIONS = {
  engine: {
    type: "string",
    describe:
      "Bare pool names are pools on this NATS JetStream engine: nats://HOST:PORT[,HOST:PORT…] (else $SPOOL_ENGINE)",
  },
  "nats-user": { type: "string", describe: "NATS user (else $SPOOL_NATS_USER)" },
  "nats-password-file": {
    type: "string",
    describe: "File holding the NATS user's password (else $SPOOL_NATS_PASSWORD)",
  },
  "nats-token-file": {
    type: "string",
    describe: "File holding a NATS token (else $SPOOL_NATS_TOKEN)",
  },
  "nats-creds": {
    type: "string",
    describe: "NATS credentials file, JWT and NKey (.creds) (else $SPOOL_NATS_CREDS)",
  },
  "nats-tls-ca": {
    type: "string",
    describe: "PEM CA certificate for the NATS servers' TLS (else $SPOOL_NATS_TLS_CA)",
  },
} as const satisfies OptionTable;

/** The EngineAccess of parsed engine options. */
export function engineAccess(args: EngineAccess): EngineAccess {
  return {
    engine: args.engine,
    natsUser: args.natsUser,
    natsPasswordFile: args.natsPasswordFile,
    natsTokenFile: args.natsTokenFile,
    natsCreds: args.natsCreds,
    natsTlsCa: args.natsTlsCa,
  };
}

/** `--tail N` (`-n`, `--last`): replay the newest N messages first. */
export const TAIL_OPTION = {
  type: "number",
  alias: ["n", "last"],
  int: true,
  min: 0,
  describe: "Replay the newest N messages first",
} as const satisfies OptionSpec;

/** `--timeout DURATION`: the idle timeout of a follow (exit 124). */
export const TIMEOUT_OPTION = {
  type: "string",
  describe: "Exit 124 when nothing arrived for this long (5s, 1m)",
} as const satisfies OptionSpec;

/** `--tag T` (`-t`), repeatable. */
export const TAG_OPTION = {
  type: "string",
  alias: ["t"],
  repeatable: true,
  describe: "Tag every message (repeatable)",
} as const satisfies OptionSpec;

/** `--in auto|json|jsonl|seq`: how a file or stdin is split into records. */
export const IN_OPTION = {
  type: "string",
  choices: INPUT_FORMATS,
  default: "auto",
  describe: "Input format: auto, json (values), jsonl (lines), seq (RFC 7464)",
} as const satisfies OptionSpec;
