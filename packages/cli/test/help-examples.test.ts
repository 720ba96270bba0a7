// Every command's --help ends with examples, and every example stays true to the command: it
// starts with the command's words and uses only flags the command's help lists.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_GROUPS, COMMANDS } from "../src/commands/registry.js";
import { run } from "./helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "spool-help-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const entries = [...COMMAND_GROUPS.flatMap((g) => g.commands), ...COMMANDS].filter(
  (entry) => !entry.hidden,
);

describe("examples in --help", () => {
  it.each(entries.map((entry) => [entry.path.join(" "), entry] as const))(
    "spool %s --help shows its examples, which use only its own flags",
    async (name, entry) => {
      const examples = entry.examples ?? [];
      expect(examples.length, `${name} has no examples`).toBeGreaterThan(0);
      const help = await run(dir, [...entry.path, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Examples:");
      for (const [line] of examples) {
        expect(line.startsWith(`spool ${name}`), line).toBe(true);
        const beforeDashes = line.split(" -- ")[0] as string;
        for (const flag of beforeDashes.match(/(?<=\s)--[a-z][a-z-]*/g) ?? [])
          expect(help.stdout, `${line}: ${flag}`).toMatch(new RegExp(`\\s${flag}\\s`));
      }
    },
  );
});
