/**
 * The versions `spool version` reports (spool, @spool/core, Node, platform), and the start-up
 * fast path of a bare `spool version`.
 *
 * Invariants: loads neither yargs, zod nor @spool/core's code (only core's package.json), so the
 * fast path measures the bare start-up cost of the CLI; the JSON form is one line
 * `{"spool","core","node","platform"}`, the human form one line.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { CLI_VERSION } from "./build-info.js";

export interface VersionInfo {
  spool: string;
  core: string;
  node: string;
  platform: string;
}

function coreVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const file = require.resolve("@spool/core/package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function versionInfo(): VersionInfo {
  return {
    spool: CLI_VERSION,
    core: coreVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The versions as one line: human text, or the JSON document. */
export function versionText(pretty: boolean): string {
  const v = versionInfo();
  return pretty
    ? `spool ${v.spool} (@spool/core ${v.core}, node ${v.node}, ${v.platform})\n`
    : `${JSON.stringify(v)}\n`;
}

/** The start-up fast path used by cli.ts for a bare `spool version`. */
export function printVersionFast(): void {
  process.stdout.write(versionText(process.stdout.isTTY === true));
}
