/**
 * The commands a doc block sees on PATH: `spool` (the workspace's built CLI), `npx` (which
 * accepts only `npx spool …` and `npx -y spool …` and runs the same CLI, so no registry is ever
 * asked), and `curl` (the system curl). In a block marked long-running, `spool follow` and streaming
 * `curl -N` run under `stop.mjs`, which sends SIGINT (a Ctrl-C) after the bound and then
 * reports success, so they end instead of hanging; other commands run unbounded as usual.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What `stop.mjs` does: run argv, Ctrl-C it after DOCTEST_STOP_AFTER_MS, exit 0 if it did. */
const STOP = `// Runs a command; after DOCTEST_STOP_AFTER_MS sends it SIGINT (a Ctrl-C) and exits 0.
import { spawn } from "node:child_process";
const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: "inherit" });
let stopped = false;
const timer = setTimeout(() => {
  stopped = true;
  child.kill("SIGINT");
  setTimeout(() => child.kill("SIGKILL"), 3000).unref();
}, Number(process.env.DOCTEST_STOP_AFTER_MS));
child.on("exit", (code, signal) => {
  clearTimeout(timer);
  process.exit(stopped ? 0 : (code ?? 128 + (signal === "SIGINT" ? 2 : 15)));
});
`;

export interface ShimPaths {
  node: string;
  cli: string;
  curl: string;
}

/** Writes the shims into `bin` (a directory to put first on PATH). */
export function writeShims(bin: string, paths: ShimPaths): void {
  const stop = join(bin, "stop.mjs");
  writeFileSync(stop, STOP);
  // `streams` is a bash test that is true for the invocations that run until Ctrl-C.
  const run = (command: string, streams: string) =>
    `if [ -n "$DOCTEST_STOP_AFTER_MS" ] && ${streams}; then exec "${paths.node}" "${stop}" ${command} "$@"; fi\nexec ${command} "$@"\n`;
  const shims: Record<string, string> = {
    spool: run(`"${paths.node}" "${paths.cli}"`, '[ "$1" = follow ]'),
    curl: run(`"${paths.curl}"`, '[[ " $* " == *" -N "* || " $* " == *" --no-buffer "* ]]'),
    npx: [
      'if [ "$1" = "-y" ] || [ "$1" = "--yes" ]; then shift; fi',
      `if [ "$1" = "spool" ]; then shift; exec "${join(bin, "spool")}" "$@"; fi`,
      'echo "doctest: only npx spool is available here, not: npx $*" >&2',
      "exit 127",
      "",
    ].join("\n"),
  };
  for (const [name, body] of Object.entries(shims)) {
    const file = join(bin, name);
    writeFileSync(file, `#!/usr/bin/env bash\n# doctest shim: ${name}\n${body}`);
    chmodSync(file, 0o755);
  }
}
