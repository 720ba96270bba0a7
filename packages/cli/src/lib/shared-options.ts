/**
 * Options several writing commands (feed, tap, duplex) declare alike, defined once so their
 * names, types and help text cannot drift apart.
 */
import type { Argv } from "yargs";

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
