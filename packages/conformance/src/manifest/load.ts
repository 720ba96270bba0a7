/**
 * Loading manifests from files and directories: JSON parse, schema check, and the cross-step
 * rules the schema cannot express.
 *
 * Invariants: a manifest that does not load is an error naming the file and the problem (never
 * a silently empty suite); manifests of a directory load in file-name order; step ids are unique
 * within a manifest and `requires` only names earlier steps; a tail names where it starts, unless
 * it follows a durable cursor.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { type Manifest, ManifestSchema } from "./schema.js";

/** A manifest together with the file it came from. */
export interface LoadedManifest {
  file: string;
  manifest: Manifest;
}

/** A manifest file that is not valid JSON or not a valid v0 manifest. */
export class ManifestError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = "ManifestError";
  }
}

/**
 * Parses and validates one manifest's text.
 *
 * @example
 * const m = parseManifest('{"conformance_version":0,"name":"x","steps":[...]}', "x.json");
 */
export function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, `not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") : "";
    throw new ManifestError(file, `not a v0 manifest: ${where} ${issue?.message ?? ""}`.trim());
  }
  const seen = new Set<string>();
  parsed.data.steps.forEach((step, index) => {
    if (seen.has(step.id)) throw new ManifestError(file, `step ${index}: duplicate id ${step.id}`);
    for (const required of step.requires ?? []) {
      if (!seen.has(required)) {
        throw new ManifestError(
          file,
          `step ${index} (${step.id}): requires ${required}, which is not an earlier step`,
        );
      }
    }
    if (step.op === "tail") {
      const input = step.input ?? {};
      // A cursor tail starts after the cursor (a new one at the next new message): no start needed.
      const started =
        input.since !== undefined || input.last !== undefined || input.since_time !== undefined;
      if (!started && input.cursor === undefined) {
        throw new ManifestError(
          file,
          `step ${index} (${step.id}): a tail needs "since", "since_time" or "last" (conformance tails stop when caught up)`,
        );
      }
    }
    seen.add(step.id);
  });
  return parsed.data;
}

/**
 * Loads manifests from files or directories (every `*.json` directly inside, sorted by name).
 *
 * @example
 * const manifests = loadManifests(["conformance"]);
 */
export function loadManifests(paths: readonly string[]): LoadedManifest[] {
  const files: string[] = [];
  for (const given of paths) {
    const path = resolve(given);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (error) {
      throw new ManifestError(path, `cannot read: ${(error as Error).message}`);
    }
    if (isDir) {
      for (const name of readdirSync(path).sort()) {
        if (name.endsWith(".json")) files.push(join(path, name));
      }
    } else files.push(path);
  }
  if (files.length === 0) throw new ManifestError(paths.join(", "), "no manifest (*.json) found");
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ManifestError(file, `cannot read: ${(error as Error).message}`);
    }
    return { file, manifest: parseManifest(text, basename(file)) };
  });
}
