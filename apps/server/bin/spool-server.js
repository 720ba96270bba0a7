#!/usr/bin/env node
// The deployable's `spool-server` bin: the whole launcher (flags, environment, config file,
// tokens, TLS, logs, signals) is the @spool/server package's; this file only hands it the command
// line and exits with its status.
import { runServerMain } from "@spool/server";

process.exit(await runServerMain(process.argv.slice(2)));
