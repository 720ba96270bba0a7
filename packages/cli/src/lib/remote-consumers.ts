/**
 * Durable cursors and consumer groups of a remote pool, through the client SDK's
 * `pool.cursor(name)`, `pool.cursors()`, `pool.group(name, settings)` and `pool.groups()`
 * (spec/http/v0's cursor and group routes), behind the CLI's ConsumerAccess interface.
 *
 * Invariants: the SDK checks names and options with core's rules and answers core's error kinds,
 * so a remote cursor or group behaves as a local one; an SDK (or server) without the consumer
 * API is one Usage error naming what is missing, never a crash; remote failures are explained
 * for a CLI user (`explain`).
 */
import {
  type ClaimWaitOptions,
  type CursorInfo,
  type Delivery,
  type DeliveryRef,
  type ExtendOptions,
  type GroupInfo,
  type GroupSettings,
  type NackOptions,
  SpoolError,
} from "@spool/core";
import type {
  ConsumerAccess,
  CursorHandle,
  CursorTarget,
  GroupHandle,
} from "./consumer-handles.js";

/** What the CLI uses of an SDK cursor. */
interface SdkCursor {
  info(): Promise<CursorInfo>;
  ack(seq: number): Promise<CursorInfo>;
  reset(to: CursorTarget): Promise<CursorInfo>;
  delete(): Promise<CursorInfo>;
}

/** What the CLI uses of an SDK group. */
interface SdkGroup {
  claim(options: ClaimWaitOptions): Promise<Delivery[]>;
  ack(delivery: DeliveryRef): Promise<unknown>;
  nack(delivery: DeliveryRef, options: NackOptions): Promise<unknown>;
  extend(delivery: DeliveryRef, options: ExtendOptions): Promise<unknown>;
  info(): Promise<GroupInfo>;
  delete(): Promise<GroupInfo>;
}

/** What the CLI uses of an SDK pool's consumer API. */
interface SdkConsumers {
  cursor(name: string): SdkCursor;
  cursors(): Promise<CursorInfo[]>;
  group(name: string, settings?: GroupSettings): SdkGroup;
  groups?(): Promise<GroupInfo[]>;
}

function missing(what: string): SpoolError {
  return new SpoolError("Usage", `this spool's client SDK has no ${what} for remote pools`, {
    hint: "update spool (the bundled @spool/client) to one with durable cursors and consumer groups, or run the command where the pool file lives",
  });
}

/** The SDK pool's consumer API, or a Usage error when this SDK has none. */
function sdkConsumers(pool: unknown): SdkConsumers {
  const p = pool as Partial<SdkConsumers>;
  if (typeof p.cursor !== "function" || typeof p.group !== "function") {
    throw missing("cursor and group API");
  }
  return p as SdkConsumers;
}

/** The lease end an SDK's extend answered: its text, or a `leaseUntil` field. */
function leaseUntilOf(answer: unknown): string {
  if (typeof answer === "string") return answer;
  const field = (answer as { leaseUntil?: unknown } | null)?.leaseUntil;
  return typeof field === "string" ? field : "";
}

/**
 * The consumer side of a remote pool; `explain` turns an SDK failure into the CLI's error.
 *
 * @example
 * const consumers = remoteConsumers(sdkPool, (e) => explainRemoteError(e, ref));
 */
export function remoteConsumers(
  pool: unknown,
  explain: (error: unknown) => unknown,
): ConsumerAccess {
  const call = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (error) {
      throw explain(error);
    }
  };
  return {
    cursor(name: string): CursorHandle {
      const cursor = sdkConsumers(pool).cursor(name);
      return {
        name,
        info: () => call(() => cursor.info()),
        ack: (seq) => call(() => cursor.ack(seq)),
        reset: (to) => call(() => cursor.reset(to)),
        delete: () => call(() => cursor.delete()),
      };
    },
    cursors: () => call(() => sdkConsumers(pool).cursors()),
    group(name: string, settings?: GroupSettings): GroupHandle {
      const group = sdkConsumers(pool).group(name, settings);
      return {
        name,
        claim: (options) => call(() => group.claim(options)),
        ack: (d) => call(async () => void (await group.ack(d))),
        nack: (d, options) => call(async () => void (await group.nack(d, options))),
        extend: (d, options) => call(async () => leaseUntilOf(await group.extend(d, options))),
        info: () => call(() => group.info()),
        delete: () => call(() => group.delete()),
        // the server moves dead letters itself and reports its failures in its own log
        deadLetterError: () => undefined,
      };
    },
    async groups(): Promise<GroupInfo[]> {
      const sdk = sdkConsumers(pool);
      if (typeof sdk.groups !== "function") throw missing("group list");
      return call(() => (sdk.groups as () => Promise<GroupInfo[]>)());
    },
  };
}
