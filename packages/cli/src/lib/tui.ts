/**
 * What `spool top` and `spool watch` share: the terminal they need, and loading the terminal UI
 * (@spool/tui, with React and ink) only when one of them runs.
 *
 * Invariants: a command that draws a TUI refuses to start unless stdin and stdout are both
 * terminals (a Usage error naming the command for scripts instead), before it opens anything;
 * @spool/tui is imported here and nowhere else, lazily, so no other command loads React.
 */
import { usage } from "./errors.js";
import type { Io } from "./io.js";

/** Usage unless stdin and stdout are terminals; `instead` is the hint for pipes and scripts. */
export function requireTerminal(io: Io, command: string, instead: string): void {
  if (io.stdoutTty && io.stdinTty) return;
  const which = !io.stdoutTty ? "stdout is not a terminal" : "stdin is not a terminal";
  throw usage(`spool ${command} draws on a terminal, and ${which}`, instead);
}

/**
 * Loads @spool/tui. ink decides when it is imported whether it runs in CI (the `CI` and
 * `CONTINUOUS_INTEGRATION` variables) and then draws only the final frame; a TUI on a terminal
 * (checked by requireTerminal) is interactive whatever they say, so they are turned off for this
 * process first (it starts no child processes).
 */
export async function loadTui(): Promise<typeof import("@spool/tui")> {
  for (const name of ["CI", "CONTINUOUS_INTEGRATION"]) {
    if (name in process.env) process.env[name] = "false";
  }
  return import("@spool/tui");
}

/** The exit status of a full-screen run: 0 when the person quit, 128 + N after signal N. */
export function endStatus(
  end: { signal?: NodeJS.Signals },
  signals: Record<string, number>,
): number {
  return end.signal === undefined ? 0 : 128 + (signals[end.signal] ?? 0);
}
