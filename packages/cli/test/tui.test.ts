// spool watch and spool top: the clear error off a terminal, and one end-to-end run of the built
// `spool watch` in tmux (a real terminal of a fixed size): it shows the pool, a message another
// writer appends, a where filter, the inspector and a resize; q leaves the terminal clean (alternate
// screen left, cursor shown, canonical mode back) with exit status 0, and so does Ctrl-C; and
// `spool top` against a server with a token, opening a pool's live view with Enter.
import { execFile, execFileSync } from "node:child_process";
import { openPool } from "@spool/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliLine, run, serveApp, shq, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  expect((await run(dir, ["pool", "create", "b"])).code).toBe(0);
  const pool = openPool("b", { dir });
  for (let n = 1; n <= 3; n++) pool.append({ n }, { tags: n === 2 ? ["two"] : [] });
  pool.close();
});
afterAll(() => cleanup());

describe("off a terminal", () => {
  it("spool watch is a Usage error pointing at spool follow", async () => {
    const r = await run(dir, ["watch", "b"]);
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stderr) as { error: { kind: string; hint: string } };
    expect(error.kind).toBe("Usage");
    expect(r.stderr).toContain("stdout is not a terminal");
    expect(error.hint).toContain("spool follow b");
    expect(r.stdout).toBe("");
  });

  it("spool top is a Usage error pointing at spool pool list", async () => {
    const r = await run(dir, ["top"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.hint).toContain("spool pool list");
  });

  it("bad options fail before anything else", async () => {
    const where = await run(dir, ["watch", "b", "--where", ".data |||"]);
    expect(where.code).toBe(2);
    expect(where.stderr).toContain("--where");
    const both = await run(dir, ["watch", "b", "--tail", "1", "--since", "1"]);
    expect(both.code).toBe(2);
    const sort = await run(dir, ["top", "--sort", "speed"]);
    expect(sort.code).toBe(2);
  });
});

const hasTmux = (() => {
  try {
    execFileSync("sh", ["-c", "command -v tmux"], { stdio: "ignore", timeout: 5000 });
    return true;
  } catch {
    return false;
  }
})();
if (!hasTmux)
  console.warn("SKIP spool watch in tmux: tmux is not installed (apt-get install tmux)");

describe.skipIf(!hasTmux)("spool watch in tmux", () => {
  const socket = `spool-tui-test-${process.pid}`;
  const tmux = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile("tmux", ["-L", socket, ...args], { timeout: 5000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
    });
  const pane = (session: string): Promise<string> => tmux("capture-pane", "-p", "-t", session);
  async function waitForPane(session: string, ok: (text: string) => boolean, ms = 8000) {
    const until = Date.now() + ms;
    for (;;) {
      const text = await pane(session);
      if (ok(text)) return text;
      if (Date.now() > until) throw new Error(`the pane did not show it within ${ms} ms:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  /** Starts `spool ARGS` in a new session; after it exits the shell prints its status and tty mode. */
  async function launch(session: string, args: string[]): Promise<void> {
    const line = `SPOOL_DIR=${shq(dir)} ${cliLine(args)}; echo "EXIT=$?"; stty -a | grep -o -- '-\\?icanon' | sed 's/^/MODE=/'; sleep 60`;
    await tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "20", line);
  }
  afterAll(async () => {
    await tmux("kill-server").catch(() => {});
  });

  it("tails, filters, inspects, resizes and quits cleanly", async () => {
    await launch("watch", ["watch", "b"]);
    let text = await waitForPane("watch", (t) => t.includes("spool watch b") && /^#3 /m.test(t));
    expect(text).toContain("LIVE");
    expect(await tmux("display", "-p", "-t", "watch", "#{alternate_on}")).toBe("1\n");
    const writer = openPool("b", { dir });
    writer.append({ n: 4, from: "another writer" });
    writer.close();
    await waitForPane("watch", (t) => t.includes('"from":"another writer"'));
    await tmux("send-keys", "-t", "watch", "/");
    await tmux("send-keys", "-t", "watch", "-l", ".data.n == 2");
    await tmux("send-keys", "-t", "watch", "Enter");
    text = await waitForPane("watch", (t) => t.includes("filter: where .data.n == 2"));
    const rows = text.split("\n").filter((l) => /^#\d+ /.test(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^#2 .*\[two\]/);
    await tmux("send-keys", "-t", "watch", "Enter");
    text = await waitForPane("watch", (t) => t.includes("the stored envelope"));
    expect(text).toContain('"seq": 2,');
    expect(text).toContain('"n": 2');
    await tmux("send-keys", "-t", "watch", "Escape");
    // apart, or the terminal's bytes read as Alt-c
    await waitForPane("watch", (t) => !t.includes("stored envelope"));
    await tmux("send-keys", "-t", "watch", "c");
    await waitForPane("watch", (t) => /^#4 /m.test(t) && /^#1 /m.test(t));
    await tmux("resize-window", "-t", "watch", "-x", "60", "-y", "12");
    text = await waitForPane("watch", (t) => t.split("\n").some((l) => l.startsWith("q quit")));
    const lines = text.replace(/\n+$/, "").split("\n");
    expect(lines.length).toBeLessThanOrEqual(12);
    for (const l of lines) expect(Array.from(l).length).toBeLessThanOrEqual(60);
    await tmux("send-keys", "-t", "watch", "q");
    text = await waitForPane("watch", (t) => t.includes("MODE="));
    expect(text).toContain("EXIT=0");
    expect(text).toContain("MODE=icanon");
    expect(text).not.toContain("spool watch b");
    expect(await tmux("display", "-p", "-t", "watch", "#{alternate_on} #{cursor_flag}")).toBe(
      "0 1\n",
    );
  });

  it("spool top lists a server's pools and opens one with Enter", async () => {
    const served = await serveApp({ dir, tokens: ["tui-test-token"] });
    try {
      await launch("top", ["top", served.base, "--token", "tui-test-token", "--interval", "200ms"]);
      let text = await waitForPane("top", (t) => /^b\s.*1\.\.4\s+4\s/m.test(t));
      expect(text).toContain(`spool top  ${served.base}  1 pool`);
      const writer = openPool("b", { dir });
      writer.append({ n: 5 });
      writer.close();
      await waitForPane("top", (t) => /^b\s.*1\.\.5\s+5\s/m.test(t));
      await tmux("send-keys", "-t", "top", "Down");
      await waitForPane("top", (t) => t.includes("sort: name"));
      await tmux("send-keys", "-t", "top", "Enter");
      text = await waitForPane("top", (t) => t.includes("spool watch b") && /^#5 /m.test(t));
      expect(text).toContain('{"n":5}');
      await tmux("send-keys", "-t", "top", "q");
      await waitForPane("top", (t) => t.includes("spool top"));
      await tmux("send-keys", "-t", "top", "q");
      text = await waitForPane("top", (t) => t.includes("MODE="));
      expect(text).toContain("EXIT=0");
      expect(text).toContain("MODE=icanon");
    } finally {
      await served.close();
    }
  });

  it("Ctrl-C leaves the terminal clean too", async () => {
    await launch("ctrlc", ["watch", "b"]);
    await waitForPane("ctrlc", (t) => t.includes("spool watch b") && /^#5 /m.test(t));
    await tmux("send-keys", "-t", "ctrlc", "C-c");
    const text = await waitForPane("ctrlc", (t) => t.includes("MODE="));
    expect(text).toContain("EXIT=0");
    expect(text).toContain("MODE=icanon");
    expect(await tmux("display", "-p", "-t", "ctrlc", "#{alternate_on} #{cursor_flag}")).toBe(
      "0 1\n",
    );
  });
});
