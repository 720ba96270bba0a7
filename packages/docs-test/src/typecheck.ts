/**
 * Type-checks the `ts` blocks of Markdown files against the workspace's real exported API: each
 * block (after its `setup` directives, which may declare what a fragment takes from earlier
 * blocks) becomes one module in a temp directory inside this package, so `@spool/*` resolve to
 * the built workspace packages, and `tsc` checks them with a typical user's strict config.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { extractBlocks } from "./extract.js";
import { REPO_ROOT } from "./run-doc.js";

const PACKAGE_DIR = join(REPO_ROOT, "packages/docs-test");
const TSC = createRequire(join(PACKAGE_DIR, "package.json")).resolve("typescript/bin/tsc");

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2023", "DOM", "DOM.Iterable"],
    types: ["node"],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ["*.ts"],
};

export interface TypecheckResult {
  /** The blocks checked, as `file:line`. */
  checked: string[];
  /** tsc's exit status and output, with snippet names mapped back to `file:line`. */
  status: number;
  output: string;
}

export async function typecheckTsBlocks(files: string[]): Promise<TypecheckResult> {
  const dir = mkdtempSync(join(PACKAGE_DIR, ".snippets-"));
  const names = new Map<string, string>();
  try {
    for (const file of files) {
      for (const block of extractBlocks(readFileSync(file, "utf8"))) {
        if (block.lang !== "ts" || block.directives.skip !== undefined) continue;
        const where = `${relative(REPO_ROOT, file)}:${block.line}`;
        const name = `snippet${names.size + 1}.ts`;
        names.set(name, where);
        const source = [...block.directives.setup, block.code, "export {};", ""].join("\n");
        writeFileSync(join(dir, name), source);
      }
    }
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG));
    const { status, output } = await new Promise<{ status: number; output: string }>((done) =>
      execFile(
        process.execPath,
        [TSC, "-p", dir, "--pretty", "false"],
        { cwd: dir, timeout: 60_000 },
        (error, stdout, stderr) =>
          done({ status: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
    let mapped = output;
    for (const [name, where] of names) mapped = mapped.replaceAll(name, `${where} (${name})`);
    return { checked: [...names.values()], status, output: mapped };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
