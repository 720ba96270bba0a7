/**
 * Running a view full screen on a terminal, and the terminal's size as React state.
 *
 * Invariants: the view draws on the alternate screen, so the shell's screen comes back as it
 * was; however the view ends (q, Ctrl-C, SIGTERM/SIGHUP/SIGINT, an exception, process.exit),
 * the terminal is left clean: raw mode off (ink releases stdin on unmount), cursor shown,
 * alternate screen left, exactly once; the size follows every `resize` of stdout.
 */
import { render } from "ink";
import { type ReactNode, useEffect, useState } from "react";

const ENTER_ALT = "\u001b[?1049h\u001b[H";
const LEAVE_ALT = "\u001b[?25h\u001b[?1049l";

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** What a stream tells of its size (columns/rows may be missing off a terminal). */
export interface SizedStream {
  columns?: number | undefined;
  rows?: number | undefined;
  on(event: "resize", listener: () => void): unknown;
  off(event: "resize", listener: () => void): unknown;
}

function sizeOf(stream: SizedStream): TerminalSize {
  return {
    columns: stream.columns && stream.columns > 0 ? stream.columns : 80,
    rows: stream.rows && stream.rows > 0 ? stream.rows : 24,
  };
}

/** The size of `stream`, updated on each resize. */
export function useTerminalSize(stream: SizedStream): TerminalSize {
  const [size, setSize] = useState(() => sizeOf(stream));
  useEffect(() => {
    const onResize = (): void => setSize(sizeOf(stream));
    stream.on("resize", onResize);
    onResize();
    return () => {
      stream.off("resize", onResize);
    };
  }, [stream]);
  return size;
}

export interface FullscreenOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

/** How a full-screen run ended: by the view (q, Ctrl-C) or by a signal. */
export type FullscreenEnd = { signal?: NodeJS.Signals };

/**
 * Renders `node` full screen until it exits (useApp().exit()) or a signal ends it.
 *
 * @example
 * await runFullscreen(<WatchView pool={pool} />);
 */
export async function runFullscreen(
  node: ReactNode,
  options: FullscreenOptions = {},
): Promise<FullscreenEnd> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
    } catch {
      // stdin already closed: nothing to restore
    }
    try {
      stdout.write(LEAVE_ALT);
    } catch {
      // stdout already closed
    }
  };
  process.once("exit", restore);
  stdout.write(ENTER_ALT);
  const end: FullscreenEnd = {};
  const instance = render(node, {
    stdout,
    stdin,
    stderr,
    exitOnCtrlC: true,
    patchConsole: true,
    maxFps: 30,
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    end.signal = signal;
    instance.unmount();
  };
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGINT"];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    await instance.waitUntilExit();
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    instance.cleanup();
    restore();
    process.off("exit", restore);
  }
  return end;
}
