// checkKnownKeys / suggestKey: unknown names are Usage naming them; a suggestion is only ever an
// allowed name, and only when the right spelling is obvious.
import { describe, expect, test } from "vitest";
import { isSpoolError } from "./errors.js";
import { checkKnownKeys, suggestKey } from "./known-keys.js";

const TAIL = ["since_seq", "last", "max", "timeout_ms", "tag", "gap_policy"];

describe("suggestKey", () => {
  test.each([
    ["since", TAIL, "since_seq"],
    ["sinceSeq", TAIL, "since_seq"],
    ["tags", TAIL, "tag"],
    ["limit", TAIL, "max"],
    ["timeout", TAIL, "timeout_ms"],
    ["gap_polcy", TAIL, "gap_policy"],
    ["since_seq", ["since", "max"], "since"],
    ["timeout_ms", ["since", "timeoutMs"], "timeoutMs"],
    ["size", ["pool", "size_bytes"], "size_bytes"],
    ["tag", ["data", "tags"], "tags"],
  ])("%s among %j → %s", (name, allowed, expected) => {
    expect(suggestKey(name, allowed)).toBe(expected);
  });

  test.each([["expected_seq"], ["colour"], ["x"]])("%s → no suggestion", (name) => {
    expect(suggestKey(name, TAIL)).toBeUndefined();
  });

  test("a synonym with no allowed counterpart suggests nothing", () => {
    expect(suggestKey("limit", ["pool"])).toBeUndefined();
  });
});

describe("checkKnownKeys", () => {
  const context = { what: "query parameter", hint: "see the spec" };

  test("known keys pass", () => {
    expect(() => checkKnownKeys(["max", "tag"], TAIL, context)).not.toThrow();
  });

  test("the first unknown key is a Usage error naming it, with a suggestion and a hint", () => {
    let caught: unknown;
    try {
      checkKnownKeys(["max", "since", "other"], TAIL, context);
    } catch (error) {
      caught = error;
    }
    expect(isSpoolError(caught)).toBe(true);
    const error = caught as { kind: string; message: string; hint?: string };
    expect(error.kind).toBe("Usage");
    expect(error.message).toBe('unknown query parameter "since": did you mean since_seq?');
    expect(error.hint).toContain("use since_seq instead");
    expect(error.hint).toContain("known: since_seq, last");
  });

  test("a prefix is part of the name, and an empty allowlist says so", () => {
    expect(() =>
      checkKnownKeys(["seq"], [], { ...context, what: "body field", prefix: "messages[0]." }),
    ).toThrow(/unknown body field "messages\[0\]\.seq"$/);
  });
});
