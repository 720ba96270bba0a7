/**
 * `spool mcp [http(s)://HOST:PORT]`: an MCP server on stdin/stdout for AI agents (spec/mcp/v0),
 * over the pool directory (`--dir`, SPOOL_DIR) or, given a server URL, over that Spool server's
 * pools through the SDK (with the remote flags: `--token`, `--token-file`, `--tls-ca`).
 *
 * Invariants: stdout carries MCP protocol messages only (nothing here or in the CLI front end
 * writes to it while the server runs; diagnostics go to stderr as one line each); the command runs
 * until the client closes stdin, then exits 0; `--access read-only` (or write-only) narrows the
 * tools offered like a token's mode does on the server; @spool/mcp and the SDK are loaded only
 * when this command runs.
 */
import { FileEngine, type PoolEngine, SpoolError } from "@spool/core";
import { CLI_VERSION } from "../lib/build-info.js";
import type { CommandModule } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { commandOptions } from "../lib/option-table.js";
import { REMOTE_OPTIONS, remoteAccess } from "../lib/shared-options.js";

const OPTIONS = commandOptions(
  "mcp",
  {
    server: {
      type: "string",
      optional: true,
      describe: "A Spool server, http(s)://HOST:PORT (default: the pool directory)",
    },
  },
  {
    access: {
      type: "string",
      choices: ["read-write", "read-only", "write-only"],
      describe: "What the agent may do (default read-write): read-only offers no write tools",
    },
    "max-wait": {
      type: "number",
      describe: "Longest spool_wait in ms (default 300000)",
    },
    ...REMOTE_OPTIONS,
  },
);

/** The server's base URL of the operand (Usage unless it is a plain http(s) URL). */
function serverUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(
      `spool mcp takes a Spool server URL, not ${JSON.stringify(text)}`,
      "pass http://HOST:PORT of a running spool serve, or leave it out to serve the pool directory (--dir)",
    );
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash) {
    throw usage(
      `spool mcp takes an http(s)://HOST:PORT server URL, not ${text}`,
      "pass the server's base URL, e.g. http://127.0.0.1:9700 (pools are named in the tool calls)",
    );
  }
  return url;
}

async function remoteEngine(
  text: string,
  access: ReturnType<typeof remoteAccess>,
): Promise<PoolEngine> {
  const url = serverUrl(text);
  const baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  const { fetchFor, readToken } = await import("../lib/remote.js");
  const token = readToken(access);
  const customFetch = await fetchFor({ name: "", baseUrl, url: baseUrl }, access);
  const [{ createClient }, { clientEngine }] = await Promise.all([
    import("@spool/client"),
    import("@spool/mcp"),
  ]);
  const client = createClient({
    baseUrl,
    ...(token === undefined ? {} : { token }),
    ...(customFetch === undefined ? {} : { fetch: customFetch }),
  });
  return clientEngine(client);
}

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const remote = remoteAccess({ ...args, tlsSkipVerify: args.tlsSkipVerify === true });
    if (args.server === undefined) {
      const given = Object.entries({
        "--token": args.token,
        "--token-file": args.tokenFile,
        "--tls-ca": args.tlsCa,
        "--tls-skip-verify": args.tlsSkipVerify,
      }).filter(([, v]) => v !== undefined && v !== false);
      if (given.length > 0) {
        throw usage(
          `${given.map(([k]) => k).join(", ")} apply only with a server URL`,
          "pass spool mcp http://HOST:PORT --token-file FILE, or leave the flags out for the pool directory",
        );
      }
    }
    const maxWait = args.maxWait;
    if (maxWait !== undefined && (!Number.isSafeInteger(maxWait) || maxWait < 0)) {
      throw new SpoolError("Usage", `--max-wait must be a whole number of ms, got ${maxWait}`, {
        hint: "e.g. --max-wait 60000 for one minute",
      });
    }
    const engine =
      args.server === undefined
        ? new FileEngine(ctx.dir === undefined ? {} : { dir: ctx.dir })
        : await remoteEngine(args.server, remote);
    const { serveStdio } = await import("@spool/mcp");
    await serveStdio({
      engine,
      access: args.access as "read-write" | "read-only" | "write-only" | undefined,
      maxWaitMs: maxWait,
      version: CLI_VERSION,
      onError: (error) => ctx.io.errLine(`spool mcp: ${error.message}`),
    });
    return 0;
  },
};
