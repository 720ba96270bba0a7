#!/usr/bin/env node
// The `spool-server` bin: a committed launcher (so package managers can link it before the first
// build) that runs the server's main with the command line and exits with its status.
import { runServerMain } from "../dist/index.js";

process.exit(await runServerMain(process.argv.slice(2)));
