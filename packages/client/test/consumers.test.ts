/**
 * The SDK's consumer API as the CLI uses it (packages/cli/src/lib/remote-consumers.ts: SdkCursor,
 * SdkGroup, SdkConsumers, copied here): a RemotePool must be assignable to it (checked by the
 * type checker) and work through it against a real server. Cursors and groups in depth:
 * cursors.test.ts and groups.test.ts.
 */
import type {
  ClaimWaitOptions,
  CursorInfo,
  Delivery,
  DeliveryRef,
  ExtendOptions,
  GroupInfo,
  GroupSettings,
  NackOptions,
} from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../src/index.js";
import { startServer, type TestServer } from "./helpers/server.js";

/** The CLI's view of an SDK cursor (remote-consumers.ts). */
interface SdkCursor {
  info(): Promise<CursorInfo>;
  ack(seq: number): Promise<CursorInfo>;
  reset(to: { seq: number } | { time: string }): Promise<CursorInfo>;
  delete(): Promise<CursorInfo>;
}

/** The CLI's view of an SDK group. */
interface SdkGroup {
  claim(options: ClaimWaitOptions): Promise<Delivery[]>;
  ack(delivery: DeliveryRef): Promise<unknown>;
  nack(delivery: DeliveryRef, options: NackOptions): Promise<unknown>;
  extend(delivery: DeliveryRef, options: ExtendOptions): Promise<unknown>;
  info(): Promise<GroupInfo>;
  delete(): Promise<GroupInfo>;
}

/** The CLI's view of an SDK pool's consumer API. */
interface SdkConsumers {
  cursor(name: string): SdkCursor;
  cursors(): Promise<CursorInfo[]>;
  group(name: string, settings?: GroupSettings): SdkGroup;
  groups?(): Promise<GroupInfo[]>;
}

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

describe("the CLI's consumer interface", () => {
  it("a RemotePool is one, and works through it", async () => {
    const s = await startServer();
    servers.push(s);
    const pool = await createClient({ baseUrl: s.url }).createPool("cli");
    const sdk: SdkConsumers = pool; // the type check is the point
    await pool.append({ job: 1 });

    const cursor = sdk.cursor("follow-1");
    expect((await cursor.reset({ seq: 1 })).committed).toBe(0);
    expect((await cursor.ack(1)).committed).toBe(1);
    expect((await sdk.cursors()).map((c) => c.name)).toEqual(["follow-1"]);
    expect((await cursor.delete()).committed).toBe(1);

    const group = sdk.group("work", { since: "oldest", maxAttempts: 2 });
    const [d] = await group.claim({ max: 1, leaseMs: 10_000, member: "host:1", waitMs: 0 });
    expect(d?.message.data).toEqual({ job: 1 });
    // the CLI reads extend's answer as the lease end text
    expect(typeof (await group.extend(d as Delivery, { leaseMs: 20_000 }))).toBe("string");
    await group.ack(d as Delivery);
    expect((await group.info()).acked).toBe(1);
    expect((await sdk.groups?.())?.map((g) => g.name)).toEqual(["work"]);
    expect((await group.delete()).name).toBe("work");
  });
});
