/**
 * @spool/conformance: one set of JSON manifests (conformance/, format in
 * conformance/manifest-v0.md) run through every Spool surface by one runner, with per-step
 * expectations and cross-surface parity.
 *
 * Only this file is imported by other packages; everything else is internal.
 */
export { apiDriver } from "./drivers/api.js";
export { type CliDriverOptions, cliDriver, defaultSpoolBin } from "./drivers/cli.js";
export { type HttpDriverOptions, httpDriver } from "./drivers/http.js";
export { TAIL_IDLE_MS } from "./drivers/http-tail.js";
export { loadDriverModule } from "./drivers/load.js";
export type {
  Driver,
  DriverSession,
  DriverStep,
  Outcome,
  PathStyle,
  SessionContext,
} from "./drivers/types.js";
export {
  type LoadedManifest,
  loadManifests,
  ManifestError,
  parseManifest,
} from "./manifest/load.js";
export type { ErrorExpect, Expect, Manifest, Step } from "./manifest/schema.js";
export { type Normalised, normalise, servedPaths } from "./runner/normalise.js";
export type { ParityFailure } from "./runner/parity.js";
export type { StepRecord } from "./runner/session.js";
export {
  formatReport,
  runSuite,
  type SuiteOptions,
  type SuiteReport,
  stepLabel,
} from "./runner/suite.js";
