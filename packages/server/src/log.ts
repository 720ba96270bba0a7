/**
 * The server's log: one line per event on stderr, as JSON (default) or text, with the request
 * log line every request gets when it ends.
 *
 * Invariants: one line per call, never split; JSON lines always have `time` (RFC 3339), `level`
 * and `msg`; callers never pass secrets (tokens, keys) and request lines carry the path without
 * its query string; `quiet` drops request lines only (start, stop, warnings and errors stay).
 */

export type LogFormat = "json" | "text";
export type Level = "info" | "warn" | "error";
export type Fields = Record<string, string | number | boolean | null | undefined>;

export interface RequestFields {
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  bytes?: number | undefined;
  remote?: string | undefined;
  /** The client went away before the response was completely sent. */
  aborted?: true | undefined;
  /** A WebSocket session (logged when its socket closed). */
  websocket?: true | undefined;
}

export interface Logger {
  readonly format: LogFormat;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** One request, when its response ended (dropped when quiet). */
  request(fields: RequestFields): void;
}

export interface LoggerOptions {
  format?: LogFormat;
  quiet?: boolean;
  /** Where a line goes (without newline). Default: stderr. */
  write?: (line: string) => void;
  /** The clock (tests). */
  now?: () => Date;
}

/**
 * Builds a logger.
 *
 * @example
 * const log = createLogger({ format: "text" });
 * log.info("listening", { url: "http://127.0.0.1:9700" });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? "json";
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const emit = (level: Level, msg: string, fields: Fields = {}): void => {
    const time = now().toISOString();
    if (format === "json") {
      const record: Record<string, unknown> = { time, level, msg };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) record[k] = v;
      write(JSON.stringify(record));
      return;
    }
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(
        ([k, v]) =>
          `${k}=${typeof v === "string" && /\s|"/.test(v) ? JSON.stringify(v) : String(v)}`,
      );
    write([time, level.toUpperCase().padEnd(5), msg, ...extra].join(" "));
  };
  return {
    format,
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    request(f) {
      if (options.quiet) return;
      if (format === "json") {
        emit("info", "request", { ...f });
        return;
      }
      const parts = [f.method, f.path, String(f.status), `${f.duration_ms}ms`];
      if (f.bytes !== undefined) parts.push(`${f.bytes}B`);
      if (f.remote !== undefined) parts.push(`from ${f.remote}`);
      if (f.aborted) parts.push("aborted");
      if (f.websocket) parts.push("websocket");
      write(`${now().toISOString()} INFO  ${parts.join(" ")}`);
    },
  };
}
