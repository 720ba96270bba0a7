/**
 * Loading a driver from a module file (`--driver-module`): how other implementations and new
 * surfaces plug into the runner without changing it.
 *
 * Invariants: the module's default export is a Driver or a (possibly async) function returning
 * one (a named export `driver` also works); anything else is refused with an error naming the
 * module and what it exported.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Driver } from "./types.js";

function isDriver(value: unknown): value is Driver {
  const d = value as Partial<Driver> | null;
  return !!d && typeof d === "object" && typeof d.name === "string" && typeof d.open === "function";
}

/**
 * Imports a driver module.
 *
 * @example
 * const driver = await loadDriverModule("./my-driver.mjs");
 */
export async function loadDriverModule(path: string): Promise<Driver> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as {
    default?: unknown;
    driver?: unknown;
  };
  let candidate = mod.default ?? mod.driver;
  if (typeof candidate === "function") candidate = await (candidate as () => unknown)();
  if (!isDriver(candidate)) {
    throw new Error(
      `${path}: a driver module must export (as default or \`driver\`) an object {name, open} or a function returning one`,
    );
  }
  return candidate;
}
