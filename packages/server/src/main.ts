/**
 * `runServerMain(argv)`: the `spool-server` bin. `spool-server [init|check] [flags]` parses the
 * same flag table as `spool serve` (settings.ts) and runs the same launcher (launch.ts).
 *
 * Invariants: resolves the exit status and never exits by itself (except the launcher's second
 * signal); errors print as text plus `hint:` on a terminal and as the one-line JSON envelope
 * otherwise, with the exit code of their kind from core's table; help goes to stdout (status 0).
 */
import { EXIT_CODES, fromSystemError, isSpoolError, SpoolError } from "@spool/core";
import yargs from "yargs";
import { processIo, runCheck, runInit, runServe } from "./launch.js";
import { flagOptions, INIT_SETTINGS, SERVER_SETTINGS } from "./settings.js";

const SUBCOMMANDS = {
  init: {
    settings: INIT_SETTINGS,
    describe: "Write token.txt, cert.pem and key.pem for a secure server",
  },
  check: {
    settings: SERVER_SETTINGS,
    describe: "Validate the configuration without binding; print a summary",
  },
} as const;

/**
 * Runs the bin with `argv` (without node and the script); resolves the exit status.
 *
 * @example
 * process.exit(await runServerMain(["--port", "0"]));
 */
export async function runServerMain(argv: readonly string[]): Promise<number> {
  const sub = argv[0] === "init" || argv[0] === "check" ? argv[0] : undefined;
  const rest = sub ? argv.slice(1) : [...argv];
  try {
    const settings = sub ? SUBCOMMANDS[sub].settings : SERVER_SETTINGS;
    const parser = yargs(rest)
      .scriptName(sub ? `spool-server ${sub}` : "spool-server")
      .usage(
        sub
          ? `$0 [options]\n\n${SUBCOMMANDS[sub].describe}.`
          : "$0 [init|check] [options]\n\nServe the pools of a directory over HTTP (Spool protocol v0). Guide: docs/serving.md",
      )
      .parserConfiguration({
        "camel-case-expansion": true,
        "strip-dashed": true,
        "greedy-arrays": false,
      })
      .options(flagOptions(settings))
      .help("help")
      .alias("help", "h")
      .version(false)
      .strict()
      .wrap(Math.min(100, process.stdout.columns ?? 100));
    let parsed:
      | { error: Error | undefined; argv: Record<string, unknown>; output: string }
      | undefined;
    parser.parse(rest, {}, (error, args, output) => {
      parsed = { error: error ?? undefined, argv: args as Record<string, unknown>, output };
    });
    if (!parsed) throw new Error("yargs did not call back");
    if (parsed.error) {
      throw new SpoolError("Usage", parsed.error.message, {
        hint: `run \`spool-server ${sub ? `${sub} ` : ""}--help\` for usage`,
      });
    }
    if (parsed.output) {
      process.stdout.write(parsed.output.endsWith("\n") ? parsed.output : `${parsed.output}\n`);
      return 0;
    }
    const positionals = (parsed.argv._ as unknown[]) ?? [];
    if (positionals.length > 0) {
      throw new SpoolError(
        "Usage",
        `unexpected argument ${JSON.stringify(String(positionals[0]))}`,
        {
          hint: "spool-server takes no positional arguments besides `init` or `check` first",
        },
      );
    }
    if (sub === "init") return await runInit(parsed.argv);
    if (sub === "check") return await runCheck(parsed.argv, process.env);
    return await runServe(parsed.argv, process.env);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(thrown: unknown): number {
  const error = isSpoolError(thrown) ? thrown : fromSystemError(thrown);
  if (process.stderr.isTTY) {
    processIo.err(`error: ${error.message}`);
    if (error.hint) processIo.err(`hint: ${error.hint}`);
  } else {
    processIo.err(JSON.stringify({ error: error.toJSON() }));
  }
  return EXIT_CODES[error.kind];
}
