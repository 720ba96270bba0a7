/**
 * The commands a doc block sees on PATH: `spool` (the workspace's built CLI), `npx` (which
 * accepts only `npx spool …` and `npx -y spool …` and runs the same CLI, so no registry is ever
 * asked), and `curl` (the system curl).
 *
 * In a block marked long-running, `spool follow` (unless it has `--replay`, which ends by
 * itself) and streaming `curl -N` are what a reader runs in a second terminal and stops with
 * Ctrl-C: the shim starts them in the background under `stop.mjs` and returns at once, and
 * `stop.mjs` sends SIGINT once the command is caught up (its CPU time, and the sandbox server's,
 * stood still for a moment: robust on a loaded machine, where a fixed delay is not).
 * A command that ends by itself before then with a non-zero status is appended to
 * DOCTEST_FAILURES, which the harness reports. The block's output stays open until they end,
 * so a pipeline such as `spool follow … | jq .` still sees all of it.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const STOP = `// Runs a command until it is caught up, then sends it SIGINT (a Ctrl-C). Caught up means its
// CPU time (plus the sandbox server's, for remote follows) has not moved for QUIET_MS, at least
// MIN_MS after its start; MAX_MS bounds it regardless. If it ended by itself with a non-zero
// status, appends the command and its status to DOCTEST_FAILURES.
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
const MIN_MS = 1000, QUIET_MS = 600, MAX_MS = 15000, TICK_MS = 100;
const [command, ...args] = process.argv.slice(2);
const started = Date.now();
const child = spawn(command, args, { stdio: "inherit" });
function cpu(pid) {
  try {
    const stat = readFileSync(\`/proc/\${pid}/stat\`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}
const server = Number(process.env.DOCTEST_SERVER_PID || 0);
let last = -1, quietSince = started, stopped = false;
const timer = setInterval(() => {
  const now = Date.now();
  const ticks = cpu(child.pid) + (server ? cpu(server) : 0);
  if (ticks !== last) [last, quietSince] = [ticks, now];
  const caughtUp = now - started >= MIN_MS && now - quietSince >= QUIET_MS;
  if (caughtUp || now - started >= MAX_MS) {
    stopped = true;
    clearInterval(timer);
    child.kill("SIGINT");
    setTimeout(() => child.kill("SIGKILL"), 3000).unref();
  }
}, TICK_MS);
child.on("exit", (code, signal) => {
  clearInterval(timer);
  if (!stopped && code !== 0)
    appendFileSync(process.env.DOCTEST_FAILURES, \`\${process.env.DOCTEST_COMMAND}: exited \${code ?? signal}\\n\`);
  process.exit(0);
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
  const run = (label: string, command: string, streams: string) =>
    [
      `if [ -n "$DOCTEST_LONG_RUNNING" ] && ${streams}; then`,
      `  DOCTEST_COMMAND="${label} $*" "${paths.node}" "${stop}" ${command} "$@" &`,
      "  exit 0",
      "fi",
      `exec ${command} "$@"`,
      "",
    ].join("\n");
  const shims: Record<string, string> = {
    spool: run(
      "spool",
      `"${paths.node}" "${paths.cli}"`,
      '[ "$1" = follow ] && [[ " $* " != *" --replay "* ]]',
    ),
    curl: run("curl", `"${paths.curl}"`, '[[ " $* " == *" -N "* || " $* " == *" --no-buffer "* ]]'),
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
