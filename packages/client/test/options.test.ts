/**
 * Unknown options are refused at run time with Usage naming them (and the right spelling where it
 * is obvious), before any request is sent: a misspelt option never silently changes a call.
 */
import { describe, expect, it } from "vitest";
import { createClient, isSpoolError } from "../src/index.js";
import { offlineClient } from "./helpers/offline.js";

const { client, requests } = offlineClient();
const pool = client.pool("build");

async function refusal(
  run: () => unknown,
): Promise<{ kind: string; message: string; hint?: string | undefined }> {
  try {
    await run();
  } catch (error) {
    if (isSpoolError(error)) return error;
    throw error;
  }
  throw new Error("expected a Usage error");
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) break;
}

describe("unknown options", () => {
  it.each([
    ["pool.tail()", () => drain(pool.tail({ since_seq: 1 } as never)), "since_seq", "since"],
    ["pool.tail()", () => drain(pool.tail({ timeout: 5 } as never)), "timeout", "timeoutMs"],
    ["pool.tail()", () => drain(pool.tail({ tag: ["x"] } as never)), "tag", "tags"],
    ["pool.follow()", () => drain(pool.follow({ limit: 1 } as never)), "limit", "max"],
    [
      "pool.follow() backoff",
      () => drain(pool.follow({ backoff: { initial: 5 } } as never)),
      "initial",
      "initialMs",
    ],
    ["pool.append()", () => pool.append(1, { tag: ["x"] } as never), "tag", "tags"],
    [
      "pool.appendJson()",
      () => pool.appendJson("1", { sync: "flush" } as never),
      "sync",
      "durability",
    ],
    [
      "pool.appendBatch()",
      () => pool.appendBatch([{ data: 1 }], { fsync: true } as never),
      "fsync",
      "durability",
    ],
    [
      "pool.appendBatch() item",
      () => pool.appendBatch([{ data: 1, tag: [] } as never]),
      "tag",
      "tags",
    ],
    ["pool.get()", () => pool.get(1, { timeout: 1 } as never), "timeout", undefined],
    ["pool.info()", () => pool.info({ verbose: true } as never), "verbose", undefined],
    [
      "client.createPool()",
      () => client.createPool("x", { size_bytes: 1 } as never),
      "size_bytes",
      "size",
    ],
    [
      "createClient()",
      () => createClient({ baseUrl: "http://h", base_url: "x" } as never),
      "base_url",
      "baseUrl",
    ],
  ])("%s refuses %s", async (_where, run, name, suggestion) => {
    const error = await refusal(run);
    expect(error.kind).toBe("Usage");
    expect(error.message).toContain(`"${name}"`);
    if (suggestion === undefined) expect(error.message).not.toContain("did you mean");
    else expect(error.message).toContain(`did you mean ${suggestion}?`);
    expect(error.hint).toBeTruthy();
    expect(requests()).toBe(0);
  });
});
