/**
 * The tools' input schemas (zod) and the one place arguments are checked.
 *
 * Invariants: the schemas are what `tools/list` advertises (their JSON Schema) and what each call
 * is parsed with; a call whose arguments do not fit is a Usage SpoolError naming the argument
 * (not the SDK's generic validation text), so bad input carries a Spool kind and a hint like every
 * other failure; unknown arguments are refused (strict objects: an argument silently ignored could
 * turn a conditional append into an unconditional one); pool names, tags and sizes are then
 * checked by core's own validators where the engine is called.
 */
import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import { SpoolError } from "@spool/core";
import * as z from "zod";

/** Most messages one read answers. */
export const MAX_READ = 1000;
/** Messages a read answers when `max` is not given. */
export const DEFAULT_READ = 50;
/** How long a wait waits when `timeout_ms` is not given. */
export const DEFAULT_WAIT_MS = 30_000;

const pool = z.string().min(1).describe("Pool name (a bare name: no path separators)");
const seq = z.int().min(1);
const tags = z
  .array(z.string())
  .describe("Only messages carrying every one of these tags (exact match)");

export const listInput = z.strictObject({});

export const infoInput = z.strictObject({ pool });

export const createInput = z.strictObject({
  pool,
  size: z
    .union([z.int().min(1), z.string().min(1)])
    .optional()
    .describe("Pool file size: bytes, or text such as 4M (default: the server's default, 1 MiB)"),
});

export const readInput = z.strictObject({
  pool,
  last: z
    .int()
    .min(1)
    .max(MAX_READ)
    .optional()
    .describe("The newest N messages (the default start: last = max)"),
  since_seq: seq.optional().describe("Messages from this seq on (inclusive): a cursor"),
  since_time: z.string().optional().describe("Messages committed at or after this RFC 3339 time"),
  around_seq: seq
    .optional()
    .describe("Messages around this seq: up to half of max before it, the rest from it on"),
  tags: tags.optional(),
  max: z
    .int()
    .min(1)
    .max(MAX_READ)
    .optional()
    .describe(`Most messages to answer (default ${DEFAULT_READ}, at most ${MAX_READ})`),
});

export const appendInput = z.strictObject({
  pool,
  data: z.json().describe("The message: any JSON value (objects are the common case)"),
  tags: z.array(z.string()).optional().describe("Tags to attach (exact-match filter keys)"),
  durability: z
    .enum(["fast", "flush"])
    .optional()
    .describe("fast (default): page cache; flush: fdatasync before answering"),
  expected_last_seq: z
    .int()
    .min(0)
    .optional()
    .describe(
      "Append only if the pool's newest seq is exactly this (0: never appended); else Conflict",
    ),
  producer: z
    .strictObject({
      id: z.string().min(1),
      seq: z.int().min(1),
      epoch: z.int().min(0).optional(),
    })
    .optional()
    .describe(
      "Idempotent producer: a seq already committed for this id answers the original (duplicate: true)",
    ),
});

export const waitInput = z.strictObject({
  pool,
  since_seq: seq
    .optional()
    .describe(
      "Wait for the first matching message at or after this seq (default: the next new one)",
    ),
  tags: tags.optional(),
  timeout_ms: z
    .int()
    .min(0)
    .optional()
    .describe(`How long to wait, in ms (default ${DEFAULT_WAIT_MS}; the server caps it)`),
});

/**
 * The schema as the SDK takes it: its JSON Schema is advertised, and validation is left to
 * `parseArgs` (so that bad input is a Usage SpoolError, not the SDK's generic text).
 */
export function advertised<S extends z.ZodType>(
  schema: S,
): StandardSchemaWithJSON<unknown, unknown> {
  const std = schema["~standard"] as unknown as StandardSchemaWithJSON["~standard"];
  return {
    "~standard": {
      version: 1,
      vendor: "spool",
      validate: (value: unknown) => ({ value }),
      jsonSchema: std.jsonSchema,
    },
  };
}

/** `args` parsed by `schema`, or Usage naming the first argument that does not fit. */
export function parseArgs<S extends z.ZodType>(
  schema: S,
  args: unknown,
  tool: string,
): z.output<S> {
  const parsed = schema.safeParse(args ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : undefined;
  const unknownKeys = issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : undefined;
  const message = unknownKeys
    ? `${tool}: unknown argument ${unknownKeys}`
    : `${tool}: invalid argument ${where ?? "(arguments)"}: ${issue?.message ?? "invalid"}`;
  return fail(
    message,
    "see the tool's input schema in tools/list (spec/mcp/v0 lists every argument)",
  );
}

function fail(message: string, hint: string): never {
  throw new SpoolError("Usage", message, { hint });
}
