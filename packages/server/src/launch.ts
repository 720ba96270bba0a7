/**
 * The one launcher behind both the `spool-server` bin and `spool serve`: run the server (with
 * signal handling, start-up log line and banner), `init` (write token, certificate and key) and
 * `check` (validate without binding), each from parsed flags and the environment.
 *
 * Invariants: failures are thrown as SpoolErrors for the caller to report (exit code by kind);
 * the first SIGINT/SIGTERM shuts down gracefully and resolves 0; a second one exits the process
 * at once with 128+signal (130 or 143); signal handlers are removed once the server stopped;
 * tokens never reach stdout or the log.
 */
import { bannerJson, bannerText } from "./banner.js";
import { checkServerConfig, checkSummaryText } from "./check.js";
import { resolveServerConfig } from "./config.js";
import { initServerFiles } from "./init.js";
import { createLogger } from "./log.js";
import { startServer } from "./start.js";
import { shellQuote, tokenShellLine } from "./tokens.js";

/** Where a command prints: stdout text and stderr lines. */
export interface LaunchIo {
  /** Writes text to stdout (banner, summaries). */
  out(text: string): void;
  /** Writes one line to stderr (logs). */
  err(line: string): void;
}

export const processIo: LaunchIo = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (line) => {
    process.stderr.write(`${line}\n`);
  },
};

/**
 * Runs a server from flags and `env` until SIGINT or SIGTERM; resolves the exit status (0).
 *
 * @example
 * process.exitCode = await runServe({ port: 0 }, process.env);
 */
export async function runServe(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  io: LaunchIo = processIo,
): Promise<number> {
  const config = resolveServerConfig({ flags, env });
  const log = createLogger({ format: config.logFormat, quiet: config.quiet, write: io.err });
  const server = await startServer(config, { log });
  for (const warning of [...config.warnings, ...server.assets.warnings]) log.warn(warning);
  log.info("listening", {
    url: server.url,
    dir: config.dir,
    engine: config.engine?.url ?? null,
    access: config.access,
    tokens: server.assets.tokens.length,
    tls: server.assets.tls !== undefined,
    fingerprint: server.fingerprint,
    pid: process.pid,
  });
  if (!config.quiet) {
    // the human banner, unless JSON was asked for explicitly: then one JSON line for scripts
    const machine = config.logFormat === "json" && config.sources.logFormat !== "default";
    io.out(machine ? bannerJson(config, server) : bannerText(config, server));
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.error("second signal: exiting at once", { signal });
        process.exit(signal === "SIGINT" ? 130 : 143);
      }
      stopping = true;
      log.info("shutting down", {
        signal,
        open_tails: server.app.openTails,
        grace_ms: config.shutdownGraceMs,
      });
      server.close().then(
        () => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          log.info("stopped");
          resolve(0);
        },
        (error: unknown) => {
          log.error("shutdown failed", { error: String(error) });
          resolve(1);
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/**
 * `init`: writes token.txt, cert.pem and key.pem and prints where, and the fingerprint.
 *
 * @example
 * await runInit({ dir: "/etc/spool", host: ["spool.internal"] });
 */
export async function runInit(
  flags: Record<string, unknown>,
  io: LaunchIo = processIo,
): Promise<number> {
  const hosts = flags.host === undefined ? [] : ([] as unknown[]).concat(flags.host).map(String);
  const result = await initServerFiles({
    dir: typeof flags.dir === "string" ? flags.dir : undefined,
    hosts,
    force: flags.force === true,
    days: typeof flags.days === "number" ? flags.days : undefined,
  });
  const host =
    hosts[0] === undefined ? "HOST" : hosts[0].includes(":") ? `[${hosts[0]}]` : hosts[0];
  io.out(
    [
      `wrote ${result.tokenFile} (mode 600: one bearer token)`,
      `wrote ${result.keyFile} (mode 600)`,
      `wrote ${result.certFile} (covers ${result.names.join(", ")}; valid to ${result.validTo})`,
      `SHA-256 fingerprint ${result.fingerprint}`,
      "",
      "Serve with TLS and tokens:",
      `  spool serve --token-file ${shellQuote(result.tokenFile)} --tls-cert ${shellQuote(result.certFile)} --tls-key ${shellQuote(result.keyFile)}`,
      "",
      "Clients: copy the token file and cert.pem over a trusted channel (compare the fingerprint above), then",
      `  spool follow https://${host}:9700/POOL --token-file ${shellQuote(result.tokenFile)} --tls-ca ${shellQuote(result.certFile)}`,
      `  ${tokenShellLine(result.tokenFile)}`,
      `  curl -sS --cacert ${shellQuote(result.certFile)} -H "authorization: Bearer $TOKEN" https://${host}:9700/v0/pools`,
      "",
    ].join("\n"),
  );
  return 0;
}

/**
 * `check`: validates the configuration without binding; prints a summary; resolves 0.
 *
 * @example
 * await runCheck({ tokenFile: "/etc/spool/token.txt" }, process.env);
 */
export async function runCheck(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  io: LaunchIo = processIo,
): Promise<number> {
  const report = await checkServerConfig({ flags, env });
  io.out(checkSummaryText(report));
  return 0;
}
