/**
 * Reading and checking one setting's value wherever it comes from: its zod schema from the
 * settings table, text from an environment variable, the JSON config file, and `--bind`.
 *
 * Invariants: every invalid value is one Usage SpoolError naming where it came from, with a hint;
 * the config file must be a JSON object; nothing here merges sources or applies binding rules
 * (config.ts does).
 */
import { readFileSync } from "node:fs";
import { fromSystemError, SpoolError } from "@spool/core";
import * as z from "zod";
import { SERVER_SETTINGS, type Setting } from "./settings.js";

export function schemaOf(setting: Setting): z.ZodType {
  switch (setting.type) {
    case "string":
      return z.string().min(1, "must not be empty");
    case "port":
      return z
        .int("must be a whole number")
        .min(0, "must be 0..65535")
        .max(65535, "must be 0..65535");
    case "count": {
      const min = setting.min ?? 1;
      return z
        .int("must be a whole number")
        .min(min, `must be ≥ ${min}`)
        .max(Number.MAX_SAFE_INTEGER);
    }
    case "boolean":
      return z.boolean("must be true or false");
    case "list":
      return z.array(
        z.string().min(1, "must not hold an empty entry"),
        "must be a list of strings",
      );
    case "choice":
      return z.enum(
        setting.choices as [string, ...string[]],
        `must be one of ${setting.choices?.join(", ")}`,
      );
  }
}

export function usage(message: string, hint: string): SpoolError {
  return new SpoolError("Usage", message, { hint });
}

export function describeValue(value: unknown): string {
  if (typeof value === "number" && Number.isNaN(value)) return "not a number";
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function check(setting: Setting, value: unknown, where: string, hint: string): unknown {
  const result = schemaOf(setting).safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw usage(`${where} ${issue?.message ?? "is invalid"} (got ${describeValue(value)})`, hint);
}

/** Converts an environment variable's text to the setting's type (before validation). */
export function fromEnvText(setting: Setting, text: string): unknown {
  switch (setting.type) {
    case "port":
    case "count":
      return /^\s*\d+\s*$/.test(text) ? Number(text) : text;
    case "boolean": {
      const t = text.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(t)) return true;
      if (["0", "false", "no", "off"].includes(t)) return false;
      return text;
    }
    case "list":
      return text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    default:
      return text;
  }
}

export function readConfigFile(path: string, where: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const e = fromSystemError(error, path, "read");
    throw new SpoolError(e.kind, `cannot read the config file ${path} (${where}): ${e.message}`, {
      path,
      hint: "check the path given with --config / SPOOL_SERVER_CONFIG",
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SpoolError(
      "Usage",
      `config file ${path} is not valid JSON: ${(error as Error).message}`,
      {
        path,
        hint: 'the config file is one JSON object, e.g. {"host": "127.0.0.1", "port": 9700}',
        cause: error,
      },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SpoolError("Usage", `config file ${path} must hold a JSON object`, {
      path,
      hint: 'write the settings as {"key": value, ...} (keys are listed in docs/serving.md)',
    });
  }
  const fileKeys = new Set(SERVER_SETTINGS.filter((s) => !s.flagOnly).map((s) => s.key));
  const unknown = Object.keys(parsed).filter((k) => !fileKeys.has(k));
  if (unknown.length > 0) {
    throw new SpoolError(
      "Usage",
      `config file ${path} has unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")}`,
      { path, hint: `known keys: ${[...fileKeys].join(", ")}` },
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * `--bind HOST:PORT` (an alias of `--host` and `--port` together): splits it into the two flags,
 * checked as they are; giving it with `--host` or `--port` is Usage.
 */
export function applyBind(fromFlags: Record<string, unknown>): void {
  const bind = fromFlags.bind as string | undefined;
  if (bind === undefined) return;
  delete fromFlags.bind;
  const hint = "give --bind HOST:PORT (e.g. 127.0.0.1:9700 or [::1]:9700), or --host and --port";
  if (fromFlags.host !== undefined || fromFlags.port !== undefined) {
    throw usage("give --bind or --host/--port, not both", hint);
  }
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):([^:]+)$/.exec(bind);
  if (!match) throw usage(`--bind must be HOST:PORT (got ${describeValue(bind)})`, hint);
  const host = SERVER_SETTINGS.find((s) => s.key === "host") as Setting;
  const port = SERVER_SETTINGS.find((s) => s.key === "port") as Setting;
  fromFlags.host = check(host, match[1] ?? match[2], "--bind host", hint);
  fromFlags.port = check(port, fromEnvText(port, match[3] as string), "--bind port", hint);
}
