#!/usr/bin/env node
// The `spool-conformance` bin: a committed launcher that runs the bundled runner in dist/.
import "../dist/cli.js";
