/**
 * The cli driver's durable-consumer ops (manifest-v0.md §3.1), spelled with the CLI's own
 * commands (spec/cli/v0 §6.5–6.7): `spool cursor show|list|reset|delete --json`,
 * `spool group show|list|delete --json`, and `spool work` for a `group_work` worker, whose job is
 * this Node running a tiny script that reports the delivery it was given and exits as the step
 * says.
 *
 * Invariants: what the CLI has no command for (a cursor ack on its own; a group's ensure, claim,
 * ack, nack and extend outside a worker) is skipped with the reason, never emulated; documents
 * are checked for the documented key order (spec/http/v0 §3.3–3.4, which the CLI prints); a
 * worker runs one job at a time with `--timeout 0`, so it ends when nothing is claimable, like
 * the other surfaces' worker loop; the job's envelope is the exact line `spool work` put on its
 * stdin (byte parity).
 */
import type { RunResult } from "../process.js";
import { CURSOR_INFO_KEYS, GROUP_INFO_KEYS } from "../runner/shapes.js";
import { checkKeyOrder, cliOutcome, jsonLines } from "./cli-output.js";
import { workInput } from "./consumer-inputs.js";
import type { Outcome } from "./types.js";

/** Runs `spool` with these arguments (and stdin). */
export type Spool = (args: readonly string[], input?: string) => Promise<RunResult>;

/**
 * The job `spool work` runs for a `group_work` step: it prints one JSON line with the delivery
 * (`SPOOL_SEQ`, `SPOOL_ATTEMPT`) and the envelope line it read on stdin, then exits with the
 * status given as its argument.
 */
const JOB_SCRIPT = [
  'let s="";',
  'process.stdin.setEncoding("utf8");',
  'process.stdin.on("data",(d)=>{s+=d});',
  'process.stdin.on("end",()=>{',
  "const e=process.env;",
  'process.stdout.write(JSON.stringify({seq:Number(e.SPOOL_SEQ),attempt:Number(e.SPOOL_ATTEMPT),line:s.replace(/\\n$/,"")})+"\\n",',
  "()=>{process.exitCode=Number(process.argv[1])});",
  "});",
].join("");

const skip = (reason: string): Outcome => ({ status: "skipped", reason });

const NO_CLAIM =
  "the CLI has no command that claims without running a job: `spool work` claims, runs the job and acks or nacks (op group_work)";

function document(out: string, key: string, order: readonly string[]): unknown {
  const doc = JSON.parse(out) as Record<string, unknown>;
  if (!(key in doc)) throw new Error(`no \`${key}\` member`);
  const value = doc[key];
  for (const item of Array.isArray(value) ? value : [value]) checkKeyOrder(item, order, key);
  return value;
}

/**
 * Runs consumer op `op` with the CLI; undefined when `op` is not a consumer op.
 *
 * @example
 * const outcome = await cliConsumerOp(spool, "cursor_info", "p", { cursor: "indexer" });
 */
export async function cliConsumerOp(
  spool: Spool,
  op: string,
  ref: string,
  input: Record<string, unknown>,
): Promise<Outcome | undefined> {
  const cursor = String(input.cursor);
  const group = String(input.group);
  switch (op) {
    case "cursor_info":
      return cliOutcome(await spool(["cursor", "show", ref, cursor, "--json"]), (out) => ({
        cursor: document(out, "cursor", CURSOR_INFO_KEYS),
      }));
    case "cursor_list":
      return cliOutcome(await spool(["cursor", "list", ref, "--json"]), (out) => ({
        cursors: document(out, "cursors", CURSOR_INFO_KEYS),
      }));
    case "cursor_reset": {
      if (input.seq !== undefined && input.time !== undefined)
        return skip("the CLI's cursor reset takes one --since: a seq or a time, not both");
      const to = input.seq ?? input.time;
      const args = ["cursor", "reset", ref, cursor, "--json"];
      if (to !== undefined) args.push(`--since=${String(to)}`);
      return cliOutcome(await spool(args), (out) => ({
        cursor: document(out, "cursor", CURSOR_INFO_KEYS),
      }));
    }
    case "cursor_delete":
      return cliOutcome(await spool(["cursor", "delete", ref, cursor, "--json"]), (out) => ({
        cursor: document(out, "deleted", CURSOR_INFO_KEYS),
      }));
    case "cursor_ack":
      return skip(
        "the CLI has no cursor ack command: follow --cursor acks what it printed (a tail with auto_ack)",
      );
    case "group_info":
      return cliOutcome(await spool(["group", "show", ref, group, "--json"]), (out) => ({
        group: document(out, "group", GROUP_INFO_KEYS),
      }));
    case "group_list":
      return cliOutcome(await spool(["group", "list", ref, "--json"]), (out) => ({
        groups: document(out, "groups", GROUP_INFO_KEYS),
      }));
    case "group_delete":
      return cliOutcome(await spool(["group", "delete", ref, group, "--json"]), (out) => ({
        group: document(out, "deleted", GROUP_INFO_KEYS),
      }));
    case "group_work":
      return work(spool, ref, input);
    case "group_ensure":
      return skip(
        "the CLI has no command that only creates a group: spool work stores the settings with its first claim",
      );
    case "group_claim":
    case "group_ack":
    case "group_nack":
    case "group_extend":
      return skip(NO_CLAIM);
    default:
      return undefined;
  }
}

/** `spool work` with one job at a time, ending when nothing is claimable. */
async function work(spool: Spool, ref: string, input: Record<string, unknown>): Promise<Outcome> {
  const plan = workInput(input);
  const args = ["work", ref, `--group=${String(plan.group)}`, "--timeout=0", "--concurrency=1"];
  args.push(`--lease=${plan.leaseMs}ms`);
  if (plan.retryDelayMs > 0) args.push(`--retry-delay=${plan.retryDelayMs}ms`);
  if (plan.member !== undefined) args.push(`--member=${String(plan.member)}`);
  if (plan.max !== undefined) args.push(`--max=${plan.max}`);
  if (input.since !== undefined) args.push(`--since=${String(input.since)}`);
  if (input.max_attempts !== undefined) args.push(`--max-attempts=${String(input.max_attempts)}`);
  if (input.dead_letter !== undefined) {
    if (input.dead_letter === null)
      return skip(
        "the CLI's work cannot remove a group's dead-letter pool (no --dead-letter none)",
      );
    args.push(`--dead-letter=${String(input.dead_letter)}`);
  }
  if (input.retention !== undefined) args.push(`--retention=${String(input.retention)}`);
  args.push("--", process.execPath, "-e", JOB_SCRIPT, String(plan.exit));
  const run = await spool(args);
  const outcome = cliOutcome(run, (out) => {
    const reports = jsonLines(out) as { seq?: unknown; attempt?: unknown; line?: unknown }[];
    for (const r of reports)
      if (typeof r?.line !== "string") throw new Error(`not a job report: ${JSON.stringify(r)}`);
    return {
      jobs: reports.map((r) => ({ seq: r.seq, attempt: r.attempt })),
      lines: reports.map((r) => r.line as string),
    };
  });
  if (outcome.status !== "ok" || outcome.result === null) return outcome;
  const { jobs, lines } = outcome.result as { jobs: unknown[]; lines: string[] };
  return { ...outcome, result: { jobs }, lines };
}
