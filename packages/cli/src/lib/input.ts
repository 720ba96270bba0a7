/**
 * Where a feed's bytes come from: an inline value, a file, or stdin.
 *
 * Invariants: `-` means stdin; a terminal stdin is read only when asked for explicitly (`-`),
 * never by default (so `spool feed pool` on a terminal fails fast with a hint instead of
 * waiting); file errors name the file and the --file option, with errno mapped to its kind.
 */
import { createReadStream } from "node:fs";
import { fromSystemError, SpoolError } from "@spool/core";
import { usage } from "./errors.js";

/** The bytes of `--file F` (or stdin for `-`), with file errors mapped to SpoolErrors. */
export async function* fileInput(file: string): AsyncGenerator<Buffer> {
  if (file === "-") {
    yield* process.stdin as AsyncIterable<Buffer>;
    return;
  }
  try {
    yield* createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") {
      throw new SpoolError("NotFound", `cannot read --file ${file}: no such file`, {
        path: file,
        hint: "check the path given to --file (use - for stdin)",
        cause: error,
      });
    }
    if (code === "EISDIR" || code === "ENOTDIR" || code === "ENAMETOOLONG" || code === "ELOOP") {
      // core's mapping of these names a pool path; here the culprit is the --file operand
      throw new SpoolError("Usage", `cannot read --file ${file}: not a readable file (${code})`, {
        path: file,
        hint: "give --file the path of a file with JSON records (use - for stdin)",
        cause: error,
      });
    }
    throw fromSystemError(error, file, "read");
  }
}

/** Standard input, refusing a terminal unless `allowTty`. */
export function stdinInput(stdinTty: boolean, what: string): AsyncIterable<Buffer> {
  if (stdinTty) {
    throw usage(
      `no ${what} given and stdin is a terminal`,
      `pass the data inline, use --file F, or pipe JSON in: echo '{"ok":true}' | spool ...`,
    );
  }
  return process.stdin as AsyncIterable<Buffer>;
}
