/**
 * The `cli` driver: runs each step as a `spool` child process (the built packages/cli bin, or
 * any command given) with `--dir POOL_DIR`, stdin/stdout/stderr as pipes (so machine output:
 * JSON receipts, JSONL messages, the one-line error envelope), and reads its result per
 * spec/cli/v0.
 *
 * Invariants: every process is bounded in time and killed when it overruns; the developer's
 * SPOOL_DIR, colour and debug settings never leak in; conformance tails map to
 * `follow --replay 0` (stop when caught up), whose missing `--max` is emulated by keeping the
 * first N lines (a step the CLI cannot express is `skipped`, with why); concurrent writers are
 * `spool feed` processes fed one line at a time in lockstep (src/lockstep.ts); a cursor tail is
 * `follow --cursor NAME --no-follow` (which acks what it printed), the other consumer ops are the
 * cursor, group and work commands (cli-consumers.ts).
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PRODUCER_ID_PATTERN } from "@spool/core";
import { lockstep } from "../lockstep.js";
import { runProcess } from "../process.js";
import { POOL_INFO_KEYS } from "../runner/shapes.js";
import { cliConsumerOp } from "./cli-consumers.js";
import { checkKeyOrder, cliOutcome, envelopeLines, receiptLines } from "./cli-output.js";
import {
  batchInput,
  concurrentInput,
  hexBytes,
  optionalNumber,
  producerFields,
  producerInput,
} from "./inputs.js";
import type { Driver, DriverSession, DriverStep, Outcome, SessionContext } from "./types.js";

export interface CliDriverOptions {
  /**
   * The command that runs `spool`: an executable and leading arguments. Default: this Node
   * running the `spool` package's bin (packages/cli/bin/spool.js). A `.js`/`.mjs` file alone
   * is run with this Node.
   */
  command?: readonly string[];
  /** Per-process time limit (default 30 s). */
  timeoutMs?: number;
  /** The driver's name in reports and `surfaces` (default `cli`). */
  name?: string;
}

/**
 * The built `spool` bin of the workspace's `spool` package.
 *
 * @example
 * cliDriver({ command: [process.execPath, defaultSpoolBin()] });
 */
export function defaultSpoolBin(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("spool/package.json");
  const bin = (require(manifestPath) as { bin: Record<string, string> }).bin.spool;
  if (bin === undefined) throw new Error("the spool package declares no `spool` bin");
  return join(dirname(manifestPath), bin);
}

function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ["SPOOL_DIR", "NO_COLOR", "FORCE_COLOR", "SPOOL_DEBUG", "SPOOL_NO_WATCH"])
    delete env[key];
  return env;
}

const tagArgs = (tags: unknown): string[] =>
  Array.isArray(tags) ? tags.map((t) => `--tag=${String(t)}`) : [];

/** The longest DATA passed as an argument; longer text goes through stdin. */
const INLINE_MAX = 64 * 1024;

/** `outcome` with the CLI's stdout lines (the first `max`) as its envelope lines, when it is ok. */
function withLines(outcome: Outcome, stdout: string, max: number | undefined): Outcome {
  if (outcome.status !== "ok" || outcome.result === null) return outcome;
  const lines = stdout.split("\n").filter((line) => line !== "");
  return { ...outcome, lines: max === undefined ? lines : lines.slice(0, max) };
}

function single<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected one ${what}, got ${items.length}`);
  return items[0] as T;
}

class CliSession implements DriverSession {
  readonly #command: readonly string[];
  readonly #timeoutMs: number;
  readonly #dir: string;
  readonly #env = baseEnv();

  constructor(command: readonly string[], timeoutMs: number, dir: string) {
    this.#command = command;
    this.#timeoutMs = timeoutMs;
    this.#dir = dir;
  }

  spool(args: readonly string[], input?: string | Uint8Array) {
    const [exe, ...lead] = this.#command;
    return runProcess(exe as string, [...lead, "--dir", this.#dir, ...args], {
      env: this.#env,
      timeoutMs: this.#timeoutMs,
      ...(input === undefined ? {} : { input }),
    });
  }

  async run(step: DriverStep): Promise<Outcome> {
    const { input } = step;
    const ref = step.pool ?? "";
    switch (step.op) {
      case "create": {
        const args = ["pool", "create", ref, "--json"];
        if (input.size !== undefined) args.push("--size", String(input.size));
        if (input.index_capacity !== undefined)
          args.push("--index-capacity", String(input.index_capacity));
        return cliOutcome(await this.spool(args), (out) => {
          const pool = single((JSON.parse(out) as { pools: unknown[] }).pools, "pool in {pools}");
          checkKeyOrder(pool, POOL_INFO_KEYS, "PoolInfo");
          return { pool };
        });
      }
      case "info":
        return cliOutcome(await this.spool(["pool", "info", ref, "--json"]), (out) => {
          const doc = JSON.parse(out) as { pool?: unknown };
          if (doc.pool === undefined) throw new Error("no `pool` member");
          checkKeyOrder(doc.pool, POOL_INFO_KEYS, "PoolInfo");
          return { pool: doc.pool };
        });
      case "list":
        return cliOutcome(await this.spool(["pool", "list", "--json"]), (out) => {
          const doc = JSON.parse(out) as { pools: unknown[] };
          for (const entry of doc.pools ?? []) checkKeyOrder(entry, POOL_INFO_KEYS, "PoolInfo");
          return doc;
        });
      case "delete": {
        const args = [
          "pool",
          "delete",
          ref,
          "--json",
          ...(input.force === true ? ["--force"] : []),
        ];
        return cliOutcome(await this.spool(args), (out) => {
          single((JSON.parse(out) as { deleted: unknown[] }).deleted, "entry in {deleted}");
          return { ok: true };
        });
      }
      case "append": {
        if (producerInput(input) !== undefined) {
          if (typeof input.json === "string" || typeof input.json_hex === "string")
            return { status: "skipped", reason: "the cli driver feeds a producer's data as JSONL" };
          const tags = input.tags as string[] | undefined;
          return this.producerFeed(
            step,
            [tags === undefined ? { data: input.data } : { data: input.data, tags }],
            true,
          );
        }
        const text = typeof input.json === "string" ? input.json : JSON.stringify(input.data);
        const bytes = typeof input.json_hex === "string" ? hexBytes(input.json_hex) : undefined;
        if (text === undefined && bytes === undefined)
          return { status: "skipped", reason: "the CLI needs data to feed" };
        // Raw bytes, and text too long for one argument (Linux caps one at 128 KiB), go through
        // stdin as one `--in json` record; the rest is the inline DATA.
        const viaStdin = bytes !== undefined || (text as string).length > INLINE_MAX;
        const args = viaStdin
          ? ["feed", ref, "--file", "-", "--in", "json", ...tagArgs(input.tags)]
          : ["feed", ref, text as string, ...tagArgs(input.tags)];
        if (input.durability !== undefined) args.push("--durability", String(input.durability));
        if (input.expected_last_seq !== undefined)
          args.push("--if-last-seq", String(input.expected_last_seq));
        const run = await this.spool(args, viaStdin ? (bytes ?? text) : undefined);
        return cliOutcome(run, (out) => ({
          message: single(receiptLines(out), "receipt line"),
        }));
      }
      case "append_batch": {
        const { messages, durability, expectedLastSeq, producer } = batchInput(input);
        if (producer !== undefined) return this.producerFeed(step, messages, false);
        const tags = JSON.stringify(messages[0]?.tags ?? []);
        if (messages.some((m) => JSON.stringify(m.tags ?? []) !== tags))
          return { status: "skipped", reason: "the CLI tags every message of one feed alike" };
        const args = ["feed", ref, "--file", "-", "--in", "jsonl", ...tagArgs(messages[0]?.tags)];
        if (durability !== undefined) args.push("--durability", durability);
        if (expectedLastSeq !== undefined) args.push("--if-last-seq", String(expectedLastSeq));
        const lines = messages.map((m) => `${JSON.stringify(m.data)}\n`).join("");
        return cliOutcome(await this.spool(args, lines), (out) => ({
          messages: receiptLines(out),
        }));
      }
      case "get": {
        const run = await this.spool(["fetch", ref, String(input.seq)]);
        return withLines(
          cliOutcome(run, (out) => {
            if (!out.endsWith("\n") || out.indexOf("\n") !== out.length - 1)
              throw new Error(`fetch must print exactly one line, printed ${JSON.stringify(out)}`);
            return { message: single(envelopeLines(out), "envelope line") };
          }),
          run.stdout,
          1,
        );
      }
      case "producer_state":
        return this.producerState(ref, input.id);
      case "tail":
        return this.tail(ref, input);
      case "concurrent_append":
        return this.concurrent(ref, input);
      default:
        return (
          (await cliConsumerOp((args, stdin) => this.spool(args, stdin), step.op, ref, input)) ?? {
            status: "skipped",
            reason: `the cli driver does not know op ${step.op}`,
          }
        );
    }
  }

  /** The producer `id` as `spool pool info --json` lists it (null when the pool keeps none). */
  async producerState(ref: string, id: unknown): Promise<Outcome> {
    return cliOutcome(await this.spool(["pool", "info", ref, "--json"]), (out) => {
      const producers = (JSON.parse(out) as { pool?: { producers?: unknown } }).pool?.producers;
      if (!Array.isArray(producers)) throw new Error("no `pool.producers` list");
      const kept = producers.find((p) => (p as { id?: unknown }).id === id);
      return { producer: kept ?? null };
    });
  }

  /**
   * A producer's append as `spool feed --producer ID [--producer-epoch N]`, where record k of the
   * input is producer seq k and the records the pool already committed for the producer are left
   * out (its `resumed` notice counts them). A step at producer seq 1 is fed as it is, so one
   * whose records are committed shows what the CLI does with them (a rerun). A step at seq s > 1
   * is fed after s − 1 placeholder records, which the CLI leaves out as committed: so the driver
   * first reads the kept state (`pool info --json`) and skips the step when those seqs are not
   * all committed (the CLI cannot start a producer or an epoch past seq 1, nor skip ahead), or
   * when the step's own seqs are committed too (the CLI leaves them out instead of answering
   * duplicates). The result's `skipped` is the CLI's count of left-out records beyond the
   * placeholders, when there are any.
   */
  async producerFeed(
    step: DriverStep,
    messages: { data: unknown; tags?: string[] }[],
    one: boolean,
  ): Promise<Outcome> {
    const { input } = step;
    const ref = step.pool ?? "";
    const { id, seq, epoch } = producerFields(producerInput(input));
    const tags = JSON.stringify(messages[0]?.tags ?? []);
    if (messages.some((m) => JSON.stringify(m.tags ?? []) !== tags))
      return { status: "skipped", reason: "the CLI tags every message of one feed alike" };
    if (!(typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 1))
      return {
        status: "skipped",
        reason: `the CLI numbers a feed's records itself (record k is producer seq k, from 1): a producer seq of ${JSON.stringify(seq)} cannot be given`,
      };
    let placeholders = 0;
    const wholeEpoch =
      epoch === undefined || (Number.isSafeInteger(epoch) && (epoch as number) >= 0);
    if (seq > 1 && typeof id === "string" && PRODUCER_ID_PATTERN.test(id) && wholeEpoch) {
      const e = (epoch as number | undefined) ?? 0;
      const state = await this.producerState(ref, id);
      const kept =
        state.status === "ok"
          ? ((state.result as { producer: { epoch: number; last_seq: number } | null } | null)
              ?.producer ?? null)
          : null;
      if (kept && kept.epoch > e) {
        // fenced off: the CLI refuses before it reads a record
      } else if (kept && kept.epoch === e) {
        if (seq - 1 > kept.last_seq)
          return {
            status: "skipped",
            reason: `the CLI cannot skip ahead: record k of a feed is producer seq k, and seqs ${kept.last_seq + 1}..${seq - 1} are not committed`,
          };
        if (seq <= kept.last_seq)
          return {
            status: "skipped",
            reason:
              "the CLI leaves out the records a producer already committed instead of answering them as duplicates (a feed from seq 1 shows that)",
          };
        placeholders = seq - 1;
      } else {
        return {
          status: "skipped",
          reason: `the CLI starts a new producer (or a new epoch) at seq 1: record k of a feed is producer seq k, so it cannot start at seq ${seq}`,
        };
      }
      if (placeholders > 0 && input.expected_last_seq !== undefined)
        return {
          status: "skipped",
          reason:
            "the CLI's --if-last-seq conditions a whole feed, and the committed records it leaves out move the expectation along: a condition on a later record cannot be given",
        };
    }
    const args = ["feed", ref, "--file", "-", "--in", "jsonl", ...tagArgs(messages[0]?.tags)];
    args.push(`--producer=${String(id)}`);
    if (epoch !== undefined) args.push(`--producer-epoch=${String(epoch)}`);
    if (input.durability !== undefined) args.push("--durability", String(input.durability));
    if (input.expected_last_seq !== undefined)
      args.push("--if-last-seq", String(input.expected_last_seq));
    const records =
      "null\n".repeat(placeholders) + messages.map((m) => `${JSON.stringify(m.data)}\n`).join("");
    return cliOutcome(await this.spool(args, records), (out, notices) => {
      const receipts = receiptLines(out);
      const left = notices
        .filter((n) => n.kind === "resumed")
        .reduce((sum, n) => sum + (typeof n.skipped === "number" ? n.skipped : 0), 0);
      const skipped = left - placeholders;
      const result: Record<string, unknown> = one
        ? { message: single(receipts, "receipt line") }
        : { messages: receipts };
      if (skipped !== 0) result.skipped = skipped;
      return result;
    });
  }

  async tail(ref: string, input: Record<string, unknown>): Promise<Outcome> {
    const max = optionalNumber(input, "max");
    if (max !== undefined && !(Number.isSafeInteger(max) && max >= 0))
      return { status: "skipped", reason: "the CLI has no --max (emulated only for counts ≥ 0)" };
    const cursor = input.cursor;
    if (input.auto_ack !== undefined && input.auto_ack !== true)
      return {
        status: "skipped",
        reason: "the CLI has no follow that keeps a cursor without acks",
      };
    if (input.auto_ack === true && cursor === undefined)
      return { status: "skipped", reason: "the CLI acks only with follow --cursor NAME" };
    if (cursor !== undefined && input.auto_ack !== true)
      return {
        status: "skipped",
        reason:
          "follow --cursor acks every message once printed: a cursor tail without acks (auto_ack) cannot be given",
      };
    // A cursor cannot go with --replay: --no-follow stops when caught up too, and --max is real.
    const args =
      cursor === undefined
        ? ["follow", ref, "--replay", "0", "--jsonl", ...tagArgs(input.tags)]
        : [
            "follow",
            ref,
            `--cursor=${String(cursor)}`,
            "--no-follow",
            "--jsonl",
            ...tagArgs(input.tags),
            ...(max === undefined ? [] : [`--max=${max}`]),
          ];
    if (input.since !== undefined) args.push("--since", String(input.since));
    if (input.since_time !== undefined) args.push("--since", String(input.since_time));
    const where = input.where;
    for (const expression of typeof where === "string" ? [where] : ((where as string[]) ?? [])) {
      args.push("--where", expression);
    }
    if (input.last !== undefined) args.push("--tail", String(input.last));
    if (input.gap_policy !== undefined) args.push("--gap", String(input.gap_policy));
    const run = await this.spool(args);
    return withLines(
      cliOutcome(run, (out, notices) => ({
        messages: max === undefined ? envelopeLines(out) : envelopeLines(out).slice(0, max),
        gaps: notices
          .filter((n) => n.kind === "drop")
          .map(({ from, to, count }) => ({ from, to, count })),
      })),
      run.stdout,
      max,
    );
  }

  async concurrent(ref: string, input: Record<string, unknown>): Promise<Outcome> {
    const { writers, count, tags } = concurrentInput(input);
    const [exe, ...lead] = this.#command;
    const args = [...lead, "--dir", this.#dir, "feed", ref, "--file", "-", "--in", "jsonl"];
    const runs = await lockstep(
      () =>
        spawn(exe as string, [...args, ...tagArgs(tags)], {
          env: this.#env,
          stdio: ["pipe", "pipe", "pipe"],
        }),
      writers,
      count,
      this.#timeoutMs * 2,
    );
    let appended = 0;
    for (const run of runs) {
      const outcome = cliOutcome(run, (out) => receiptLines(out).length);
      if (outcome.status !== "ok" || outcome.violations) return outcome;
      appended += outcome.result as number;
    }
    return { status: "ok", result: { appended }, code: 0 };
  }

  async close(): Promise<void> {}
}

/**
 * The CLI driver: `spool` as a child process per step.
 *
 * @example
 * const report = await runSuite({ manifests, drivers: [apiDriver(), cliDriver()] });
 * cliDriver({ command: ["/usr/local/bin/other-spool"] }); // another implementation of the CLI
 */
export function cliDriver(options: CliDriverOptions = {}): Driver {
  let command = options.command;
  if (command === undefined || command.length === 0) command = [defaultSpoolBin()];
  if (command.length === 1 && /\.[cm]?js$/.test(command[0] as string))
    command = [process.execPath, command[0] as string];
  const resolved = command;
  return {
    name: options.name ?? "cli",
    async open(context: SessionContext): Promise<DriverSession> {
      return new CliSession(resolved, options.timeoutMs ?? 30_000, context.poolDir);
    },
  };
}
