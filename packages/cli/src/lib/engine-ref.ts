/**
 * Which POOL operands live on a NATS JetStream engine: a `nats://HOST:PORT[,HOST:PORT…]/POOL`
 * reference, or a bare name while `--engine` (else `SPOOL_ENGINE`) names an engine; and the
 * flags (`--engine`, `--nats-*`) that only mean something there.
 *
 * Invariants: nothing here loads NATS or the engine (engine-target.ts does, lazily, for engine
 * pools only), so a local command starts as fast as before; a path (with `/`) or an http(s) URL
 * is never an engine pool, whatever `--engine` says; a command that takes no engine pools
 * refuses them (Usage) instead of reading `nats://…` as a file path; `--nats-*` flags with a pool
 * that is not on an engine are Usage, like the remote flags with a local pool.
 */
import { SpoolError } from "@spool/core";
import { usage } from "./errors.js";

/** The engine flags as parsed (the environment is read where they are resolved). */
export interface EngineAccess {
  engine?: string | undefined;
  natsUser?: string | undefined;
  natsPasswordFile?: string | undefined;
  natsTokenFile?: string | undefined;
  natsCreds?: string | undefined;
  natsTlsCa?: string | undefined;
}

/** Whether `ref` is written as a NATS pool reference. */
export function isNatsRef(ref: string): boolean {
  return /^nats:\/\//i.test(ref);
}

/** `--engine`, else `SPOOL_ENGINE`, else undefined (and where it came from). */
export function chosenEngine(
  access: EngineAccess | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; where: string } | undefined {
  if (access?.engine !== undefined && access.engine !== "") {
    return { url: access.engine, where: "--engine" };
  }
  const fromEnv = env.SPOOL_ENGINE;
  return fromEnv === undefined || fromEnv === ""
    ? undefined
    : { url: fromEnv, where: "SPOOL_ENGINE" };
}

/** Whether `ref` is a bare pool name (not a path, not a URL). */
function isBareName(ref: string): boolean {
  return !ref.includes("/") && !ref.includes("\\") && !/^[a-z][a-z0-9+.-]*:\/\//i.test(ref);
}

/** Whether the pool `ref` is on an engine: written as nats://…, or a bare name with an engine chosen. */
export function isEnginePool(
  ref: string,
  access: EngineAccess | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return isNatsRef(ref) || (isBareName(ref) && chosenEngine(access, env) !== undefined);
}

/** The Usage error for an engine pool given to a command that works on other pools only. */
export function engineNotSupported(ref: string, command = "this command"): SpoolError {
  const named = isNatsRef(ref) ? ref : `${ref} (a name on SPOOL_ENGINE)`;
  return new SpoolError("Usage", `${command} does not work on NATS JetStream pools: ${named}`, {
    hint: isNatsRef(ref)
      ? "JetStream pools have no durable cursors or consumer groups yet; use a file pool or a Spool server for them"
      : "unset SPOOL_ENGINE (or give the pool by path) to use a file pool here",
  });
}

/** The `--nats-*` and `--engine` flags given for a pool that is not on an engine (Usage). */
export function refuseEngineFlagsElsewhere(ref: string, access: EngineAccess | undefined): void {
  const given = [
    access?.engine ? "--engine" : undefined,
    access?.natsUser !== undefined ? "--nats-user" : undefined,
    access?.natsPasswordFile !== undefined ? "--nats-password-file" : undefined,
    access?.natsTokenFile !== undefined ? "--nats-token-file" : undefined,
    access?.natsCreds !== undefined ? "--nats-creds" : undefined,
    access?.natsTlsCa !== undefined ? "--nats-tls-ca" : undefined,
  ].filter((flag) => flag !== undefined);
  if (given.length === 0) return;
  throw usage(
    `${given.join(", ")} ${given.length === 1 ? "applies" : "apply"} only to NATS JetStream pools, and ${ref} is not one`,
    "name the pool as nats://HOST:PORT/POOL (or by bare name with --engine), or leave the flag out",
  );
}
