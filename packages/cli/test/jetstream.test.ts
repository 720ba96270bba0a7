// The CLI on NATS JetStream pools, against real nats-server processes on loopback: nats://
// references and SPOOL_ENGINE bare names through feed, fetch, follow and the pool commands;
// JSONL bytes identical to a file pool's for the same messages; NATS credentials (user and
// password, token) from flags and environment, refused without them and never shown; a follow
// that loses its server resumes at the next seq when it returns; options that mean nothing on
// JetStream are Usage.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createClient } from "@spool/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeNats,
  NATS_SERVER,
  type NatsFixture,
  startNats,
  startNatsCluster,
} from "../../jetstream/test/nats-fixture.js";
import { collect, jsonLines, run, start, tempDir, waitFor } from "./helpers.js";

let dir: string;
let cleanup: () => void;
let nats: NatsFixture;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  if (NATS_SERVER !== undefined) nats = await startNats();
}, 90_000);
afterAll(async () => {
  await nats?.stop();
  cleanup?.();
});

/** The error line a failed command printed on its (non-terminal) stderr. */
function errorOf(stderr: string): { kind: string; message: string; hint?: string } {
  const line = stderr.trim().split("\n").at(-1) ?? "";
  return (JSON.parse(line) as { error: { kind: string; message: string; hint?: string } }).error;
}

/** Envelopes with `time` replaced (the only field the engines may differ in). */
function withoutTimes(text: string): string {
  return text.replace(/"time":"[^"]*"/g, '"time":"T"');
}

const MESSAGES = ['{"a": 1 ,  "b":[1,2]}', '"just text"', '{"u":"é ☃ 𝄞"}', "[]", "42"];

describeNats("JetStream pools in the CLI", () => {
  it("nats:// references through pool create, feed, fetch, follow, info, list, doctor and delete", async () => {
    const ref = `${nats.url}/build`;
    const created = await run(dir, [
      "pool",
      "create",
      ref,
      "--replicas",
      "1",
      "--size",
      "64K",
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout).pools[0]).toMatchObject({
      name: "build",
      path: ref,
      file_size: 65536,
    });
    const fed = await run(dir, ["feed", ref, '{"step":"lint"}', "--tag", "ci"]);
    expect(fed.code, fed.stderr).toBe(0);
    expect(jsonLines(fed.stdout)).toMatchObject([{ seq: 1, meta: { tags: ["ci"] } }]);
    const got = await run(dir, ["fetch", ref, "1"]);
    expect(JSON.parse(got.stdout)).toMatchObject({ seq: 1, data: { step: "lint" } });
    const missing = await run(dir, ["fetch", ref, "9"]);
    expect(missing.code).toBe(3);
    const followed = await run(dir, ["follow", ref, "--since", "1", "--no-follow"]);
    expect(jsonLines(followed.stdout)).toMatchObject([{ seq: 1, data: { step: "lint" } }]);
    const info = await run(dir, ["pool", "info", ref, "--json"]);
    expect(JSON.parse(info.stdout).pool).toMatchObject({ name: "build", message_count: 1 });
    const human = await run(dir, ["pool", "info", ref]);
    expect(human.stdout).toContain(`path:      ${ref}`);
    const listed = await run(dir, ["pool", "list", nats.url, "--json"]);
    expect(JSON.parse(listed.stdout).pools.map((p: { name: string }) => p.name)).toContain("build");
    const doctor = await run(dir, ["doctor", ref, "--json"]);
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(JSON.parse(doctor.stdout)).toMatchObject({
      ok: true,
      pools: [{ name: "build", path: ref, messages: 1 }],
    });
    const again = await run(dir, ["pool", "create", ref]);
    expect(again.code).toBe(4);
    const deleted = await run(dir, ["pool", "delete", ref, "--json"]);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: [{ name: "build", path: ref }] });
    expect((await run(dir, ["pool", "info", ref])).code).toBe(3);
  });

  it("SPOOL_ENGINE (and --engine) make bare names pools on the engine; paths stay files", async () => {
    const env = { SPOOL_ENGINE: nats.url };
    expect((await run(dir, ["feed", "env-pool", "{}", "--create"], { env })).code).toBe(0);
    const followed = await run(dir, ["follow", "env-pool", "--tail", "1", "--no-follow"], { env });
    expect(jsonLines(followed.stdout)).toMatchObject([{ seq: 1, data: {} }]);
    const viaFlag = await run(dir, ["fetch", "env-pool", "1", "--engine", nats.url]);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    const listed = await run(dir, ["pool", "list", "--json"], { env });
    expect(JSON.parse(listed.stdout).pools.map((p: { path: string }) => p.path)).toContain(
      `${nats.url}/env-pool`,
    );
    const all = await run(dir, ["doctor", "--all", "--json"], { env });
    expect(JSON.parse(all.stdout).ok).toBe(true);
    // a path is a file pool whatever SPOOL_ENGINE says
    const file = join(dir, "local.spool");
    expect((await run(dir, ["feed", file, "{}", "--create"], { env })).code).toBe(0);
    expect((await run(dir, ["fetch", file, "1"], { env })).code).toBe(0);
    expect((await run(dir, ["pool", "delete", "env-pool"], { env })).code).toBe(0);
  });

  it("prints the same JSONL bytes as a file pool for the same messages (time aside)", async () => {
    const ref = `${nats.url}/parity`;
    const file = join(dir, "parity.spool");
    const input = `${MESSAGES.join("\n")}\n`;
    for (const pool of [ref, file]) {
      const fed = await run(dir, ["feed", pool, "--create", "--tag", "x", "--tag", "y"], { input });
      expect(fed.code, fed.stderr).toBe(0);
    }
    const outputs = await Promise.all(
      [ref, file].map((pool) =>
        run(dir, ["follow", pool, "--since", "1", "--no-follow", "--jsonl"]),
      ),
    );
    const [onNats, onFile] = outputs.map((r) => withoutTimes(r.stdout));
    expect(onNats).toBe(onFile);
    expect(onFile?.split("\n")).toHaveLength(MESSAGES.length + 1);
    for (const seq of ["1", "3"]) {
      const [a, b] = await Promise.all([ref, file].map((pool) => run(dir, ["fetch", pool, seq])));
      expect(withoutTimes(a?.stdout ?? "")).toBe(withoutTimes(b?.stdout ?? ""));
      const [da, db] = await Promise.all(
        [ref, file].map((pool) => run(dir, ["fetch", pool, seq, "--data-only"])),
      );
      expect(da?.stdout).toBe(db?.stdout);
    }
  });

  it("refuses options that mean nothing on JetStream, and JetStream pools where commands lack them", async () => {
    const ref = `${nats.url}/refusals`;
    expect((await run(dir, ["pool", "create", ref])).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [["feed", ref, "{}", "--create", "--lock-timeout", "1s"], /--lock-timeout/],
      [["pool", "create", ref, "--index-capacity", "8"], /--index-capacity/],
      [["pool", "create", join(dir, "f.spool"), "--replicas", "3"], /--replicas/],
      [["pool", "create", ref, "--replicas", "2"], /--replicas must be 1, 3 or 5/],
      [["fetch", join(dir, "parity.spool"), "1", "--nats-user", "u"], /--nats-user/],
      [["fetch", ref, "1", "--token", "abc"], /--token/],
      [["cursor", "list", ref], /JetStream/],
      [["follow", ref, "--cursor", "c"], /cursors/],
      [
        ["fetch", "bare", "1", "--engine", "http://127.0.0.1:1"],
        /--engine must be a nats:\/\/ URL/,
      ],
      [["fetch", "nats://127.0.0.1:1/", "1"], /names no pool/],
      [["fetch", "nats://u:p@127.0.0.1:1/x", "1"], /credentials/],
    ];
    for (const [args, message] of cases) {
      const r = await run(dir, args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      const error = errorOf(r.stderr);
      expect(error.kind).toBe("Usage");
      expect(error.message).toMatch(message);
      expect(error.hint).toBeTruthy();
    }
  });

  it("spool serve --engine answers the HTTP protocol over the engine's pools", async () => {
    const server = start(dir, [
      "serve",
      "--engine",
      nats.url,
      "--port",
      "0",
      "--log-format",
      "json",
    ]);
    const done = collect(server, 60_000);
    let out = "";
    server.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await waitFor(() => out.includes("\n"), 20_000, "the listening line");
    const listening = JSON.parse(out.split("\n")[0] as string).listening;
    expect(listening).toMatchObject({ engine: nats.url });
    const client = createClient({ baseUrl: listening.url as string });
    const pool = await client.createPool("served", { size: "64K" });
    const appended = await pool.append({ via: "sdk" }, { tags: ["http"] });
    expect(appended.seq).toBe(1);
    expect((await pool.get(1)).data).toEqual({ via: "sdk" });
    expect((await client.listPools()).map((p) => p.name)).toContain("served");
    // the pool is the engine's: the CLI reaches it directly and through the server alike
    const direct = await run(dir, ["fetch", `${nats.url}/served`, "1"]);
    const viaServer = await run(dir, ["fetch", `${listening.url}/served`, "1"]);
    expect(direct.stdout).toBe(viaServer.stdout);
    expect(JSON.parse(direct.stdout)).toMatchObject({ seq: 1, meta: { tags: ["http"] } });
    await client.deletePool("served");
    server.kill("SIGTERM");
    expect((await done).code).toBe(0);
    const check = await run(dir, ["serve", "check", "--engine", nats.url]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/reachable, JetStream enabled/);
  });

  it("a NATS server that cannot be reached is Io naming the URL", async () => {
    const port = await freePort();
    const r = await run(dir, ["fetch", `nats://127.0.0.1:${port}/x`, "1"]);
    expect(r.code).toBe(8);
    const error = errorOf(r.stderr);
    expect(error.kind).toBe("Io");
    expect(error.message).toContain(`nats://127.0.0.1:${port}`);
  });

  it("takes several servers: the first that answers serves", async () => {
    const down = await freePort();
    const live = nats.url.slice("nats://".length);
    const env = { SPOOL_ENGINE: `nats://127.0.0.1:${down},${live}` };
    const fed = await run(dir, ["feed", "multi", "{}", "--create"], { env });
    expect(fed.code, fed.stderr).toBe(0);
    const info = await run(dir, [
      "pool",
      "info",
      `nats://127.0.0.1:${down},nats://${live}/multi`,
      "--json",
    ]);
    expect(JSON.parse(info.stdout).pool.path).toBe(`${nats.url}/multi`);
    const none = await run(dir, ["fetch", `nats://127.0.0.1:${down},127.0.0.1:${down}/multi`, "1"]);
    expect(none.code).toBe(8);
    expect(errorOf(none.stderr).message).toContain("any of");
    expect((await run(dir, ["pool", "delete", "multi"], { env })).code).toBe(0);
  });

  it("a follow resumes at the next seq when its server comes back", {
    timeout: 120_000,
  }, async () => {
    const ref = `${nats.url}/resume`;
    expect((await run(dir, ["feed", ref, '{"n":1}', "--create"])).code).toBe(0);
    const follower = start(dir, ["follow", ref, "--since", "1", "--jsonl"]);
    const done = collect(follower, 110_000);
    let out = "";
    let err = "";
    follower.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    follower.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    await waitFor(() => out.includes('"n":1'), 20_000, "the first message");
    const node = nats.nodes[0] as NonNullable<(typeof nats.nodes)[0]>;
    nats.kill(node);
    // long enough for the NATS client to give up its own reconnects: the CLI's resume takes over
    await waitFor(() => err.includes('"reconnecting"'), 60_000, "a reconnecting notice");
    await nats.restart(node);
    await waitFor(() => err.includes('"reconnected"'), 30_000, "a reconnected notice");
    expect((await run(dir, ["feed", ref, '{"n":2}'])).code).toBe(0);
    await waitFor(() => out.includes('"n":2'), 20_000, "the message after the restart");
    follower.kill("SIGTERM");
    await done;
    expect(jsonLines(out).map((m) => (m as { seq: number }).seq)).toEqual([1, 2]);
    const notices = jsonLines(err) as { notice: Record<string, unknown> }[];
    expect(notices.at(-1)?.notice).toEqual({ kind: "reconnected", pool: ref, since: 2 });
    expect(notices[0]?.notice).toMatchObject({ kind: "reconnecting", pool: ref, attempt: 1 });
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A nats-server with JetStream and `auth` (a config-file block) on a free loopback port. */
async function natsWithAuth(auth: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const conf = join(dir, `auth-${port}.conf`);
  writeFileSync(
    conf,
    `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, `js-${port}`)}" }\n${auth}\n`,
  );
  const proc = spawn(NATS_SERVER as string, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  await waitFor(() => log.includes("Server is ready"), 20_000, "nats-server with auth");
  return { url: `nats://127.0.0.1:${port}`, proc };
}

function stopped(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once("exit", () => resolve());
    if (proc.pid !== undefined) process.kill(proc.pid, "SIGKILL");
  });
}

describeNats("NATS credentials", () => {
  const PASSWORD = "s3cret-pass-word";
  const TOKEN = "t0ken-for-spool-tests";

  it("user and password from the flags or the environment; refused without, never shown", async () => {
    const server = await natsWithAuth(
      `authorization { users: [ { user: spool, password: "${PASSWORD}" } ] }`,
    );
    try {
      const passwordFile = join(dir, "nats-password");
      writeFileSync(passwordFile, `${PASSWORD}\n`);
      const ref = `${server.url}/secured`;
      const flags = ["--nats-user", "spool", "--nats-password-file", passwordFile];
      const fed = await run(dir, ["feed", ref, "{}", "--create", ...flags]);
      expect(fed.code, fed.stderr).toBe(0);
      const env = { SPOOL_NATS_USER: "spool", SPOOL_NATS_PASSWORD: PASSWORD };
      const viaEnv = await run(dir, ["fetch", ref, "1"], { env });
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
      const none = await run(dir, ["fetch", ref, "1"]);
      expect(none.code).toBe(6);
      expect(errorOf(none.stderr)).toMatchObject({ kind: "Permission" });
      expect(errorOf(none.stderr).hint).toContain("--nats-user");
      writeFileSync(passwordFile, "not-the-password\n");
      const wrong = await run(dir, ["fetch", ref, "1", ...flags]);
      expect(wrong.code).toBe(6);
      expect(wrong.stderr).not.toContain("not-the-password");
      const wrongEnv = await run(dir, ["fetch", ref, "1"], {
        env: { SPOOL_NATS_USER: "spool", SPOOL_NATS_PASSWORD: "wrong-env-pass" },
      });
      expect(wrongEnv.code).toBe(6);
      expect(wrongEnv.stderr).not.toContain("wrong-env-pass");
      const half = await run(dir, ["fetch", ref, "1", "--nats-user", "spool"]);
      expect(half.code).toBe(2);
    } finally {
      await stopped(server.proc);
    }
  });

  it("a token from --nats-token-file or SPOOL_NATS_TOKEN; refused without", async () => {
    const server = await natsWithAuth(`authorization { token: "${TOKEN}" }`);
    try {
      const tokenFile = join(dir, "nats-token");
      writeFileSync(tokenFile, `${TOKEN}\n`);
      const ref = `${server.url}/tokened`;
      const fed = await run(dir, ["feed", ref, "{}", "--create", "--nats-token-file", tokenFile]);
      expect(fed.code, fed.stderr).toBe(0);
      const viaEnv = await run(dir, ["pool", "info", ref, "--json"], {
        env: { SPOOL_NATS_TOKEN: TOKEN },
      });
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
      const none = await run(dir, ["pool", "list", server.url]);
      expect(none.code).toBe(6);
      expect(errorOf(none.stderr).kind).toBe("Permission");
      const wrong = await run(dir, ["fetch", ref, "1"], {
        env: { SPOOL_NATS_TOKEN: "nope-token" },
      });
      expect(wrong.code).toBe(6);
      expect(wrong.stderr).not.toContain("nope-token");
      const both = await run(dir, ["fetch", ref, "1", "--nats-token-file", tokenFile], {
        env: { SPOOL_NATS_USER: "spool", SPOOL_NATS_PASSWORD: "x" },
      });
      expect(both.code).toBe(2);
      expect(errorOf(both.stderr).message).toMatch(/one way to authenticate/);
    } finally {
      await stopped(server.proc);
    }
  });
});

describeNats("JetStream pool health", () => {
  it("pool info and doctor show an R3 pool's leader and replicas", {
    timeout: 120_000,
  }, async () => {
    const cluster = await startNatsCluster();
    try {
      const ref = `${cluster.url}/replicated`;
      const created = await run(dir, ["pool", "create", ref, "--replicas", "3"], {
        timeoutMs: 60_000,
      });
      expect(created.code, created.stderr).toBe(0);
      expect((await run(dir, ["feed", ref, '{"r":3}'])).code).toBe(0);
      const info = await run(dir, ["pool", "info", ref, "--json"]);
      const health = JSON.parse(info.stdout).pool.health;
      expect(health).toMatchObject({ replicas: 3, quorum: true });
      expect(cluster.nodes.map((n) => n.name)).toContain(health.leader);
      const human = await run(dir, ["pool", "info", ref]);
      expect(human.stdout).toMatch(new RegExp(`replicas:  3 \\(\\w+; leader ${health.leader}`));
      const doctor = await run(dir, ["doctor", ref, "--json"]);
      expect(doctor.code, doctor.stderr).toBe(0);
      expect(JSON.parse(doctor.stdout).pools[0]).toMatchObject({ ok: true, messages: 1 });
    } finally {
      await cluster.stop();
    }
  });
});
