/**
 * The member loop of `spool work`: claims deliveries of a consumer group, runs one job per
 * delivery (job-process.ts), at most `concurrency` at a time, and acks each job that exited 0 or
 * nacks it with its failure text (spec/cli/v0 §6.7).
 *
 * Invariants: a claim never asks for more than the free slots (nor past `max`); when there is
 * nothing to claim the loop waits in the claim itself (`claimAsync`'s waitMs: woken by an
 * append, a nack's delay or a lease running out; never a busy poll), and a job ending wakes it
 * so freed slots are filled; the lease of a running job is renewed every half lease, and the
 * renewal in flight is awaited before the job is acked or nacked; `idleMs` counts only while no
 * job runs; `stop()` ends claiming and lets the running jobs finish, `stop()` again signals
 * them; a delivery whose lease was lost (Conflict) is reported, not fatal; any other failure of
 * the group ends claiming and is thrown once the running jobs have finished.
 */
import { type Delivery, isSpoolError } from "@spool/core";
import type { GroupHandle } from "./consumer-handles.js";
import { messageLine } from "./envelope.js";
import { toSpoolError } from "./errors.js";
import type { Io } from "./io.js";
import { type Job, startJob } from "./job-process.js";
import { notice } from "./notices.js";

export interface WorkPlan {
  group: GroupHandle;
  /** The pool's name (notices). */
  pool: string;
  /** The pool reference as given (SPOOL_POOL). */
  poolRef: string;
  /** CMD ARGS... */
  command: readonly string[];
  concurrency: number;
  leaseMs: number;
  /** A failed message is claimable again after this long. */
  retryDelayMs: number;
  /** Who claims; undefined: the default (HOST:PID). */
  member: string | undefined;
  /** Stop once nothing ran and nothing was claimable for this long. */
  idleMs: number | undefined;
  /** Stop after this many jobs finished. */
  max: number | undefined;
}

/** Why the loop ended. */
export type WorkEnd = "idle" | "max" | "stopped";

/** The longest single claim wait (a job ending or `stop` cuts it short). */
const CLAIM_WAIT_MS = 60_000;

export class WorkLoop {
  readonly #plan: WorkPlan;
  readonly #io: Io;
  readonly #running = new Set<Promise<void>>();
  readonly #jobs = new Set<Job>();
  #started = 0;
  #finished = 0;
  #lastActive = Date.now();
  #stopping = false;
  #signal: NodeJS.Signals | undefined;
  #fatal: unknown;
  #claim: AbortController | undefined;
  /** Resolves the wait for a job to end. */
  #wake: (() => void) | undefined;

  constructor(plan: WorkPlan, io: Io) {
    this.#plan = plan;
    this.#io = io;
  }

  /** Jobs finished (acked or nacked). */
  get finished(): number {
    return this.#finished;
  }

  /** Stops claiming; the running jobs finish. A second call signals them with `signal`. */
  stop(signal: NodeJS.Signals): void {
    if (this.#stopping && this.#signal !== undefined) {
      for (const job of this.#jobs) job.kill(signal);
      return;
    }
    this.#stopping = true;
    this.#signal = signal;
    this.#claim?.abort();
    this.#wake?.();
  }

  /** Runs until idle, `max`, `stop` or a failure (thrown after the running jobs finished). */
  async run(): Promise<WorkEnd> {
    let end: WorkEnd = "stopped";
    while (!this.#stopping) {
      const { max, concurrency } = this.#plan;
      if (max !== undefined && this.#started >= max) {
        if (this.#running.size === 0) {
          end = "max";
          break;
        }
        await this.#nextEnd();
        continue;
      }
      const free = Math.min(concurrency - this.#running.size, (max ?? Infinity) - this.#started);
      if (free <= 0) {
        await this.#nextEnd();
        continue;
      }
      // Idle: no job runs; the claim then waits at most what is left of --timeout (at least
      // one claim is made, so the group and its settings are checked even with --timeout 0).
      const idle = this.#running.size === 0 && this.#plan.idleMs !== undefined;
      const left = idle ? (this.#plan.idleMs as number) - (Date.now() - this.#lastActive) : 0;
      const waitMs = idle ? Math.max(0, Math.min(left, CLAIM_WAIT_MS)) : CLAIM_WAIT_MS;
      const deliveries = await this.#claimUpTo(free, waitMs);
      if (deliveries.length > 0) this.#lastActive = Date.now();
      for (const delivery of deliveries) this.#start(delivery);
      if (
        deliveries.length === 0 &&
        idle &&
        this.#running.size === 0 &&
        (this.#plan.idleMs as number) - (Date.now() - this.#lastActive) <= 0
      ) {
        end = "idle";
        break;
      }
    }
    await Promise.all(this.#running);
    if (this.#fatal !== undefined) throw this.#fatal;
    return end;
  }

  /** The signal `stop` was called with, if it was. */
  get stoppedBy(): NodeJS.Signals | undefined {
    return this.#signal;
  }

  async #claimUpTo(max: number, waitMs: number): Promise<Delivery[]> {
    const claim = new AbortController();
    this.#claim = claim;
    try {
      return await this.#plan.group.claim({
        max,
        leaseMs: this.#plan.leaseMs,
        waitMs,
        signal: claim.signal,
        ...(this.#plan.member === undefined ? {} : { member: this.#plan.member }),
      });
    } catch (error) {
      if (claim.signal.aborted) return [];
      this.#fail(error);
      return [];
    } finally {
      this.#claim = undefined;
    }
  }

  #nextEnd(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** A job ended: wake the loop (a waiting claim is cancelled, to fill the freed slot). */
  #jobEnded(): void {
    this.#finished++;
    this.#lastActive = Date.now();
    this.#claim?.abort();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #fail(error: unknown): void {
    this.#fatal ??= error;
    this.#stopping = true;
    this.#claim?.abort();
    this.#wake?.();
  }

  #start(delivery: Delivery): void {
    this.#started++;
    const done = this.#runJob(delivery).finally(() => {
      this.#running.delete(done);
      this.#jobEnded();
    });
    this.#running.add(done);
  }

  async #runJob(delivery: Delivery): Promise<void> {
    const { group, pool, leaseMs } = this.#plan;
    const ref = { seq: delivery.seq, attempt: delivery.attempt };
    let leaseLost = false;
    const lost = (error: unknown): void => {
      if (leaseLost) return;
      leaseLost = true;
      const e = toSpoolError(error);
      notice(
        this.#io,
        "lease_lost",
        { pool, group: group.name, seq: ref.seq, attempt: ref.attempt, error: e.toJSON() },
        `#${ref.seq} (attempt ${ref.attempt}) is no longer this worker's: ${e.message}; the message may run again`,
      );
    };
    const job = startJob(
      this.#plan.command,
      messageLine(delivery.message),
      {
        pool: this.#plan.poolRef,
        group: group.name,
        seq: ref.seq,
        attempt: ref.attempt,
        member: delivery.member,
      },
      (chunk) => process.stderr.write(chunk),
    );
    this.#jobs.add(job);
    // Renew the lease every half lease while the job runs.
    let renewing: Promise<void> = Promise.resolve();
    const timer = setInterval(
      () => {
        if (leaseLost) return;
        renewing = renewing.then(() =>
          group.extend(ref, { leaseMs }).then(
            () => undefined,
            (error: unknown) => {
              if (isSpoolError(error, "Conflict") || isSpoolError(error, "NotFound")) lost(error);
              else this.#noticeError("lease_error", ref, error, "cannot renew the lease of");
            },
          ),
        );
      },
      Math.max(1, Math.floor(leaseMs / 2)),
    );
    let end: Awaited<Job["end"]>;
    try {
      end = await job.end;
    } finally {
      clearInterval(timer);
      this.#jobs.delete(job);
      await renewing;
    }
    try {
      if (end.ok) await group.ack(ref);
      else {
        notice(
          this.#io,
          "job_failed",
          { pool, group: group.name, seq: ref.seq, attempt: ref.attempt, error: end.error },
          `#${ref.seq} (attempt ${ref.attempt}) failed: ${end.error}`,
        );
        await group.nack(ref, { delayMs: this.#plan.retryDelayMs, error: end.error });
        if (end.startError) this.#fail(end.startError); // every other job would fail alike
        const moveError = group.deadLetterError();
        if (moveError) this.#noticeError("dead_letter_error", ref, moveError, "cannot dead-letter");
      }
    } catch (error) {
      if (isSpoolError(error, "Conflict")) lost(error);
      else this.#fail(error);
    }
  }

  #noticeError(
    kind: string,
    ref: { seq: number; attempt: number },
    error: unknown,
    what: string,
  ): void {
    const e = toSpoolError(error);
    notice(
      this.#io,
      kind,
      {
        pool: this.#plan.pool,
        group: this.#plan.group.name,
        seq: ref.seq,
        attempt: ref.attempt,
        error: e.toJSON(),
      },
      `${what} #${ref.seq}: ${e.message}`,
    );
  }
}
