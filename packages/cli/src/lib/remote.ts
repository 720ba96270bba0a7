/**
 * Remote pools for the CLI: `http(s)://host:port/POOL` references reached through the client SDK
 * (`@spool/client`), with a bearer token and TLS trust settings from the command line.
 *
 * Invariants: nothing here is loaded for local pools (the SDK and undici are imported lazily);
 * envelope, tail and error semantics are the SDK's, which are core's (one definition); a token is
 * read from `--token-file` (by the server's own token-file parser, `@spool/server/tokens`) or
 * `SPOOL_TOKEN` or `--token`, checked, and never printed; a custom CA or
 * skipping verification goes through undici's own `Agent` + `fetch` pair (Node's built-in fetch
 * takes no CA), and both are refused for plain http:// URLs.
 */
import { readFileSync } from "node:fs";
import type { RemotePool } from "@spool/client";
import {
  type Appended,
  type AppendInput,
  type BatchAppendOptions,
  isSpoolError,
  type Message,
  type PoolInfo,
  type ProducerInfo,
  type ProducerOptions,
  SpoolError,
  type TailOptions,
} from "@spool/core";
import { checkBearerToken, parseTokenFile } from "@spool/server/tokens";
import type { ConsumerAccess } from "./consumer-handles.js";
import { messageLine } from "./envelope.js";
import { usage } from "./errors.js";
import { remoteConsumers } from "./remote-consumers.js";
import type { PoolTarget } from "./target.js";

/** How to reach and authenticate to a server: the CLI's remote flags. */
export interface RemoteAccess {
  token?: string | undefined;
  tokenFile?: string | undefined;
  tlsCa?: string | undefined;
  tlsSkipVerify?: boolean | undefined;
}

/** A remote reference as core's `resolvePoolRef` spells it. */
export interface RemoteRef {
  name: string;
  baseUrl: string;
  url: string;
}

export function readToken(access: RemoteAccess): string | undefined {
  if (access.token !== undefined && access.tokenFile !== undefined) {
    throw usage(
      "give --token or --token-file, not both",
      "prefer --token-file (a token on the command line is visible to other users in ps)",
    );
  }
  if (access.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(access.tokenFile, "utf8");
    } catch (error) {
      throw new SpoolError("Usage", `cannot read the token file ${access.tokenFile}`, {
        path: access.tokenFile,
        hint: "pass a readable token file, e.g. the token.txt that spool serve init wrote (the CLI sends its first token)",
        cause: error,
      });
    }
    // The server's own parser: the same rules (and refusals) as `spool serve --token-file`.
    return (parseTokenFile(text, access.tokenFile)[0] as { token: string }).token;
  }
  if (access.token !== undefined) return checkBearerToken(access.token, "--token");
  const fromEnv = process.env.SPOOL_TOKEN;
  return fromEnv === undefined || fromEnv === ""
    ? undefined
    : checkBearerToken(fromEnv, "SPOOL_TOKEN");
}

/** The fetch to use: the global one, or undici's with a dispatcher that trusts `--tls-ca`. */
export async function fetchFor(
  ref: RemoteRef,
  access: RemoteAccess,
): Promise<typeof fetch | undefined> {
  if (access.tlsCa === undefined && !access.tlsSkipVerify) return undefined;
  if (!ref.baseUrl.startsWith("https:")) {
    throw usage(
      `--tls-ca and --tls-skip-verify need an https:// pool reference, not ${ref.url}`,
      "use https://host:port/POOL for a TLS server, or leave the TLS flags out",
    );
  }
  let ca: string | undefined;
  if (access.tlsCa !== undefined) {
    try {
      ca = readFileSync(access.tlsCa, "utf8");
    } catch (error) {
      throw new SpoolError("Usage", `cannot read the CA certificate ${access.tlsCa}`, {
        path: access.tlsCa,
        hint: "pass the server's certificate (PEM), e.g. the cert.pem that spool serve init wrote",
        cause: error,
      });
    }
  }
  const undici = await import("undici");
  const dispatcher = new undici.Agent({
    connect: { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: !access.tlsSkipVerify },
  });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undici.fetch(input as never, { ...(init as object), dispatcher } as never)) as never;
}

/** What a CLI user does about each TLS failure the SDK classifies (its TlsError `failure`). */
const TLS_HINTS: Readonly<Record<string, string>> = {
  "self-signed":
    "the server's certificate is not trusted: pass --tls-ca FILE with its certificate (the cert.pem spool serve init wrote; compare the fingerprint it printed)",
  "unknown-ca":
    "the server's certificate comes from a CA this machine does not trust: pass --tls-ca FILE with that CA's certificate",
  "hostname-mismatch":
    "the server's certificate does not name this host: use a host name it names in the URL (spool serve init --host NAME adds one); --tls-ca cannot fix this",
  expired:
    "the server's certificate has expired or is not valid yet: renew it (spool serve init --force) and check both machines' clocks",
};

/**
 * Makes a remote failure actionable for a CLI user: a server that cannot be reached names the
 * URL and what to check (a refused certificate: the fix for that failure, in CLI flags); a 401
 * names the token flags.
 */
export function explainRemoteError(error: unknown, ref: { baseUrl: string }): unknown {
  if (!isSpoolError(error)) return error;
  const { network, status } = error as { network?: boolean; status?: number };
  if (status === 401) {
    return new SpoolError(error.kind, error.message, {
      hint: "pass the server's token with --token-file FILE (or SPOOL_TOKEN, or --token)",
      cause: error,
    });
  }
  if (!network) return error;
  const tls = error as { tls?: boolean; failure?: string; code?: string };
  if (tls.tls === true) {
    return new SpoolError("Io", `cannot reach ${ref.baseUrl}: ${error.message}`, {
      hint:
        TLS_HINTS[tls.failure ?? ""] ??
        "the TLS connection was refused: check the server's certificate; --tls-ca FILE trusts a certificate, --tls-skip-verify skips the check (throwaway tests only)",
      cause: error,
    });
  }
  const code = (error as { cause?: { cause?: { code?: string } } }).cause?.cause?.code;
  const untrusted = code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code);
  return new SpoolError("Io", `cannot reach ${ref.baseUrl}${code ? `: ${code}` : ""}`, {
    hint: untrusted
      ? "the server's certificate is not trusted: pass --tls-ca FILE with its certificate (compare the fingerprint spool serve init printed)"
      : "check that spool serve is running at that address and port, and the URL's scheme",
    cause: error,
  });
}

/** One remote pool behind the CLI's PoolTarget interface. */
class RemoteTarget implements PoolTarget {
  readonly #pool: RemotePool;
  readonly #ref: RemoteRef;
  constructor(pool: RemotePool, ref: RemoteRef) {
    this.#pool = pool;
    this.#ref = ref;
  }
  get name(): string {
    return this.#ref.name;
  }
  get location(): string {
    return this.#ref.url;
  }
  async #call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      throw explainRemoteError(error, this.#ref);
    }
  }
  append(
    inputs: readonly AppendInput[],
    options: BatchAppendOptions & { producer: ProducerOptions },
  ): Promise<Appended[]>;
  append(inputs: readonly AppendInput[], options?: BatchAppendOptions): Promise<Message[]>;
  append(inputs: readonly AppendInput[], options: BatchAppendOptions = {}) {
    return this.#call(() => this.#pool.appendBatch(inputs, options) as Promise<Appended[]>);
  }
  producerState(id: string): Promise<ProducerInfo | null> {
    return this.#call(() => this.#pool.producerState(id));
  }
  get(seq: number): Promise<Message> {
    return this.#call(() => this.#pool.get(seq));
  }
  info(): Promise<PoolInfo> {
    return this.#call(() => this.#pool.info());
  }
  async *tail(options: TailOptions): AsyncIterable<Message> {
    const { follow, ...rest } = options;
    const remote = follow === false ? { ...rest, follow } : rest;
    try {
      yield* this.#pool.tail(remote);
    } catch (error) {
      throw explainRemoteError(error, this.#ref);
    }
  }
  /** The tail's lines as chunks (the SDK keeps each envelope line exactly as the server sent it). */
  async *tailJsonl(options: TailOptions): AsyncIterable<Buffer> {
    for await (const message of this.tail(options)) yield messageLine(message);
  }
  consumers(): ConsumerAccess {
    return remoteConsumers(this.#pool, (error) => explainRemoteError(error, this.#ref));
  }
  close(): void {
    this.#pool.close();
  }
}

/**
 * Opens a remote pool: checks it exists (or creates it with `create`), with the given access.
 *
 * @example
 * const target = await openRemote(ref, { tokenFile: "token" }, undefined);
 */
export async function openRemote(
  ref: RemoteRef,
  access: RemoteAccess,
  create: { size: string | number | undefined } | undefined,
): Promise<PoolTarget> {
  const token = readToken(access);
  const customFetch = await fetchFor(ref, access);
  const { createClient } = await import("@spool/client");
  const client = createClient({
    baseUrl: ref.baseUrl,
    ...(token === undefined ? {} : { token }),
    ...(customFetch === undefined ? {} : { fetch: customFetch }),
  });
  try {
    return new RemoteTarget(await client.openPool(ref.name), ref);
  } catch (error) {
    if (!create || !isSpoolError(error, "NotFound")) throw explainRemoteError(error, ref);
  }
  try {
    await client.createPool(ref.name, create.size === undefined ? {} : { size: create.size });
  } catch (error) {
    if (!isSpoolError(error, "AlreadyExists")) throw explainRemoteError(error, ref);
  }
  return new RemoteTarget(client.pool(ref.name), ref);
}
