/**
 * Options several commands declare alike (creating a pool: feed, tap, duplex; reaching a remote
 * pool: feed, fetch, follow, duplex), defined once so their names, types and help text cannot
 * drift apart.
 */

import { SpoolError } from "@spool/core";
import type { Argv } from "yargs";
import * as z from "zod/mini";
import type { RemoteAccess } from "./remote.js";

/** `--create` and `--create-size`: create the pool when it does not exist. */
export function withCreateOptions(y: Argv): Argv {
  return y
    .option("create", {
      type: "boolean",
      default: false,
      describe: "Create the pool if it does not exist",
    })
    .option("create-size", {
      type: "string",
      describe: "Size of a pool made by --create (default 1M)",
    });
}

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
export function withRemoteOptions(y: Argv): Argv {
  return y
    .option("token", {
      type: "string",
      describe: "Bearer token for a remote pool (prefer --token-file or SPOOL_TOKEN)",
    })
    .option("token-file", {
      type: "string",
      describe: "File holding the bearer token for a remote pool",
    })
    .option("tls-ca", {
      type: "string",
      describe: "PEM certificate to trust for an https:// pool (e.g. a self-signed server's)",
    })
    .option("tls-skip-verify", {
      type: "boolean",
      default: false,
      describe: "Do not verify the https:// server's certificate (insecure; for tests only)",
    });
}

/** The zod fields of the remote options, to spread into a command's argument schema. */
export const remoteArgs = {
  token: z.optional(z.string()),
  tokenFile: z.optional(z.string()),
  tlsCa: z.optional(z.string()),
  tlsSkipVerify: z.boolean(),
};

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
