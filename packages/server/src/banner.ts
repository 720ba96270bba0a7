/**
 * The start-up banner: the URL and ready-to-paste commands to feed and follow a pool with the
 * `spool` CLI and with curl (including the token and TLS bits the configuration needs).
 *
 * Invariants: never contains a token (curl commands read it from the token file into a shell
 * variable); every value pasted into a shell command is single-quoted.
 */

import { homedir } from "node:os";
import { join } from "node:path";
import type { ServerConfig } from "./config.js";
import type { ServerHandle } from "./start.js";
import { shellQuote, tokenShellLine } from "./tokens.js";

/** The banner text (several lines, ending in a newline). */
export function bannerText(
  config: ServerConfig,
  server: Pick<ServerHandle, "url" | "assets"> & { consoleUrl?: string | undefined },
): string {
  const { url, assets } = server;
  const tls = assets.tls;
  const lines: string[] = [];
  lines.push(`Spool server listening on ${url}`);
  lines.push(
    `  pools:  ${config.engine ? `on the NATS JetStream engine ${config.engine.url}` : config.dir} (access ${config.access})`,
  );
  lines.push(
    `  auth:   ${assets.tokens.length > 0 ? `${assets.tokens.length} bearer token(s) from ${config.tokenFile}` : "none (no token file)"}`,
  );
  if (server.consoleUrl) lines.push(`  web:    ${server.consoleUrl} (the web console)`);
  if (tls) {
    lines.push(`  tls:    ${tls.certPath ?? "self-signed certificate generated in memory"}`);
    lines.push(`          SHA-256 fingerprint ${tls.fingerprint}`);
  }
  lines.push("");
  const defaultDir = join(homedir(), ".spool", "pools");
  const dirFlag = config.dir === defaultDir ? "" : ` --dir ${shellQuote(config.dir)}`;
  if (config.engine) {
    const on = ` --engine ${shellQuote(config.engine.url)}`;
    lines.push("Feed and follow a pool on the engine directly (with its NATS credentials):");
    lines.push(`  spool feed demo '{"hello":"world"}' --create${on}`);
    lines.push(`  spool follow demo --tail 10${on}`);
  } else {
    lines.push("Feed and follow a pool on this machine (local pool names):");
    lines.push(`  spool feed${dirFlag} demo '{"hello":"world"}' --create`);
    lines.push(`  spool follow${dirFlag} demo --tail 10`);
  }
  lines.push("");
  const remoteFlags: string[] = [];
  if (tls?.certPath !== undefined && tls.selfSigned)
    remoteFlags.push(`--tls-ca ${shellQuote(tls.certPath)}`);
  else if (tls && tls.certPath === undefined) remoteFlags.push("--tls-skip-verify");
  if (assets.tokens.length > 0 && config.tokenFile !== undefined)
    remoteFlags.push(`--token-file ${shellQuote(config.tokenFile)}`);
  const remote = remoteFlags.length > 0 ? ` ${remoteFlags.join(" ")}` : "";
  lines.push("Or through the server, with the pool's URL (from any machine that reaches it):");
  lines.push(`  spool feed ${url}/demo '{"hello":"http"}' --create${remote}`);
  lines.push(`  spool follow ${url}/demo --tail 10${remote}`);
  lines.push("");
  lines.push("Or over HTTP with curl:");
  const curl: string[] = ["curl -sS"];
  if (tls) {
    if (tls.certPath !== undefined && tls.selfSigned)
      curl.push(`--cacert ${shellQuote(tls.certPath)}`);
    else if (tls.certPath === undefined)
      curl.push(`-k --pinnedpubkey 'sha256//${tls.publicKeyPin}'`);
  }
  if (assets.tokens.length > 0 && config.tokenFile !== undefined) {
    lines.push(`  ${tokenShellLine(config.tokenFile)}`);
    curl.push(`-H "authorization: Bearer $TOKEN"`);
  }
  const c = curl.join(" ");
  const json = "-H 'content-type: application/json'";
  lines.push(`  ${c} -X POST ${url}/v0/pools ${json} -d '{"pool":"demo"}'`);
  lines.push(`  ${c} -X POST ${url}/v0/pools/demo/append ${json} -d '{"data":{"hello":"world"}}'`);
  lines.push(`  ${c} -N '${url}/v0/pools/demo/tail?since_seq=1'`);
  lines.push("");
  lines.push(
    "Stop with Ctrl-C (SIGINT) or SIGTERM: open tails get a final error line, then the server exits.",
  );
  return `${lines.join("\n")}\n`;
}

/** The banner for scripts: one JSON line with the URL and what clients need to connect. */
export function bannerJson(
  config: ServerConfig,
  server: Pick<ServerHandle, "url" | "assets">,
): string {
  const tls = server.assets.tls;
  return `${JSON.stringify({
    listening: {
      url: server.url,
      dir: config.dir,
      engine: config.engine?.url ?? null,
      access: config.access,
      tokens: server.assets.tokens.length,
      token_file: config.tokenFile ?? null,
      tls: tls
        ? {
            cert: tls.certPath ?? null,
            fingerprint: tls.fingerprint,
            public_key_pin: tls.publicKeyPin,
          }
        : null,
    },
  })}\n`;
}
