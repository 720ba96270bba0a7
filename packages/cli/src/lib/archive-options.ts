/**
 * The `--archive URL` flag (else $SPOOL_ARCHIVE) of the commands that read across the archive
 * tier (fetch, follow, pool info, doctor), and its refusal for pools it cannot apply to.
 *
 * Invariants: node- and pg-free (the archive code is loaded only when an archive is given);
 * the flag wins over the environment; an empty value is no archive; the URL must be
 * postgres:// or postgresql:// (Usage otherwise, naming where it came from).
 */
import type { SpoolError } from "@spool/core";
import { usage } from "./errors.js";

export const ARCHIVE_ENV = "SPOOL_ARCHIVE";

export const ARCHIVE_OPTIONS = {
  archive: {
    type: "string",
    describe:
      "Read below the ring from this PostgreSQL archive: postgres://USER@HOST:PORT/DB[?sslmode=…] (else $SPOOL_ARCHIVE)",
  },
} as const;

/**
 * The archive URL of the flag, else of the environment; undefined when neither is given. The
 * environment's applies only to local pools (`ref` without a scheme), the flag's to any (and is
 * refused for remote and engine pools by openTarget).
 */
export function archiveUrl(
  args: { archive?: string | undefined; pool?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const [value, where] =
    args.archive !== undefined ? [args.archive, "--archive"] : [env[ARCHIVE_ENV], ARCHIVE_ENV];
  if (value === undefined || value === "") return undefined;
  if (where === ARCHIVE_ENV && args.pool?.includes("://")) return undefined;
  if (!/^postgres(ql)?:\/\//i.test(value)) {
    throw usage(
      `${where} must be a postgres:// URL`,
      "e.g. --archive postgres://spool@127.0.0.1:5432/spool (TLS: add ?sslmode=verify-full&sslrootcert=/path/ca.pem)",
    );
  }
  return value;
}

/** The Usage error for --archive with a pool it does not apply to (remote or engine pools). */
export function archiveLocalOnly(ref: string): SpoolError {
  return usage(
    `--archive applies to local pools, not ${ref}`,
    "a server reads across its archive itself: start it with `spool serve --archive URL`, then read the pool over HTTP without --archive",
  );
}
