/**
 * The names of the builtins of `where` expressions: the arities each supports, and the builtins
 * refused on purpose. The parser needs only this table, so checking an expression (as the HTTP
 * SDK does before sending one) does not pull in the evaluator.
 *
 * Invariants: the table lists exactly the builtins builtins.ts implements, with the same arities
 * (a test checks it); a refused name is never in the table.
 */

/** Supported arities of each builtin. */
export const BUILTIN_ARITIES: Readonly<Record<string, readonly number[]>> = {
  empty: [0],
  not: [0],
  error: [0, 1],
  select: [1],
  length: [0],
  utf8bytelength: [0],
  type: [0],
  keys: [0],
  keys_unsorted: [0],
  has: [1],
  in: [1],
  contains: [1],
  inside: [1],
  indices: [1],
  index: [1],
  rindex: [1],
  startswith: [1],
  endswith: [1],
  ltrimstr: [1],
  rtrimstr: [1],
  trim: [0],
  ltrim: [0],
  rtrim: [0],
  ascii_downcase: [0],
  ascii_upcase: [0],
  explode: [0],
  implode: [0],
  split: [1],
  join: [1],
  test: [1, 2],
  match: [1, 2],
  capture: [1, 2],
  tostring: [0],
  tojson: [0],
  fromjson: [0],
  tonumber: [0],
  ascii: [0],
  floor: [0],
  ceil: [0],
  round: [0],
  sqrt: [0],
  fabs: [0],
  abs: [0],
  pow: [2],
  log: [0],
  exp: [0],
  infinite: [0],
  nan: [0],
  isnan: [0],
  isinfinite: [0],
  map: [1],
  map_values: [1],
  to_entries: [0],
  from_entries: [0],
  with_entries: [1],
  add: [0, 1],
  any: [0, 1, 2],
  all: [0, 1, 2],
  range: [1, 2, 3],
  limit: [2],
  first: [0, 1],
  last: [0, 1],
  nth: [1, 2],
  isempty: [1],
  reverse: [0],
  sort: [0],
  sort_by: [1],
  group_by: [1],
  unique: [0],
  unique_by: [1],
  min: [0],
  max: [0],
  min_by: [1],
  max_by: [1],
  flatten: [0, 1],
  getpath: [1],
  paths: [0, 1],
  leaf_paths: [0],
  recurse: [0, 1, 2],
  repeat: [1],
  while: [2],
  until: [2],
  walk: [1],
  values: [0],
  nulls: [0],
  booleans: [0],
  numbers: [0],
  strings: [0],
  arrays: [0],
  objects: [0],
  iterables: [0],
  scalars: [0],
};

/** Builtins refused at compile time, and why. */
const REFUSED: Readonly<Record<string, string>> = {
  input: "it would read other inputs",
  inputs: "it would read other inputs",
  input_filename: "there is no input file",
  input_line_number: "there is no input file",
  halt: "it would stop the reader",
  halt_error: "it would stop the reader",
  debug: "it would write to the reader's output",
  stderr: "it would write to the reader's output",
  env: "the environment is not exposed",
  get_search_list: "modules are not supported",
  now: "expressions are evaluated without a clock",
};

/** Why a builtin is refused, or undefined when it is not. */
export function refusedBuiltin(name: string): string | undefined {
  return Object.hasOwn(REFUSED, name) ? REFUSED[name] : undefined;
}

/** Supported arities of a builtin, or undefined when there is none of that name. */
export function builtinArities(name: string): readonly number[] | undefined {
  return Object.hasOwn(BUILTIN_ARITIES, name) ? BUILTIN_ARITIES[name] : undefined;
}
