/**
 * JSON values as `where` expressions see them: jq's types, truthiness, total order, equality
 * and the text of a value in error messages.
 *
 * Invariants: values are plain JSON (null, booleans, finite or non-finite numbers, strings,
 * arrays, objects); objects built by expressions have no prototype, so no key (`__proto__`,
 * `constructor`) is ever special; object lookups use own properties only; the order is jq's:
 * null < false < true < numbers < strings (by code point) < arrays (element-wise) < objects
 * (sorted key lists first, then the values key by key).
 */
import { WhereBudgetError } from "./errors.js";

/**
 * The budget of the evaluation in progress (index.ts sets it around one message): comparing and
 * serializing values walk them, and a value built by sharing (`[., .]` repeated) can hold far
 * more nodes than its size suggests, so those walks spend from it too.
 */
let meter: { fuel: number; readonly maxSize: number } | null = null;

export function setMeter(m: { fuel: number; readonly maxSize: number } | null): void {
  meter = m;
}

/** Spends `n` 256ths of a step from the current evaluation's fuel. */
function tick(n = 1): void {
  if (meter === null) return;
  meter.fuel -= n / 256;
  if (meter.fuel < 0) throw new WhereBudgetError("the expression ran out of its step budget");
}

export type JsonType = "null" | "boolean" | "number" | "string" | "array" | "object";
export type JsonObject = Record<string, unknown>;

export function typeOf(v: unknown): JsonType {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  const t = typeof v;
  if (t === "boolean" || t === "number" || t === "string") return t;
  return "object";
}

export const isObject = (v: unknown): v is JsonObject => typeOf(v) === "object";

export const truthy = (v: unknown): boolean => v !== false && v !== null && v !== undefined;

/** A new object without a prototype. */
export function newObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

export function hasKey(o: JsonObject, k: string): boolean {
  return Object.hasOwn(o, k);
}

export function getKey(o: JsonObject, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : null;
}

/** Code point order of two strings (UTF-16 `<` differs above U+FFFF). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const RANK: Record<JsonType, number> = {
  null: 0,
  boolean: 1,
  number: 3,
  string: 4,
  array: 5,
  object: 6,
};

function rank(v: unknown): number {
  return v === true ? 2 : RANK[typeOf(v)];
}

export function sortedKeys(o: JsonObject): string[] {
  const ks = Object.keys(o);
  tick(ks.length * Math.ceil(Math.log2(ks.length + 1)));
  // without surrogates, UTF-16 order is code point order, and the native sort is much faster
  return ks.some((k) => /[\uD800-\uDFFF]/.test(k)) ? ks.sort(compareStrings) : ks.sort();
}

/** jq's total order: negative, zero or positive. */
export function compare(a: unknown, b: unknown): number {
  tick(4);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (typeOf(a)) {
    case "number": {
      const x = a as number;
      const y = b as number;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "string":
      if (a !== b) tick(Math.min((a as string).length, (b as string).length) / 2);
      return compareStrings(a as string, b as string);
    case "array": {
      const x = a as unknown[];
      const y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
    }
    case "object": {
      const x = a as JsonObject;
      const y = b as JsonObject;
      const kx = sortedKeys(x);
      const ky = sortedKeys(y);
      const c = compare(kx, ky);
      if (c !== 0) return c;
      for (const k of kx) {
        const d = compare(x[k], y[k]);
        if (d !== 0) return d;
      }
      return 0;
    }
    default:
      return 0;
  }
}

export const equal = (a: unknown, b: unknown): boolean => compare(a, b) === 0;

/** JSON text of a value (jq's `tojson`; non-finite numbers as jq prints them). */
export function toJson(v: unknown): string {
  let size = 0;
  return JSON.stringify(v, (k, x: unknown) => {
    if (meter !== null) {
      size += 1 + k.length + (typeof x === "string" ? x.length : 0);
      tick(8 + k.length / 4 + (typeof x === "string" ? x.length / 4 : 0));
      if (size > meter.maxSize) {
        throw new WhereBudgetError(`a value grew past the size limit (${meter.maxSize} elements)`);
      }
    }
    return typeof x === "number" && !Number.isFinite(x)
      ? Number.isNaN(x)
        ? null
        : x > 0
          ? 1.7976931348623157e308
          : -1.7976931348623157e308
      : x;
  }) as string;
}

/** The first characters (about `max`) of a value's JSON text, without serializing all of it. */
export function jsonPrefix(v: unknown, max: number): string {
  let out = "";
  const walk = (x: unknown): void => {
    if (out.length > max) return;
    if (Array.isArray(x)) {
      out += "[";
      x.forEach((y, i) => {
        if (out.length > max) return;
        if (i > 0) out += ",";
        walk(y);
      });
      out += "]";
    } else if (isObject(x)) {
      out += "{";
      Object.keys(x).forEach((k, i) => {
        if (out.length > max) return;
        out += `${i > 0 ? "," : ""}${JSON.stringify(k.slice(0, max + 1))}:`;
        walk(x[k]);
      });
      out += "}";
    } else if (typeof x === "string") out += JSON.stringify(x.slice(0, max + 1));
    else out += toJson(x);
  };
  walk(v);
  return out;
}

/** `type (value)` as jq's error messages show a value, its text cut to 11 characters. */
export function describe(v: unknown): string {
  let text = jsonPrefix(v, 12);
  if (text.length > 11) text = `${text.slice(0, 10)}...`;
  return `${typeOf(v)} (${text})`;
}
