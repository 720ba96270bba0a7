/**
 * The WebSocket transport in a real browser: a page built from the SDK's dist follows a pool on a
 * Spool server of another origin (listed in CORS, so its Origin is let in) over Chromium's own
 * WebSocket, with the token in the first frame (a browser WebSocket sends no Authorization
 * header); the test appends, cuts the page's socket mid-stream, appends again: the page shows
 * every message once, in order.
 *
 * Invariants: skips only outside CI when /usr/bin/chromium is absent; the browser, both servers
 * and the pool directory are torn down in afterAll; every wait is bounded.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "../src/index.js";
import { bundle } from "./helpers/bundle.js";
import { startServer, type TestServer, until } from "./helpers/server.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const available = existsSync(CHROMIUM) || process.env.CI === "true";
if (!available) console.warn(`SKIP browser WebSocket test: ${CHROMIUM} is absent`);

const PAGE_SCRIPT = `
import { createClient } from "@spool/client";
const params = new URLSearchParams(location.search);
const client = createClient({ baseUrl: params.get("api"), token: params.get("token") });
const status = document.getElementById("status");
const log = document.getElementById("log");
const follower = client.pool(params.get("pool")).follow({
  since: 1,
  transport: "websocket",
  backoff: { initialMs: 20, maxMs: 100 },
  onStatus: (s) => { if (s.state !== "gap") status.textContent = s.state; if (s.state === "reconnecting") window.reconnects = (window.reconnects ?? 0) + 1; },
});
for await (const msg of follower) {
  const li = document.createElement("li");
  li.textContent = msg.seq + ":" + msg.data.text;
  log.append(li);
}
`;

let browser: Browser | undefined;
let api: TestServer | undefined;
let page: Server | undefined;

afterAll(async () => {
  await browser?.close();
  await api?.dispose();
  await new Promise<void>((resolve) => {
    if (!page) return resolve();
    page.closeAllConnections();
    page.close(() => resolve());
  });
});

function servePage(script: string): Promise<Server> {
  const html = `<!doctype html><meta charset="utf-8"><title>spool</title>
<p id="status">loading</p><ul id="log"></ul><script type="module" src="/app.js"></script>`;
  const server = createServer((req, res) => {
    const js = req.url === "/app.js";
    res.writeHead(200, { "content-type": js ? "text/javascript" : "text/html" });
    res.end(js ? script : html);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe.skipIf(!available)("browser WebSocket", () => {
  it("a page follows over the browser's WebSocket with a first-frame token, and resumes after a cut", async () => {
    const app = await bundle(PAGE_SCRIPT);
    page = await servePage(app.code);
    const pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    api = await startServer({ cors: { origins: [pageOrigin] }, tokens: ["browser-token"] });
    const pool = await createClient({ baseUrl: api.url, token: "browser-token" }).createPool("web");
    await pool.append({ text: "before" });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    const query = new URLSearchParams({ api: api.url, token: "browser-token", pool: "web" });
    await tab.goto(`${pageOrigin}/?${query}`, { timeout: 10_000 });
    await tab.waitForFunction(() => document.querySelectorAll("#log li").length === 1, undefined, {
      timeout: 10_000,
    });
    expect(await tab.textContent("#status")).toBe("connected");
    for (let i = 1; i <= 5; i++) await pool.append({ text: `live-${i}` });
    await tab.waitForFunction(() => document.querySelectorAll("#log li").length === 6, undefined, {
      timeout: 10_000,
    });
    expect(api.dropSockets()).toBe(1); // cut the page's socket: no close frame
    for (let i = 6; i <= 10; i++) await pool.append({ text: `live-${i}` });
    await tab.waitForFunction(() => document.querySelectorAll("#log li").length === 11, undefined, {
      timeout: 10_000,
    });
    const items = await tab.$$eval("#log li", (lis) => lis.map((li) => li.textContent));
    expect(items).toEqual([
      "1:before",
      ...Array.from({ length: 10 }, (_, i) => `${i + 2}:live-${i + 1}`),
    ]);
    expect(await tab.evaluate(() => (window as { reconnects?: number }).reconnects)).toBe(1);
    expect(errors).toEqual([]);
    await tab.close();
    const served = api;
    await until(() => served.app.openTails === 0, 10_000, "the server to free the tail");
  });
});
