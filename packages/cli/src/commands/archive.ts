/**
 * `spool archive POOL... --to postgres://...`: a long-running archiver of local pools into a
 * PostgreSQL archive (spec/archive/v0): one archiver per pool, each resuming at the archive's
 * watermark; SIGINT/SIGTERM stop it gracefully (the batch in hand is committed), exit 0.
 *
 * Invariants: safe to run twice at once and to kill at any instant (the archive's commits are
 * idempotent, with the watermark in the same transaction); the URL comes from --to, else
 * $SPOOL_ARCHIVE (TLS through the URL's sslmode/sslrootcert/sslcert/sslkey); notices on stderr
 * (JSON lines off a terminal): one `archiving` per pool start, `archive-gap` per gap recorded,
 * `archive-retry` per failure it recovers from; pg is loaded only by this command.
 */
import { ARCHIVE_ENV } from "../lib/archive-options.js";
import type { CommandModule } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { notice } from "../lib/notices.js";
import { commandOptions } from "../lib/option-table.js";

const OPTIONS = commandOptions(
  "archive",
  {
    pools: { type: "string", repeatable: true, describe: "Pool names or paths (local pools)" },
  },
  {
    to: {
      type: "string",
      describe:
        "The archive: postgres://USER@HOST:PORT/DB[?sslmode=verify-full&sslrootcert=CA.pem] (else $SPOOL_ARCHIVE)",
    },
    policy: {
      type: "string",
      choices: ["best-effort", "required"],
      default: "best-effort",
      describe:
        "When the archiver falls behind the ring: best-effort (the ring never waits; overwritten = archive gap) or required (appends are Busy instead)",
    },
    "batch-size": {
      type: "number",
      int: true,
      min: 1,
      describe: "Most messages per commit (default 2000)",
    },
  },
);

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const to = args.to ?? process.env[ARCHIVE_ENV];
    if (to === undefined || to === "") {
      throw usage(
        "spool archive needs the archive's URL",
        `pass --to postgres://USER@HOST:PORT/DB or set ${ARCHIVE_ENV}`,
      );
    }
    if (!/^postgres(ql)?:\/\//i.test(to)) {
      throw usage("--to must be a postgres:// URL", "e.g. --to postgres://spool@127.0.0.1/spool");
    }
    if (args.pools.some((ref) => ref.includes("://"))) {
      throw usage(
        "spool archive takes local pools (names or paths)",
        "run the archiver where the pool files live (or `spool serve --archive URL --archive-pools …` there)",
      );
    }
    const { runArchive } = await import("@spool/archive");
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      await runArchive({
        pools: args.pools,
        dir: ctx.dir,
        connection: to,
        batchSize: args.batchSize,
        policy: args.policy as "best-effort" | "required",
        signal: stop.signal,
        onEvent: (event) => {
          if (event.type === "started") {
            notice(
              ctx.io,
              "archiving",
              { pool: event.pool, watermark: event.watermark },
              `${event.pool} from seq ${event.watermark + 1}`,
            );
          } else if (event.type === "gap") {
            notice(
              ctx.io,
              "archive-gap",
              { pool: event.pool, from: event.from, to: event.to, count: event.count },
              `${event.pool}: ${event.count} messages (${event.from}..${event.to}) were overwritten before they were archived`,
            );
          } else if (event.type === "retry") {
            const message =
              event.error instanceof Error ? event.error.message : String(event.error);
            notice(
              ctx.io,
              "archive-retry",
              { pool: event.pool, message, delay_ms: event.delayMs },
              `${event.pool}: ${message}; retrying in ${event.delayMs} ms`,
            );
          }
        },
      });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return 0;
  },
};
