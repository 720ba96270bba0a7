/**
 * The tool and resource cases every transport must pass (spec/mcp/v0 §3–§5), run by the stdio
 * test against `spool mcp --dir` and by the HTTP test against `spool serve`'s `/mcp`: each
 * tool's answer and its errors (kind and hint), envelopes as core prints them (compared with
 * `spool fetch`), cursors, a wait that another process's append ends, and a wait that times out.
 */
import type { Client } from "@modelcontextprotocol/client";
import { expect, it } from "vitest";
import { call, callError, runCli } from "./fixtures.js";

export interface Surface {
  client(): Client;
  /** The pool directory the pools live in (appends by other processes go there). */
  dir(): string;
}

export const ALL_TOOLS = [
  "spool_append",
  "spool_pool_create",
  "spool_pool_info",
  "spool_pool_list",
  "spool_read",
  "spool_wait",
];

type Envelope = { seq: number; time: string; meta: { tags: string[] }; data: unknown };

export function toolCases(s: Surface): void {
  it("initializes as spool and lists every tool with its input schema", async () => {
    const client = s.client();
    expect(client.getServerVersion()?.name).toBe("spool");
    expect(client.getInstructions()).toContain("next_since_seq");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(ALL_TOOLS);
    const read = tools.find((t) => t.name === "spool_read");
    expect(read?.inputSchema.properties).toHaveProperty("since_seq");
    expect(read?.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((t) => t.name === "spool_append")?.annotations?.readOnlyHint).toBe(false);
  });

  it("spool_pool_create creates, refuses an existing pool, a bad name and a bad size", async () => {
    const client = s.client();
    const created = await call(client, "spool_pool_create", { pool: "chat", size: "64K" });
    expect(created.pool).toMatchObject({ name: "chat", bounds: {}, file_size: 65536 });
    const again = await callError(client, "spool_pool_create", { pool: "chat" });
    expect(again.kind).toBe("AlreadyExists");
    expect(again.hint).toBeTruthy();
    for (const pool of ["../x", "a/b", "/tmp/x", "..", "x\u0000y", "n".repeat(10_000)]) {
      expect((await callError(client, "spool_pool_create", { pool })).kind).toBe("Usage");
      expect((await callError(client, "spool_pool_info", { pool })).kind).toBe("Usage");
    }
    expect((await callError(client, "spool_pool_create", { pool: "tiny", size: "1K" })).kind).toBe(
      "Usage",
    );
    const unknown = await callError(client, "spool_pool_create", { pool: "x", sise: 1 });
    expect(unknown).toMatchObject({ kind: "Usage", message: expect.stringContaining("sise") });
  });

  it("spool_pool_list and spool_pool_info show the pool; info of a missing pool is NotFound", async () => {
    const client = s.client();
    const { pools } = (await call(client, "spool_pool_list")) as { pools: { name: string }[] };
    expect(pools.map((p) => p.name)).toContain("chat");
    const info = await call(client, "spool_pool_info", { pool: "chat" });
    expect(info.pool).toMatchObject({ name: "chat", ring_size: expect.any(Number) });
    const missing = await callError(client, "spool_pool_info", { pool: "nope" });
    expect(missing.kind).toBe("NotFound");
    expect(missing.hint).toContain('spool_pool_create {"pool": "nope"}');
  });

  it("spool_append commits envelopes, conditionally and idempotently", async () => {
    const client = s.client();
    const first = (await call(client, "spool_append", {
      pool: "chat",
      data: { from: "alice", text: "hi bob" },
      tags: ["to:bob"],
    })) as { message: Envelope };
    expect(Object.keys(first.message)).toEqual(["seq", "time", "meta", "data"]);
    expect(first.message).toMatchObject({
      seq: 1,
      meta: { tags: ["to:bob"] },
      data: { from: "alice", text: "hi bob" },
    });
    expect(first.message.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const conflict = await callError(client, "spool_append", {
      pool: "chat",
      data: "x",
      expected_last_seq: 0,
    });
    expect(conflict).toMatchObject({ kind: "Conflict", newest_seq: 1 });
    const second = (await call(client, "spool_append", {
      pool: "chat",
      data: { from: "bob", text: "hi alice" },
      tags: ["to:alice"],
      expected_last_seq: 1,
      durability: "flush",
    })) as { message: Envelope };
    expect(second.message.seq).toBe(2);
    const produced = (await call(client, "spool_append", {
      pool: "chat",
      data: { from: "alice", text: "once" },
      producer: { id: "agent-a", seq: 1 },
    })) as { message: Envelope };
    expect(produced.message.seq).toBe(3);
    const repeat = (await call(client, "spool_append", {
      pool: "chat",
      data: { from: "alice", text: "once" },
      producer: { id: "agent-a", seq: 1 },
    })) as { message: Envelope & { duplicate?: boolean } };
    expect(repeat.message).toMatchObject({ seq: 3, duplicate: true });
    const ahead = await callError(client, "spool_append", {
      pool: "chat",
      data: 1,
      producer: { id: "agent-a", seq: 5 },
    });
    expect(ahead).toMatchObject({ kind: "Conflict", expected_seq: 2 });
    expect((await callError(client, "spool_append", { pool: "nope", data: 1 })).kind).toBe(
      "NotFound",
    );
    expect(
      (await callError(client, "spool_append", { pool: "chat", data: 1, tags: "x" })).kind,
    ).toBe("Usage");
    expect(
      (await callError(client, "spool_append", { pool: "chat", data: 1, tags: [""] })).kind,
    ).toBe("Usage");
  });

  it("spool_read answers core's envelopes with a cursor, filters and every start", async () => {
    const client = s.client();
    const seqs = (answer: Record<string, unknown>) =>
      (answer.messages as Envelope[]).map((m) => m.seq);
    const last = await call(client, "spool_read", { pool: "chat", last: 2 });
    expect(seqs(last)).toEqual([2, 3]);
    expect(last).toMatchObject({ next_since_seq: 4, more: false, gaps: [] });
    const fetched = await runCli(["fetch", "chat", "2", "--dir", s.dir()]);
    expect(fetched.code).toBe(0);
    expect((last.messages as Envelope[])[0]).toEqual(JSON.parse(fetched.stdout));
    const page = await call(client, "spool_read", { pool: "chat", since_seq: 1, max: 2 });
    expect(seqs(page)).toEqual([1, 2]);
    expect(page).toMatchObject({ next_since_seq: 3, more: true });
    const rest = await call(client, "spool_read", { pool: "chat", since_seq: page.next_since_seq });
    expect(seqs(rest)).toEqual([3]);
    expect(rest).toMatchObject({ next_since_seq: 4, more: false });
    const toBob = await call(client, "spool_read", {
      pool: "chat",
      since_seq: 1,
      tags: ["to:bob"],
    });
    expect(seqs(toBob)).toEqual([1]);
    expect(toBob.next_since_seq).toBe(4); // the filtered-out messages are not scanned again
    expect(seqs(await call(client, "spool_read", { pool: "chat", around_seq: 2, max: 3 }))).toEqual(
      [1, 2, 3],
    );
    expect(seqs(await call(client, "spool_read", { pool: "chat" }))).toEqual([1, 2, 3]);
    const firstTime = (last.messages as Envelope[])[0]?.time;
    expect(seqs(await call(client, "spool_read", { pool: "chat", since_time: firstTime }))).toEqual(
      [2, 3],
    );
    const two = await callError(client, "spool_read", { pool: "chat", last: 1, since_seq: 1 });
    expect(two).toMatchObject({
      kind: "Usage",
      message: expect.stringContaining("last and since_seq"),
    });
    expect((await callError(client, "spool_read", { pool: "chat", max: 0 })).kind).toBe("Usage");
    expect((await callError(client, "spool_read", { pool: "chat", max: 100_000 })).kind).toBe(
      "Usage",
    );
    expect(
      (await callError(client, "spool_read", { pool: "chat", since_time: "yesterday" })).kind,
    ).toBe("Usage");
    expect((await callError(client, "spool_read", { pool: "nope" })).kind).toBe("NotFound");
  });

  it("spool_wait answers the message another process appends, skipping other tags", async () => {
    const client = s.client();
    const waiting = call(client, "spool_wait", {
      pool: "chat",
      since_seq: 4,
      tags: ["to:alice"],
      timeout_ms: 20_000,
    });
    const other = await runCli([
      "feed",
      "chat",
      '{"n":"not for alice"}',
      "--tag",
      "to:bob",
      "--dir",
      s.dir(),
    ]);
    expect(other.code).toBe(0);
    const mine = await runCli([
      "feed",
      "chat",
      '{"n":"for alice"}',
      "--tag",
      "to:alice",
      "--dir",
      s.dir(),
    ]);
    expect(mine.code).toBe(0);
    const answer = (await waiting) as {
      message: Envelope;
      timed_out: boolean;
      next_since_seq: number;
    };
    expect(answer.timed_out).toBe(false);
    expect(answer.message).toMatchObject({
      seq: 5,
      meta: { tags: ["to:alice"] },
      data: { n: "for alice" },
    });
    expect(answer.next_since_seq).toBe(6);
  });

  it("spool_wait times out with message null; a missing pool is NotFound", async () => {
    const client = s.client();
    const answer = await call(client, "spool_wait", {
      pool: "chat",
      since_seq: 6,
      timeout_ms: 200,
    });
    expect(answer).toMatchObject({ message: null, timed_out: true, next_since_seq: 6 });
    expect((await callError(client, "spool_wait", { pool: "nope", timeout_ms: 10 })).kind).toBe(
      "NotFound",
    );
    expect((await callError(client, "spool_wait", { pool: "chat", timeout_ms: -1 })).kind).toBe(
      "Usage",
    );
  });

  it("lists pools as spool:// resources and reads one (info and latest messages)", async () => {
    const client = s.client();
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain("spool://chat");
    const read = await client.readResource({ uri: "spool://chat" });
    const content = read.contents[0] as { uri: string; mimeType: string; text: string };
    expect(content).toMatchObject({ uri: "spool://chat", mimeType: "application/json" });
    const doc = JSON.parse(content.text) as { pool: { name: string }; messages: Envelope[] };
    expect(doc.pool.name).toBe("chat");
    expect(doc.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    const missing = await client.readResource({ uri: "spool://nope" }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ data: { error: { kind: "NotFound" } } });
    const bad = await client.readResource({ uri: "spool://..%2Fx" }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ data: { error: { kind: "Usage" } } });
  });
}
