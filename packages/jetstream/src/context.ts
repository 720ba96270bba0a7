/**
 * What every operation on one pool needs: the NATS connection, the JetStream client and
 * manager, and the pool's names and limits.
 *
 * Invariants: read-only after open; `path` is the pool reference `nats://host:port/POOL` used in
 * every error about the pool.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

export interface EngineContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** `nats://host:port` of the server given to connect. */
  location: string;
}

export interface PoolContext extends EngineContext {
  name: string;
  stream: string;
  subject: string;
  /** `nats://host:port/POOL`. */
  path: string;
  /** The stream's max_bytes. */
  ringSize: number;
  /** Largest data + tags bytes of one message. */
  maxMessageBytes: number;
  replicas: number;
}
