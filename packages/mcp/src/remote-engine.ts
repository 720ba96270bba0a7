/**
 * A Spool server's pools as core's `PoolEngine`, over a client of the HTTP SDK (`@spool/client`'s
 * `SpoolClient`), so the MCP tools run against a remote server exactly as against a directory.
 *
 * Invariants: typed structurally (this package does not depend on the SDK: the CLI passes its
 * client in), every operation is one SDK call with the SDK's errors (core's kinds) unchanged;
 * `close` releases nothing the client does not hold (the SDK is stateless between requests).
 */
import type { EngineCreateOptions, EnginePool, PoolEngine, PoolListEntry } from "@spool/core";

/** What the engine needs of a Spool HTTP client (`SpoolClient` has it). */
export interface PoolClient {
  readonly baseUrl: string;
  pool(name: string): EnginePool;
  openPool(name: string): Promise<EnginePool>;
  createPool(name: string, options?: { size?: number | string }): Promise<EnginePool>;
  listPools(): Promise<PoolListEntry[]>;
  deletePool(name: string): Promise<void>;
}

/**
 * The pools of the server `client` talks to.
 *
 * @example
 * const engine = clientEngine(createClient({ baseUrl: "http://127.0.0.1:9700", token }));
 */
export function clientEngine(client: PoolClient): PoolEngine {
  return {
    kind: "http",
    location: client.baseUrl,
    create: (name: string, options: EngineCreateOptions = {}) =>
      client.createPool(name, options.size === undefined ? {} : { size: options.size }),
    open: (name: string) => client.openPool(name),
    list: () => client.listPools(),
    delete: (name: string) => client.deletePool(name),
    close: async () => {},
  };
}
