/**
 * Reaching a NATS JetStream engine, for `spool serve --engine` and the CLI's `nats://` pools:
 * the engine URL (`nats://HOST:PORT[,HOST:PORT…]`), the pool references on it
 * (`nats://HOST:PORT/POOL`), and the credentials (user and password, token, creds file, CA) read
 * from where the user put them, then the connection through `@spool/jetstream`.
 *
 * Invariants: one definition of these rules for both surfaces (the CLI imports this module);
 * `@spool/jetstream` (and the NATS client) is imported only when a connection is made, so
 * parsing costs nothing; secrets come from files or the environment, never from a URL (a URL
 * with a user or password in it is Usage), and no error message or hint shows one; every
 * refusal is a SpoolError naming the flag, variable or key it came from, with a hint.
 */
import { readFileSync } from "node:fs";
import { fromSystemError, isSpoolError, type PoolEngine, SpoolError } from "@spool/core";
import type { JetStreamConnectOptions } from "@spool/jetstream";

/** Where each credential came from, as a user spells it (`--nats-user`, `SPOOL_NATS_USER`, …). */
export type NatsNames = Partial<Record<keyof NatsAccess | "engine", string>>;

/** The credentials for NATS, as given: a secret either inline (from the environment) or a file. */
export interface NatsAccess {
  user?: string | undefined;
  /** A file holding the password (`--nats-password-file`, `natsPasswordFile`). */
  passwordFile?: string | undefined;
  /** The password itself (`SPOOL_NATS_PASSWORD`). */
  password?: string | undefined;
  /** A file holding the token (`--nats-token-file`, `natsTokenFile`). */
  tokenFile?: string | undefined;
  /** The token itself (`SPOOL_NATS_TOKEN`). */
  token?: string | undefined;
  /** A NATS `.creds` file (JWT and NKey seed). */
  creds?: string | undefined;
  /** A PEM file with the CA that signed the NATS servers' certificates. */
  tlsCa?: string | undefined;
}

/** The options `connectJetStream` takes (a type-only import: this module loads without NATS). */
export type NatsConnectOptions = JetStreamConnectOptions;

/** A JetStream engine as the surfaces use it. */
export type NatsEngine = PoolEngine & { readonly location: string };

/** The CLI's spelling of each setting, the default names in messages. */
export const NATS_FLAGS: Required<NatsNames> = {
  engine: "--engine",
  user: "--nats-user",
  passwordFile: "--nats-password-file",
  password: "SPOOL_NATS_PASSWORD",
  tokenFile: "--nats-token-file",
  token: "SPOOL_NATS_TOKEN",
  creds: "--nats-creds",
  tlsCa: "--nats-tls-ca",
};

/** The environment variables of the engine and its credentials (the same on every surface). */
export const NATS_ENV = {
  engine: "SPOOL_ENGINE",
  user: "SPOOL_NATS_USER",
  password: "SPOOL_NATS_PASSWORD",
  token: "SPOOL_NATS_TOKEN",
  creds: "SPOOL_NATS_CREDS",
  tlsCa: "SPOOL_NATS_TLS_CA",
} as const;

const URL_HINT =
  "give the NATS servers as nats://HOST:PORT, or several as nats://HOST:PORT,HOST:PORT (credentials go in --nats-user/--nats-password-file, --nats-token-file or --nats-creds)";

/** Whether `ref` is a pool (or engine) reference on NATS: it starts with `nats://`. */
export function isNatsRef(ref: string): boolean {
  return /^nats:\/\//i.test(ref);
}

function usage(message: string, hint: string): SpoolError {
  return new SpoolError("Usage", message, { hint });
}

/** One `HOST:PORT` (or `[IPv6]:PORT`, or `HOST` for port 4222), checked. */
function checkServer(server: string, where: string): string {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(server);
  const port = match?.[2] === undefined ? 4222 : Number(match[2]);
  if (!match || port < 1 || port > 65535) {
    throw usage(`${where}: ${JSON.stringify(server)} is not HOST:PORT`, URL_HINT);
  }
  return `${match[1]}:${port}`;
}

/**
 * The engine location `nats://HOST:PORT[,HOST:PORT…]`, normalised (every server with its port;
 * `nats://` repeated before later servers is accepted). Usage for anything else.
 *
 * @example
 * parseEngineUrl("nats://127.0.0.1:4222,127.0.0.1:4223", "--engine") // "nats://127.0.0.1:4222,127.0.0.1:4223"
 */
export function parseEngineUrl(text: string, where: string): string {
  if (!isNatsRef(text)) {
    throw usage(
      `${where} must be a nats:// URL (got ${JSON.stringify(text.slice(0, 80))})`,
      URL_HINT,
    );
  }
  const rest = text.slice("nats://".length).replace(/\/$/, "");
  if (rest.includes("@")) {
    throw usage(
      `${where}: a NATS URL must not carry credentials`,
      "pass them with --nats-user and --nats-password-file, --nats-token-file or --nats-creds (or SPOOL_NATS_*), never in the URL",
    );
  }
  if (rest.includes("/") || rest.includes("?") || rest.includes("#")) {
    throw usage(
      `${where}: a NATS engine URL has no path (got ${JSON.stringify(text.slice(0, 80))})`,
      `${URL_HINT}; a pool on it is nats://HOST:PORT/POOL`,
    );
  }
  const servers = rest.split(",").map((s) => s.trim().replace(/^nats:\/\//i, ""));
  if (servers.some((s) => s === "")) throw usage(`${where}: a server is missing`, URL_HINT);
  return `nats://${servers.map((s) => checkServer(s, where)).join(",")}`;
}

/**
 * A pool reference `nats://HOST:PORT[,HOST:PORT…]/POOL`: its engine location and pool name
 * (the name is checked by the engine, as every engine checks names).
 *
 * @example
 * splitNatsRef("nats://127.0.0.1:4222/build") // { engine: "nats://127.0.0.1:4222", name: "build" }
 */
export function splitNatsRef(ref: string): { engine: string; name: string } {
  // `nats://` may be repeated before later servers: the pool is after the servers
  const servers = `nats://${ref.slice("nats://".length).replace(/,\s*nats:\/\//gi, ",")}`;
  const slash = servers.indexOf("/", "nats://".length);
  const name = slash < 0 ? "" : servers.slice(slash + 1);
  if (name === "" || name.includes("/")) {
    throw usage(
      `${JSON.stringify(ref.slice(0, 80))} names no pool: a NATS pool reference is nats://HOST:PORT/POOL`,
      "add the pool's name after the servers, e.g. nats://127.0.0.1:4222/build",
    );
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(name);
  } catch (error) {
    throw new SpoolError("Usage", `invalid pool name in ${JSON.stringify(ref.slice(0, 80))}`, {
      hint: "a NATS pool reference is nats://HOST:PORT/POOL",
      cause: error,
    });
  }
  return { engine: parseEngineUrl(servers.slice(0, slash), "the pool reference"), name: decoded };
}

function readSecret(path: string, where: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const e = fromSystemError(error, path, "read");
    throw new SpoolError(e.kind, `cannot read the NATS ${what} file ${path} (${where})`, {
      path,
      hint: `pass a readable file holding the ${what} on its first line`,
      cause: error,
    });
  }
  const secret = (text.split(/\r?\n/)[0] ?? "").trim();
  if (secret === "") {
    throw new SpoolError("Usage", `the NATS ${what} file ${path} (${where}) is empty`, {
      path,
      hint: `write the ${what} on the file's first line`,
    });
  }
  return secret;
}

function checkReadable(path: string, where: string, what: string): void {
  try {
    readFileSync(path);
  } catch (error) {
    const e = fromSystemError(error, path, "read");
    throw new SpoolError(e.kind, `cannot read the NATS ${what} ${path} (${where})`, {
      path,
      hint: `pass a readable ${what}`,
      cause: error,
    });
  }
}

/**
 * The connect options for `access`: secrets read from their files, combinations checked (one
 * way to authenticate; a password needs a user and the other way round).
 */
export function natsConnectOptions(
  access: NatsAccess,
  names: NatsNames = NATS_FLAGS,
): NatsConnectOptions {
  const name = (key: keyof NatsAccess): string => names[key] ?? NATS_FLAGS[key];
  const given = (key: keyof NatsAccess): boolean => access[key] !== undefined && access[key] !== "";
  const both = (a: keyof NatsAccess, b: keyof NatsAccess): void => {
    if (given(a) && given(b)) {
      throw usage(`give ${name(a)} or ${name(b)}, not both`, "each secret comes from one place");
    }
  };
  both("passwordFile", "password");
  both("tokenFile", "token");
  const ways = [
    given("user") || given("password") || given("passwordFile") ? name("user") : undefined,
    given("token") || given("tokenFile")
      ? given("token")
        ? name("token")
        : name("tokenFile")
      : undefined,
    given("creds") ? name("creds") : undefined,
  ].filter((w) => w !== undefined);
  if (ways.length > 1) {
    throw usage(
      `give one way to authenticate to NATS, not ${ways.join(" and ")}`,
      "use a user and password, or a token, or a creds file: the one your NATS account is set up for",
    );
  }
  const out: NatsConnectOptions = {};
  const hasPassword = given("password") || given("passwordFile");
  if (given("user") !== hasPassword) {
    throw usage(
      given("user")
        ? `${name("user")} needs a password (${name("passwordFile")} or SPOOL_NATS_PASSWORD)`
        : `a NATS password (${given("password") ? name("password") : name("passwordFile")}) needs ${name("user")}`,
      "give the NATS user and its password together",
    );
  }
  if (given("user")) {
    out.user = access.user as string;
    out.pass = given("passwordFile")
      ? readSecret(access.passwordFile as string, name("passwordFile"), "password")
      : (access.password as string);
  }
  if (given("tokenFile"))
    out.token = readSecret(access.tokenFile as string, name("tokenFile"), "token");
  else if (given("token")) out.token = (access.token as string).trim();
  if (given("creds")) {
    checkReadable(access.creds as string, name("creds"), "creds file");
    out.credsFile = access.creds as string;
  }
  if (given("tlsCa")) {
    checkReadable(access.tlsCa as string, name("tlsCa"), "CA certificate");
    out.caFile = access.tlsCa as string;
  }
  return out;
}

/** What a connection failure means for the user, in the names they used. */
function connectHint(error: SpoolError, names: NatsNames): string | undefined {
  if (error.kind !== "Permission") return error.hint;
  const n = { ...NATS_FLAGS, ...names };
  return `NATS refused the credentials: pass the account's ${n.user} and ${n.passwordFile}, ${n.tokenFile}, or ${n.creds} (or SPOOL_NATS_USER/SPOOL_NATS_PASSWORD, SPOOL_NATS_TOKEN, SPOOL_NATS_CREDS)`;
}

/**
 * Connects to the JetStream engine at `url` (checked by `parseEngineUrl`) with `access`: to the
 * first of its servers that answers. Io when none answers (naming the URL), Permission when NATS
 * refuses the credentials.
 *
 * @example
 * const engine = await connectEngine("nats://127.0.0.1:4222", { tokenFile: "nats-token" });
 */
export async function connectEngine(
  url: string,
  access: NatsAccess,
  options: { names?: NatsNames; name?: string; timeoutMs?: number } = {},
): Promise<NatsEngine> {
  const location = parseEngineUrl(url, options.names?.engine ?? NATS_FLAGS.engine);
  const connect = natsConnectOptions(access, options.names);
  const { connectJetStream } = await import("@spool/jetstream");
  // The engine connects to one server (the client learns the cluster's others from it): the
  // servers given are tried in order, and the first that answers is the engine's location.
  const servers = location.slice("nats://".length).split(",");
  let failure: unknown;
  for (const server of servers) {
    try {
      return await connectJetStream(`nats://${server}`, {
        ...connect,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
    } catch (error) {
      if (isSpoolError(error, "Permission")) {
        throw new SpoolError(error.kind, error.message, {
          ...(error.path === undefined ? {} : { path: error.path }),
          hint: connectHint(error, options.names ?? {}) ?? "",
          cause: error,
        });
      }
      if (!isSpoolError(error, "Io")) throw error;
      failure = error;
    }
  }
  if (servers.length === 1) throw failure;
  const last = failure as SpoolError;
  throw new SpoolError("Io", `cannot connect to NATS at any of ${location}: ${last.message}`, {
    path: location,
    hint: `check that nats-server -js is running and reachable at one of ${location}`,
    cause: last,
  });
}
