/**
 * `spool work POOL --group G [OPTIONS] -- CMD [ARGS...]`: a member of consumer group G that runs
 * CMD once per message (spec/cli/v0 §6.7): the envelope on stdin, the delivery in SPOOL_POOL,
 * SPOOL_GROUP, SPOOL_SEQ, SPOOL_ATTEMPT and SPOOL_MEMBER; exit 0 acks the message, anything else
 * nacks it with `exit code N` or `signal S` (and the child's last stderr line, when short).
 *
 * Invariants: every option is checked before anything is claimed (and the command is looked up
 * on PATH), so a typo costs no message an attempt; the group settings given (--max-attempts,
 * --dead-letter, --retention, --since for a new group) are stored with the first claim, those
 * omitted keep the group's; exit 0 when --max jobs finished or --timeout found nothing to do,
 * 128 + N after SIGINT/SIGTERM (the running jobs finish first; a second signal is passed on to
 * them), else the status of the error that stopped the worker.
 */
import { constants } from "node:os";
import {
  checkConsumerName,
  checkMember,
  type GroupSettings,
  type GroupStart,
  MAX_CLAIM,
  MAX_LEASE_MS,
} from "@spool/core";
import * as z from "zod/mini";
import { parseDuration } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { checkCommand } from "../lib/job-process.js";
import { notice } from "../lib/notices.js";
import { commandOptions } from "../lib/option-table.js";
import { POOL_OPERAND, REMOTE_OPTIONS, remoteAccess } from "../lib/shared-options.js";
import { openTarget, type PoolTarget } from "../lib/target.js";
import { WorkLoop } from "../lib/work-loop.js";

const OPTIONS = commandOptions(
  "work",
  { pool: POOL_OPERAND },
  {
    ...REMOTE_OPTIONS,
    group: { type: "string", describe: "The consumer group this worker is a member of (required)" },
    concurrency: {
      type: "number",
      int: true,
      min: 1,
      default: 1,
      describe: `Jobs run at once, 1–${MAX_CLAIM}`,
    },
    lease: {
      type: "string",
      default: "30s",
      describe:
        "How long a job may run before its message is given to another worker; renewed every half lease while it runs (1ms–24h)",
    },
    "retry-delay": {
      type: "string",
      describe: "A failed message is claimable again after this long (default 0)",
    },
    "max-attempts": {
      type: "number",
      int: true,
      min: 0,
      describe: "Group setting: deliveries before a message is given up (0 = unlimited)",
    },
    "dead-letter": {
      type: "string",
      describe: "Group setting: pool (same directory) that given-up messages are appended to",
    },
    retention: {
      type: "string",
      choices: ["lost", "block"],
      describe:
        "Group setting: unfinished messages the ring overwrites are lost, or appends are refused (Busy)",
    },
    since: {
      type: "string",
      describe:
        "Where a new group starts: oldest, new (default) or a seq (ignored for an existing group)",
    },
    member: { type: "string", describe: "This worker's member name (default HOST:PID)" },
    timeout: {
      type: "string",
      describe: "Exit 0 once no job ran and nothing was claimable for this long (5s, 1m)",
    },
    max: { type: "number", int: true, min: 0, describe: "Exit 0 after N jobs finished" },
  },
  // the command line after `--`
  { "--": z.array(z.string()) },
);

/** `--lease` and `--retry-delay`: a DURATION within the group's bounds. */
function leaseDuration(text: string, flag: string, min: number): number {
  const ms = parseDuration(text, flag);
  if (ms < min || ms > MAX_LEASE_MS) {
    throw usage(
      `${flag} must be from ${min === 0 ? "0" : "1ms"} to 24h (got ${JSON.stringify(text)})`,
      flag === "--lease"
        ? "give a lease longer than a job usually takes, such as 30s or 5m (it is renewed while the job runs)"
        : "give a delay such as 5s or 1m",
    );
  }
  return ms;
}

/** `--since oldest|new|SEQ`: where a new group starts. */
function groupStart(text: string): GroupStart {
  if (text === "oldest" || text === "new") return text;
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text)) && Number(text) >= 1)
    return Number(text);
  throw usage(
    `--since must be oldest, new or a seq ≥ 1 for a group (got ${JSON.stringify(text)})`,
    "a group starts at the oldest message kept, at the next new one, or at a seq",
  );
}

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse({
      ...raw,
      "--": ((raw["--"] as unknown[] | undefined) ?? []).map(String),
    });
    if (args.group === undefined) {
      throw usage("work needs --group NAME", "e.g. spool work jobs --group mailer -- ./send.sh");
    }
    const groupName = checkConsumerName(args.group, "group");
    const commandLine = args["--"];
    if (commandLine.length === 0) {
      throw usage(
        "work needs a command to run after --",
        "example: spool work jobs --group mailer -- ./send.sh",
      );
    }
    if (args.concurrency > MAX_CLAIM) {
      throw usage(
        `--concurrency must be from 1 to ${MAX_CLAIM} (got ${args.concurrency})`,
        "run more workers for more",
      );
    }
    const leaseMs = leaseDuration(args.lease, "--lease", 1);
    const retryDelayMs =
      args.retryDelay === undefined ? 0 : leaseDuration(args.retryDelay, "--retry-delay", 0);
    const idleMs =
      args.timeout === undefined ? undefined : parseDuration(args.timeout, "--timeout");
    const member = args.member === undefined ? undefined : checkMember(args.member);
    const settings: GroupSettings = {};
    if (args.since !== undefined) settings.since = groupStart(args.since);
    if (args.maxAttempts !== undefined) settings.maxAttempts = args.maxAttempts;
    if (args.deadLetter !== undefined) settings.deadLetter = args.deadLetter;
    if (args.retention !== undefined) settings.retention = args.retention as "lost" | "block";
    checkCommand(commandLine[0] as string);

    const target = await openTarget(args.pool, { dir: ctx.dir, remote: remoteAccess(args) });
    try {
      // Counted before the first claim creates the group; told once the run went well.
      const skipped = settings.since === undefined ? await newGroupSkips(target, groupName) : 0;
      const group = target.consumers().group(groupName, settings);
      const loop = new WorkLoop(
        {
          group,
          pool: target.name,
          poolRef: args.pool,
          command: commandLine,
          concurrency: args.concurrency,
          leaseMs,
          retryDelayMs,
          member,
          idleMs,
          max: args.max,
        },
        ctx.io,
      );
      const onSignal = (signal: NodeJS.Signals): void => loop.stop(signal);
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        await loop.run();
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      if (skipped > 0) noticeNewGroupSkips(ctx.io, target.name, groupName, args.pool, skipped);
      const signal = loop.stoppedBy;
      return signal === undefined ? 0 : 128 + (constants.signals[signal] ?? 0);
    } finally {
      target.close();
    }
  },
};

/** How many messages a group this run creates without `--since` leaves out (0 if it exists). */
async function newGroupSkips(target: PoolTarget, group: string): Promise<number> {
  const info = await target.info();
  return info.groups.some((g) => g.name === group) ? 0 : info.messageCount;
}

/**
 * A group created without `--since` starts at the next new message: say so when the pool held
 * messages it will never deliver (the user probably wanted `--since oldest`, which only counts
 * when the group is created).
 */
function noticeNewGroupSkips(
  io: Parameters<typeof notice>[0],
  pool: string,
  group: string,
  poolRef: string,
  skipped: number,
): void {
  notice(
    io,
    "group_new",
    { pool, group, since: "new", skipped },
    `group ${group} was created at the next new message: the ${skipped} messages already in ${pool} were not delivered (to work through them, run spool group delete ${poolRef} ${group}, then rerun with --since oldest)`,
  );
}
