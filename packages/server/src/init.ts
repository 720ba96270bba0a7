/**
 * `initServerFiles`: writes what a secure remote server needs into one directory: a token file
 * (one random 32-byte base64url token), and a self-signed certificate and key whose SANs cover
 * localhost, 127.0.0.1, ::1 and any extra names.
 *
 * Invariants: never overwrites an existing file without `force` (AlreadyExists naming the files,
 * checked before anything is written); the token file and the key are created with mode 0600
 * (and chmod-ed to it when overwritten), the certificate 0644, the directory 0700 when created;
 * the token is never returned in a message.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fromSystemError, SpoolError } from "@spool/core";
import { certificateNames, generateSelfSigned } from "./tls.js";

export const TOKEN_FILE = "token.txt";
export const CERT_FILE = "cert.pem";
export const KEY_FILE = "key.pem";

/** The default directory of `serve init`: SPOOL_SERVER_DIR, else ~/.spool/server. */
export function defaultServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SPOOL_SERVER_DIR || join(homedir(), ".spool", "server"));
}

export interface InitOptions {
  /** Where to write (default: `defaultServerDir()`). */
  dir?: string | undefined;
  /** Extra DNS names or IP addresses for the certificate. */
  hosts?: readonly string[] | undefined;
  /** Overwrite existing files. */
  force?: boolean | undefined;
  /** Certificate validity in days (default 365). */
  days?: number | undefined;
}

export interface InitResult {
  dir: string;
  tokenFile: string;
  certFile: string;
  keyFile: string;
  /** SHA-256 fingerprint of the certificate (`AA:BB:...`). */
  fingerprint: string;
  /** Names the certificate covers. */
  names: string[];
  validTo: string;
}

/**
 * Writes token.txt, cert.pem and key.pem.
 *
 * @example
 * const { fingerprint, tokenFile } = await initServerFiles({ dir: "/etc/spool" });
 */
export async function initServerFiles(options: InitOptions = {}): Promise<InitResult> {
  const dir =
    options.dir === undefined || options.dir === "" ? defaultServerDir() : resolve(options.dir);
  const tokenFile = join(dir, TOKEN_FILE);
  const certFile = join(dir, CERT_FILE);
  const keyFile = join(dir, KEY_FILE);
  const names = certificateNames(options.hosts ?? []);
  const days = options.days ?? 365;
  if (!Number.isInteger(days) || days < 1) {
    throw new SpoolError("Usage", `--days must be a whole number ≥ 1 (got ${days})`, {
      hint: "e.g. --days 365",
    });
  }
  const existing = [tokenFile, certFile, keyFile].filter((f) => existsSync(f));
  if (existing.length > 0 && !options.force) {
    throw new SpoolError("AlreadyExists", `refusing to overwrite ${existing.join(", ")}`, {
      path: existing[0],
      hint: "pass --force to replace them (clients then need the new token and certificate), or pick another --dir",
    });
  }
  const tls = await generateSelfSigned(names, days);
  const token = randomBytes(32).toString("base64url");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeSecret(
      tokenFile,
      `# Spool server bearer tokens: one per line, optionally followed by an access mode\n# (read-only, write-only or read-write; default: the server's --access). '#' starts a comment.\n${token}\n`,
      0o600,
      options.force === true,
    );
    writeSecret(keyFile, tls.key, 0o600, options.force === true);
    writeSecret(certFile, tls.cert, 0o644, options.force === true);
  } catch (error) {
    if (error instanceof SpoolError) throw error;
    const e = fromSystemError(error, dir, "write the server files in");
    throw new SpoolError(e.kind, `cannot write the server files: ${e.message}`, {
      path: e.path ?? dir,
      hint: "pick a directory this user may write with --dir",
      cause: error,
    });
  }
  return {
    dir,
    tokenFile,
    certFile,
    keyFile,
    fingerprint: tls.fingerprint,
    names,
    validTo: tls.validTo,
  };
}

function writeSecret(path: string, text: string, mode: number, force: boolean): void {
  try {
    writeFileSync(path, text, { mode, flag: force ? "w" : "wx" });
  } catch (error) {
    if ((error as { code?: unknown }).code === "EEXIST") {
      throw new SpoolError("AlreadyExists", `refusing to overwrite ${path}`, {
        path,
        hint: "pass --force to replace it, or pick another --dir",
        cause: error,
      });
    }
    throw error;
  }
  chmodSync(path, mode);
}
