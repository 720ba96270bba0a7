// Load generator of the console's responsiveness test, run as its own process:
// `node load.mjs URL POOL RATE SECONDS TOKEN` appends RATE messages per second for SECONDS s to
// POOL through the server (append_batch, one batch every 50 ms, paced against the clock so a
// slow batch is made up), then prints how many it sent and the last committed seq.
const [url, pool, rateText, secondsText, token] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const tick = 50;
const perTick = Math.round((rate * tick) / 1000);
const started = performance.now();
let sent = 0;
let last = 0;
const pad = "x".repeat(60);
const total = rate * seconds;
// Until every message is sent; a machine busy with other work gets up to twice the time.
while (sent < total && performance.now() - started < seconds * 2000) {
  const due = Math.floor(((performance.now() - started) * rate) / 1000);
  const count = Math.min(Math.max(Math.min(due, total) - sent, 0), perTick * 4);
  if (count > 0) {
    const messages = Array.from({ length: count }, (_, i) => ({
      data: { n: sent + i + 1, kind: (sent + i) % 10 === 0 ? "tenth" : "plain", pad },
      tags: ["load"],
    }));
    const res = await fetch(`${url}/v0/pools/${pool}/append_batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ messages }),
    });
    if (!res.ok) {
      console.error(`append_batch answered ${res.status}: ${await res.text()}`);
      process.exit(1);
    }
    const body = await res.json();
    last = body.messages[body.messages.length - 1].seq;
    sent += count;
  }
  await new Promise((r) => setTimeout(r, tick));
}
console.log(JSON.stringify({ sent, last }));
