/**
 * One declarative table per command: each option (and positional) is declared once, with its
 * name, aliases, type, help text, default, choices and validation, and both the yargs builder
 * and the zod schema that validates the parsed value are generated from that one entry.
 *
 * Invariants: a table's keys are the kebab-case flag names (`create-size`); the parsed and
 * validated key is their camelCase (`createSize`), as yargs' camel-case expansion gives it;
 * every boolean defaults to false unless the entry says otherwise and every repeatable option to
 * `[]`, so the zod field of either is never optional; an entry's `zod` field, when given, is the
 * whole validation of its value (the derived one is used otherwise); aliases are part of the
 * entry, so help, completion and did-you-mean all see the same spellings.
 */
import type { Argv, Options, PositionalOptions } from "yargs";
import * as z from "zod/mini";
import { parseArgs } from "./args.js";
import type { RawArgs } from "./command.js";

/** One option (or positional) of a command. */
export interface OptionSpec {
  type: "boolean" | "string" | "number";
  describe: string;
  /** Other spellings: one letter for `-n`, words for `--last`. */
  alias?: readonly string[];
  default?: boolean | string | number;
  choices?: readonly string[];
  /** May be given more than once (collected into an array; default `[]`). */
  repeatable?: boolean;
  /** Numbers: must be a whole number. */
  int?: boolean;
  /** Numbers: the smallest value accepted. */
  min?: number;
  /** The zod validation of the parsed value, replacing the one derived from the fields above. */
  zod?: z.ZodMiniType;
  /** Positionals: may be missing (`[pool]`); other positionals are required. */
  optional?: boolean;
}

/** A command's options (or positionals), keyed by kebab-case flag name. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

type Camel<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<Camel<T>>}`
  : S;

/** The validated value of one entry, when it is present. */
type Present<S> = S extends { repeatable: true }
  ? S extends { type: "number" }
    ? number[]
    : string[]
  : S extends { type: "boolean" }
    ? boolean
    : S extends { choices: readonly (infer C)[] }
      ? C
      : S extends { type: "number" }
        ? number
        : string;

/** The validated value of one option: undefined when it has no default and was not given. */
export type ValueOf<S> = S extends { zod: infer Z extends z.ZodMiniType }
  ? z.output<Z>
  : S extends { repeatable: true } | { type: "boolean" } | { default: unknown }
    ? Present<S>
    : Present<S> | undefined;

/** The validated value of one positional: undefined only when it is optional and missing. */
export type OperandOf<S> = S extends { zod: infer Z extends z.ZodMiniType }
  ? z.output<Z>
  : S extends { optional: true }
    ? S extends { repeatable: true }
      ? Present<S>
      : Present<S> | undefined
    : Present<S>;

/** The validated options of a table. */
export type ArgsOf<T extends OptionTable> = {
  -readonly [K in keyof T & string as Camel<K>]: ValueOf<T[K]>;
};

/** The validated positionals of a table. */
export type OperandsOf<T extends OptionTable> = {
  -readonly [K in keyof T & string as Camel<K>]: OperandOf<T[K]>;
};

/** camelCase of a kebab-case flag name. */
export function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The zod validation of one entry (an option, or with `operand` a positional). */
export function zodOf(spec: OptionSpec, operand = false): z.ZodMiniType {
  if (spec.zod) return spec.zod;
  let item: z.ZodMiniType;
  if (spec.choices) item = z.enum(spec.choices as [string, ...string[]]);
  else if (spec.type === "boolean") item = z.boolean();
  else if (spec.type === "number") {
    const n = spec.int ? z.int() : z.number();
    item = spec.min === undefined ? n : n.check(z.minimum(spec.min));
  } else item = z.string();
  if (spec.repeatable) return z.array(item);
  const present = operand ? !spec.optional : spec.type === "boolean" || spec.default !== undefined;
  return present ? item : z.optional(item);
}

/** The yargs definition of one option. */
export function yargsOption(spec: OptionSpec, global = false): Options {
  const option: Options = { describe: spec.describe };
  if (spec.choices) option.choices = [...spec.choices];
  else option.type = spec.type;
  if (spec.alias && spec.alias.length > 0) option.alias = [...spec.alias];
  if (spec.repeatable) {
    option.array = true;
    option.type = spec.type === "boolean" ? "string" : spec.type;
    option.default = [];
  } else if (spec.default !== undefined) option.default = spec.default;
  else if (spec.type === "boolean") option.default = false;
  if (global) option.global = true;
  return option;
}

function yargsPositional(spec: OptionSpec): PositionalOptions {
  const option: PositionalOptions = { type: spec.type, describe: spec.describe };
  if (spec.choices) option.choices = [...spec.choices];
  if (spec.repeatable) option.array = true;
  return option;
}

/** Registers every option of `table` on `y`. */
export function withOptions(y: Argv, table: OptionTable, global = false): Argv {
  let out = y;
  for (const [flag, spec] of Object.entries(table))
    out = out.option(flag, yargsOption(spec, global));
  return out;
}

/** Every spelling of the table's options with its camelCase key: `last` → `tail`. */
export function spellings(table: OptionTable): Map<string, string> {
  const out = new Map<string, string>();
  for (const [flag, spec] of Object.entries(table)) {
    out.set(flag, camel(flag));
    for (const alias of spec.alias ?? []) out.set(alias, camel(flag));
  }
  return out;
}

/** Fields validated by zod alone (no yargs option), such as tap's command line after `--`. */
export type ExtraFields = Record<string, z.ZodMiniType>;

/** The validated arguments of a command. */
export type CommandArgs<
  P extends OptionTable,
  O extends OptionTable,
  E extends ExtraFields,
> = OperandsOf<P> & ArgsOf<O> & { -readonly [K in keyof E]: z.output<E[K]> };

/** A command's declared operands and options, and what is generated from them. */
export interface CommandOptions<
  P extends OptionTable,
  O extends OptionTable,
  E extends ExtraFields = Record<never, never>,
> {
  positionals: P;
  options: O;
  /** Declares the positionals and options on the command's yargs instance. */
  builder(y: Argv): Argv;
  /** The zod schema of the parsed arguments. */
  schema: z.ZodMiniType<CommandArgs<P, O, E>>;
  /** Validates yargs' parsed arguments; invalid ones are a Usage error naming the flag. */
  parse(raw: RawArgs): CommandArgs<P, O, E>;
}

/**
 * Generates the yargs builder and the zod schema of one command from its tables.
 *
 * @example
 * const spec = commandOptions("fetch", { pool: POOL }, { ...MESSAGE_OUTPUT });
 * const args = spec.parse(raw); // { pool: string, format: …, jsonl: boolean, json: boolean }
 */
export function commandOptions<
  const P extends OptionTable,
  const O extends OptionTable,
  E extends ExtraFields = Record<never, never>,
>(command: string, positionals: P, options: O, extra?: E): CommandOptions<P, O, E> {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const [name, spec] of Object.entries(positionals)) {
    shape[camel(name)] = zodOf(spec, true);
  }
  for (const [flag, spec] of Object.entries(options)) shape[camel(flag)] = zodOf(spec);
  Object.assign(shape, extra ?? {});
  const schema = z.object(shape) as unknown as z.ZodMiniType<CommandArgs<P, O, E>>;
  const order = Object.keys(positionals).map(camel);
  const aliases = spellings(options);
  return {
    positionals,
    options,
    schema,
    builder(y) {
      let out = y;
      for (const [name, spec] of Object.entries(positionals))
        out = out.positional(name, yargsPositional(spec));
      return withOptions(out, options);
    },
    parse: (raw) => parseArgs(schema, raw, command, order, aliases),
  };
}
