/**
 * Global setup of the JetStream tests: says once per run, loudly, when nats-server is missing
 * (the suites then skip), and fails the run in CI (`CI=true`), so CI always runs them.
 */
import { MISSING_LINE, NATS_SERVER } from "./nats-fixture.js";

export default function setup(): void {
  if (NATS_SERVER !== undefined) return;
  if (process.env.CI === "true") throw new Error(`${MISSING_LINE} (CI=true: this is a failure)`);
  console.warn(MISSING_LINE);
}
