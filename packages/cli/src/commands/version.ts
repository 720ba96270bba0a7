/**
 * `spool version`: the versions of spool, @spool/core and Node.
 *
 * Invariants: loads neither yargs, zod nor @spool/core's code (only core's package.json), so it
 * measures the bare start-up cost of the CLI; human text on a terminal, one JSON line
 * `{"spool","core","node","platform"}` otherwise.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { CLI_VERSION } from "../lib/build-info.js";
import type { CommandModule } from "../lib/command.js";

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

function render(tty: boolean): string {
  const v = versionInfo();
  return tty
    ? `spool ${v.spool} (@spool/core ${v.core}, node ${v.node}, ${v.platform})\n`
    : `${JSON.stringify(v)}\n`;
}

/** The start-up fast path used by cli.ts for a bare `spool version`. */
export function printVersionFast(): void {
  process.stdout.write(render(process.stdout.isTTY === true));
}

export const command: CommandModule = {
  builder: (y) => y,
  async run(_raw, ctx) {
    void ctx.io.out.write(render(ctx.io.stdoutTty));
    return 0;
  },
};
