/**
 * Test helpers: the repo's manifest directory, inline manifests, and driver wrappers that break
 * one result on purpose (to show the runner catches it).
 *
 * Invariants: wrappers change exactly the results they are told to and pass everything else
 * through; inline manifests go through the same loader as files.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Driver, DriverStep, Outcome } from "../src/drivers/types.js";
import type { LoadedManifest } from "../src/manifest/load.js";
import { parseManifest } from "../src/manifest/load.js";

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const MANIFEST_DIR = join(PACKAGE_DIR, "..", "..", "conformance");

/** A manifest given as an object, loaded as if from `file`. */
export function inline(manifest: object, file = "inline.json"): LoadedManifest {
  return { file, manifest: parseManifest(JSON.stringify(manifest), file) };
}

/** `driver` under another name, with `edit` applied to every outcome of `op`. */
export function tamper(
  driver: Driver,
  name: string,
  op: string,
  edit: (outcome: Outcome, step: DriverStep) => Outcome,
): Driver {
  return {
    name,
    async open(context) {
      const session = await driver.open(context);
      return {
        async run(step) {
          const outcome = await session.run(step);
          return step.op === op ? edit(outcome, step) : outcome;
        },
        close: () => session.close(),
      };
    },
  };
}
