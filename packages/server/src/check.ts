/**
 * `checkServerConfig`: validates a configuration end to end without binding a socket: flags,
 * environment and config file, a readable and well-formed token file, a certificate and key that
 * parse and match, and a usable pool directory, or with `--engine` a NATS JetStream engine that
 * answers with the credentials given. `spool serve check` prints its summary.
 *
 * Invariants: never binds, never creates the pool directory or a pool, never prints a token or
 * a NATS secret; a failure is the same SpoolError that starting the server would raise.
 */
import { loadServerAssets, type ServerAssets } from "./assets.js";
import { type ConfigInput, resolveServerConfig, type ServerConfig } from "./config.js";
import { urlHost } from "./loopback.js";
import { connectConfiguredEngine } from "./start.js";

export interface CheckReport {
  config: ServerConfig;
  assets: ServerAssets;
  /** The URL the server would serve (`PORT` stands for the port when the config asks for 0). */
  url: string;
  /** Configuration and file warnings together. */
  warnings: string[];
  /** With an engine: how many pools it holds (it answered with the credentials given). */
  enginePools?: number;
}

/**
 * Checks a configuration; throws the first problem as a SpoolError.
 *
 * @example
 * const report = await checkServerConfig({ flags: { tokenFile: "token.txt" }, env: process.env });
 * console.log(checkSummaryText(report));
 */
export async function checkServerConfig(input: ConfigInput): Promise<CheckReport> {
  const config = resolveServerConfig(input);
  const assets = await loadServerAssets(config, { create: false });
  const port = config.port === 0 ? "PORT" : String(config.port);
  const url = `${assets.tls ? "https" : "http"}://${urlHost(config.host)}:${port}`;
  const report: CheckReport = {
    config,
    assets,
    url,
    warnings: [...config.warnings, ...assets.warnings],
  };
  if (config.engine) {
    const engine = await connectConfiguredEngine(config.engine);
    try {
      report.enginePools = (await engine.list()).length;
    } finally {
      await engine.close();
    }
  }
  return report;
}

/** The human summary of a check (ends with a newline). */
export function checkSummaryText(report: CheckReport): string {
  const { config, assets } = report;
  const tls = assets.tls;
  const rows: [string, string][] = [
    ["url", report.url],
    [
      "bind",
      `${config.host}:${config.port === 0 ? "0 (a free port, picked at start)" : config.port} (${config.loopback ? "loopback only" : "reachable from the network"})`,
    ],
    [
      "pools",
      config.engine
        ? `NATS JetStream engine ${config.engine.url} (reachable, JetStream enabled, ${report.enginePools ?? 0} pool(s))`
        : `${config.dir} (${assets.dirState === "exists" ? "exists" : "will be created at start"})`,
    ],
    ["access", config.access],
    [
      "tokens",
      config.tokenFile
        ? `${assets.tokens.length} in ${config.tokenFile}`
        : "none (no authentication)",
    ],
    [
      "tls",
      tls
        ? `${tls.certPath ?? "self-signed, generated at start"}; SHA-256 ${tls.fingerprint}; valid to ${tls.validTo}`
        : "off (plain HTTP)",
    ],
    ["cors", config.corsOrigins.length > 0 ? config.corsOrigins.join(", ") : "off"],
    [
      "metrics",
      config.metrics === "on" && assets.tokens.length > 0 ? "on (token needed)" : config.metrics,
    ],
    ["config", config.configFile ?? "none (flags, environment and defaults)"],
  ];
  const lines = rows.map(([k, v]) => `  ${k.padEnd(8)} ${v}`);
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return `configuration OK\n${lines.join("\n")}\n`;
}
