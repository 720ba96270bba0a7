/**
 * Loading what a configuration points at: the token file, the TLS certificate and key (or a
 * generated self-signed pair), and the pool directory. `startServer` and `serve check` share it,
 * so a configuration that checks clean is one that starts.
 *
 * Invariants: nothing here binds a socket; the pool directory is only created when `create` is
 * set (start), never by `check` (and not at all when an engine holds the pools); a non-loopback server whose tokens grant writes needs TLS even
 * when the server's own access mode is read-only (unless the insecure override is set).
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fromSystemError, SpoolError } from "@spool/core";
import type { ServerConfig } from "./config.js";
import { certificateNames, generateSelfSigned, loadTlsFiles, type TlsMaterial } from "./tls.js";
import { loadTokenFile, type TokenEntry } from "./tokens.js";

export interface ServerAssets {
  tokens: TokenEntry[];
  tls: TlsMaterial | undefined;
  /** What happens to the pool directory: it exists, or will be created at start ("engine": none). */
  dirState: "exists" | "created" | "will-be-created" | "engine";
  warnings: string[];
}

/** Loads and checks the token file, TLS material and pool directory of `config`. */
export async function loadServerAssets(
  config: ServerConfig,
  options: { create: boolean },
): Promise<ServerAssets> {
  const warnings: string[] = [];
  let tokens: TokenEntry[] = [];
  if (config.tokenFile !== undefined) {
    const loaded = loadTokenFile(config.tokenFile);
    tokens = loaded.tokens;
    warnings.push(...loaded.warnings);
  }
  let tls: TlsMaterial | undefined;
  if (config.tls?.mode === "files") tls = loadTlsFiles(config.tls.cert, config.tls.key);
  else if (config.tls?.mode === "self-signed") {
    const wildcard = ["0.0.0.0", "::", "[::]"].includes(config.host);
    tls = await generateSelfSigned(
      certificateNames(config.loopback || wildcard ? [] : [config.host]),
    );
  }
  const tokenWrites = tokens.some((t) => (t.access ?? config.access) !== "read-only");
  if (!config.loopback && tokenWrites && tls === undefined && !config.insecureNoAuthOrTls) {
    throw new SpoolError(
      "Usage",
      `refusing to accept writes on non-loopback ${config.host} without TLS: the token file grants write access`,
      {
        hint: "add TLS (--tls-cert/--tls-key from `spool serve init`, or --tls-self-signed) so tokens never cross the network in clear text",
      },
    );
  }
  const dirState = config.engine
    ? "engine"
    : checkPoolDir(config.dir, config.access, options.create);
  return { tokens, tls, dirState, warnings };
}

function checkPoolDir(
  dir: string,
  access: ServerConfig["access"],
  create: boolean,
): ServerAssets["dirState"] {
  const hint = "pass a directory this user may read and write with --dir / SPOOL_DIR";
  let exists = false;
  try {
    const stat = statSync(dir);
    if (!stat.isDirectory()) {
      throw new SpoolError("Usage", `pool directory ${dir} is not a directory`, {
        path: dir,
        hint,
      });
    }
    exists = true;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw wrapDir(error, dir, hint);
  }
  if (exists) {
    try {
      accessSync(
        dir,
        access === "read-only"
          ? constants.R_OK | constants.X_OK
          : constants.R_OK | constants.W_OK | constants.X_OK,
      );
    } catch (error) {
      throw wrapDir(error, dir, hint);
    }
    return "exists";
  }
  if (create) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw wrapDir(error, dir, hint);
    }
    return "created";
  }
  // check: the directory will be created at start; its nearest existing parent must be writable
  let parent = dirname(dir);
  for (;;) {
    try {
      statSync(parent);
      break;
    } catch {
      const up = dirname(parent);
      if (up === parent) break;
      parent = up;
    }
  }
  try {
    accessSync(parent, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw wrapDir(
      error,
      parent,
      `the pool directory ${dir} does not exist and cannot be created: ${hint}`,
    );
  }
  return "will-be-created";
}

function wrapDir(error: unknown, path: string, hint: string): SpoolError {
  if (error instanceof SpoolError) return error;
  const e = fromSystemError(error, path, "use the pool directory");
  return new SpoolError(e.kind, `pool directory: ${e.message}`, { path, hint, cause: error });
}
