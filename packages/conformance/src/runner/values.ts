/**
 * Manifest values: variables (`{"$ref": "name"}` and `${name}` inside strings), generated values
 * (`{"$repeat": "x", "times": N}`), and reading a captured value out of a result by a dotted
 * path.
 *
 * Invariants: resolution never mutates the manifest; an unknown variable or a malformed
 * generator is an error naming it (never silently an empty string); only `pool`, `input` and
 * `surface_input` are resolved: expectations are compared with normalised results as written.
 */

/** A session's variables: `pool_dir` plus every capture. */
export type Vars = Map<string, unknown>;

/** A problem in the manifest itself (not in the surface under test). */
export class ManifestValueError extends Error {
  override name = "ManifestValueError";
}

function lookup(vars: Vars, name: string): unknown {
  if (!vars.has(name)) throw new ManifestValueError(`unknown variable ${name}`);
  return vars.get(name);
}

/**
 * Resolves variables and generators in a manifest value.
 *
 * @example
 * resolveValue({ seq: { $ref: "first" }, note: "in ${pool_dir}" }, new Map([["first", 3], ["pool_dir", "/tmp/p"]]))
 * // { seq: 3, note: "in /tmp/p" }
 */
export function resolveValue(value: unknown, vars: Vars): unknown {
  if (typeof value === "string")
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) =>
      String(lookup(vars, name)),
    );
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, vars));
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if ("$ref" in record) {
    if (typeof record.$ref !== "string") throw new ManifestValueError("$ref takes a name");
    return lookup(vars, record.$ref);
  }
  if ("$repeat" in record) {
    const { $repeat: unit, times } = record;
    if (typeof unit !== "string" || !Number.isSafeInteger(times) || (times as number) < 0)
      throw new ManifestValueError('$repeat takes {"$repeat": TEXT, "times": N}');
    return unit.repeat(times as number);
  }
  return Object.fromEntries(
    Object.entries(record).map(([key, item]) => [key, resolveValue(item, vars)]),
  );
}

/**
 * Reads `a.b.0.c` out of a value; undefined when any segment is missing.
 *
 * @example
 * valueAt({ message: { seq: 4 } }, "message.seq") // 4
 */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
