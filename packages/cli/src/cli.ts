#!/usr/bin/env node
/**
 * The `spool` executable's entry point.
 *
 * Invariants: start-up imports only what the chosen command needs. `spool version` answers
 * without loading yargs, zod or @spool/core; every other command loads ./main.js (the yargs
 * front end), which in turn loads only the module of the command that runs.
 */
const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === "version" || args[0] === "--version")) {
  const { printVersionFast } = await import("./lib/version-info.js");
  printVersionFast();
} else {
  const { main } = await import("./main.js");
  await main(args);
}
