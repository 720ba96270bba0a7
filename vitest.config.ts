// Root vitest configuration: every workspace package is a project with its own config. Project
// configs do not inherit this file's options, so each one sets the `@spool/source` resolve
// conditions itself (workspace imports then run against src/, without a build).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
