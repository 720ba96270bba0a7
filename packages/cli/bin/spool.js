#!/usr/bin/env node
// The `spool` bin: a committed launcher, so package managers can link the bin before the first
// build, that runs the bundled CLI in dist/.
import "../dist/cli.js";
