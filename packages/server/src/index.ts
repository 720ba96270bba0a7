/**
 * @spool/server: the deployable Spool server around `@spool/http-server`: configuration (flags,
 * environment, JSON file), tokens, TLS, request logs, graceful shutdown, and the launcher that
 * both the `spool-server` bin and the CLI's `spool serve` run.
 *
 * Only this file (and `tokens.ts`, as `@spool/server/tokens`) is imported by other packages;
 * everything else is internal.
 */

export { bannerText } from "./banner.js";
export { type CheckReport, checkServerConfig, checkSummaryText } from "./check.js";
export {
  type ConfigInput,
  DEFAULT_HOST,
  DEFAULT_PORT,
  resolveServerConfig,
  type ServerConfig,
  type Source,
} from "./config.js";
export { defaultServerDir, type InitOptions, type InitResult, initServerFiles } from "./init.js";
export { type LaunchIo, processIo, runCheck, runInit, runServe } from "./launch.js";
export { createLogger, type LogFormat, type Logger } from "./log.js";
export { isLoopbackHost } from "./loopback.js";
export { runServerMain } from "./main.js";
export {
  type FlagOption,
  flagOptions,
  INIT_SETTINGS,
  SERVER_SETTINGS,
  type Setting,
} from "./settings.js";
export { type ServerHandle, type StartOptions, startServer } from "./start.js";
export {
  checkBearerToken,
  parseTokenFile,
  shellQuote,
  type TokenEntry,
  tokenShellLine,
} from "./tokens.js";
