// The option tables: one entry generates the yargs option and the zod validation, with the same
// names, aliases, defaults and choices; and the one rule that resolves the output flags.

import { describe, expect, it } from "vitest";
import yargs from "yargs";
import { camel, commandOptions, spellings, withOptions } from "../src/lib/option-table.js";
import { DOCUMENT_OUTPUT, outputFormat, STREAM_OUTPUT } from "../src/lib/output-format.js";
import { TAIL_OPTION } from "../src/lib/shared-options.js";

const spec = commandOptions(
  "demo",
  { pool: { type: "string", describe: "Pool" } },
  {
    tail: TAIL_OPTION,
    "create-size": { type: "string", describe: "Size" },
    quiet: { type: "boolean", alias: ["q"], describe: "Quiet" },
    tag: { type: "string", alias: ["t"], repeatable: true, describe: "Tag" },
    gap: {
      type: "string",
      alias: ["gap-policy"],
      choices: ["continue", "error"],
      default: "continue",
      describe: "Gap",
    },
  },
);

function parsed(words: string[]): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  yargs(words)
    .parserConfiguration({ "strip-dashed": true, "strip-aliased": true })
    .command("$0 <pool>", "demo", (y) => spec.builder(y))
    .parse(words, {}, (_e, argv) => {
      out = argv as Record<string, unknown>;
    });
  return out;
}

describe("option tables", () => {
  it("camel-cases flag names as yargs does", () => {
    expect(camel("create-size")).toBe("createSize");
    expect(camel("tls-skip-verify")).toBe("tlsSkipVerify");
  });

  it("fills defaults: booleans false, repeatables [], choices their default", () => {
    expect(spec.parse(parsed(["p"]))).toEqual({
      pool: "p",
      tail: undefined,
      createSize: undefined,
      quiet: false,
      tag: [],
      gap: "continue",
    });
  });

  it("accepts every alias as the option itself", () => {
    const args = spec.parse(
      parsed(["p", "--last", "3", "-q", "-t", "a", "--tag", "b", "--gap-policy", "error"]),
    );
    expect(args).toMatchObject({ tail: 3, quiet: true, tag: ["a", "b"], gap: "error" });
    expect(spec.parse(parsed(["p", "-n", "2"])).tail).toBe(2);
  });

  it("validates with the entry's rules and names the flag as typed", () => {
    expect(() => spec.parse({ ...parsed(["p"]), tail: -1 })).toThrow(/--tail must be ≥ 0/);
    expect(() => spec.parse({ ...parsed(["p"]), tail: 1.5 })).toThrow(
      /--tail must be a whole number/,
    );
    expect(() => spec.parse({ ...parsed(["p"]), gap: "stop" })).toThrow(
      /--gap must be one of continue, error/,
    );
  });

  it("lists every spelling of an option with its key", () => {
    const map = spellings(spec.options);
    expect(map.get("last")).toBe("tail");
    expect(map.get("n")).toBe("tail");
    expect(map.get("gap-policy")).toBe("gap");
    expect(map.get("create-size")).toBe("createSize");
  });

  it("registers the table on yargs with aliases, choices and defaults", () => {
    const options = (
      withOptions(yargs([]), spec.options) as unknown as {
        getOptions(): {
          alias: Record<string, string[]>;
          choices: Record<string, string[]>;
          default: Record<string, unknown>;
          boolean: string[];
        };
      }
    ).getOptions();
    expect(options.alias.tail).toEqual(["n", "last"]);
    expect(options.alias.gap).toEqual(["gap-policy"]);
    expect(options.choices.gap).toEqual(["continue", "error"]);
    expect(options.default.quiet).toBe(false);
    expect(options.default.tag).toEqual([]);
    expect(options.boolean).toContain("quiet");
  });
});

describe("output flags", () => {
  const none = { format: undefined, jsonl: false, json: false };

  it("uses the command's default without flags", () => {
    expect(outputFormat(none, "stream", "pretty")).toBe("pretty");
    expect(outputFormat(none, "document", "jsonl")).toBe("jsonl");
  });

  it("reads --jsonl as jsonl and --json by the kind of output", () => {
    expect(outputFormat({ ...none, jsonl: true }, "document", "pretty")).toBe("jsonl");
    expect(outputFormat({ ...none, json: true }, "document", "pretty")).toBe("json");
    expect(outputFormat({ ...none, json: true }, "stream", "pretty")).toBe("jsonl");
    expect(outputFormat({ ...none, json: true, jsonl: true }, "stream", "pretty")).toBe("jsonl");
    expect(outputFormat({ ...none, format: "json", json: true }, "document", "pretty")).toBe(
      "json",
    );
  });

  it("refuses flags that ask for different formats", () => {
    expect(() =>
      outputFormat({ ...none, format: "pretty", jsonl: true }, "stream", "pretty"),
    ).toThrow(/--format pretty and --jsonl ask for different output formats/);
    expect(() => outputFormat({ ...none, json: true, jsonl: true }, "document", "pretty")).toThrow(
      /different output formats/,
    );
  });

  it("offers json only where a command prints one document", () => {
    expect(STREAM_OUTPUT.format.choices).toEqual(["pretty", "jsonl"]);
    expect(DOCUMENT_OUTPUT.format.choices).toEqual(["pretty", "jsonl", "json"]);
  });
});
