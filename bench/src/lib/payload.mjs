// The benchmark payload: realistic ~1 KB JSON events (an HTTP request log record with ~20
// top-level fields of mixed types, nested objects and arrays), built deterministically from a
// seed so every run and every process measures the same bytes.

/** A small deterministic PRNG (mulberry32): same seed, same sequence, in every process. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = "0123456789abcdef";
const WORDS = [
  "alpha",
  "amber",
  "basil",
  "cedar",
  "delta",
  "ember",
  "fjord",
  "gamma",
  "harbor",
  "indigo",
  "juniper",
  "kelp",
  "lumen",
  "maple",
  "nectar",
  "onyx",
  "pepper",
  "quartz",
  "raven",
  "saffron",
];
const PATHS = [
  "/api/v2/orders/{id}/items",
  "/api/v2/carts/{id}",
  "/api/v2/orders/{id}/pay",
  "/api/v2/users/{id}/addresses",
];
const TYPES = ["order.item_added", "cart.updated", "order.paid", "user.address_saved"];
const STATUSES = [200, 200, 200, 201, 201, 204, 400, 404, 409, 500];
const BASE_TIME = Date.UTC(2026, 10, 22, 10, 0, 0);

function hex(rand, n) {
  let s = "";
  for (let i = 0; i < n; i++) s += HEX[Math.floor(rand() * 16)];
  return s;
}
function pick(rand, list) {
  return list[Math.floor(rand() * list.length)];
}
function int(rand, lo, hi) {
  return lo + Math.floor(rand() * (hi - lo + 1));
}
function words(rand, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(pick(rand, WORDS));
  return out.join(" ");
}
function money(rand, lo, hi) {
  return Math.round((lo + rand() * (hi - lo)) * 100) / 100;
}

/** One event, number `i`. */
export function makeEvent(i, rand) {
  const userId = int(rand, 10_000, 99_999);
  const orderId = int(rand, 1_000_000, 9_999_999);
  const items = [];
  const itemCount = int(rand, 1, 3);
  for (let k = 0; k < itemCount; k++) {
    items.push({
      sku: `SKU-${hex(rand, 8).toUpperCase()}`,
      name: words(rand, 2),
      qty: int(rand, 1, 5),
      unitPrice: money(rand, 1, 300),
      giftWrap: rand() < 0.1,
    });
  }
  const subtotal =
    Math.round(items.reduce((sum, item) => sum + item.qty * item.unitPrice, 0) * 100) / 100;
  const status = pick(rand, STATUSES);
  return {
    id: `evt_${hex(rand, 24)}`,
    type: pick(rand, TYPES),
    schemaVersion: 3,
    occurredAt: new Date(BASE_TIME + i * 137).toISOString(),
    service: "checkout-api",
    host: `web-${String(i % 16).padStart(2, "0")}.eu-west-1.internal`,
    requestId: `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`,
    traceId: hex(rand, 32),
    method: "POST",
    path: pick(rand, PATHS).replace("{id}", String(orderId)),
    status,
    durationMs: Math.round(rand() * 250_000) / 1000,
    retries: rand() < 0.9 ? 0 : int(rand, 1, 3),
    cached: rand() < 0.3,
    error: status >= 400 ? { code: `E${status}`, message: words(rand, 4) } : null,
    user: {
      id: userId,
      name: `${words(rand, 1)} ${words(rand, 1)}`,
      email: `user${userId}@example.com`,
      plan: pick(rand, ["free", "pro", "team"]),
      roles: ["buyer", ...(rand() < 0.3 ? ["beta"] : [])],
    },
    client: {
      ip: `10.${int(rand, 0, 255)}.${int(rand, 0, 255)}.${int(rand, 1, 254)}`,
      userAgent:
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
      appVersion: `4.${int(rand, 0, 20)}.${int(rand, 0, 9)}`,
    },
    items,
    totals: {
      subtotal,
      tax: Math.round(subtotal * 19) / 100,
      shipping: subtotal > 50 ? 0 : 4.95,
      currency: "EUR",
    },
    labels: ["web", "checkout", pick(rand, ["eu", "de", "fr"])],
    note: words(rand, int(rand, 4, 10)),
  };
}

/** `count` distinct events from `seed`. */
export function makeEvents(count, seed = 42) {
  const rand = rng(seed);
  const out = [];
  for (let i = 0; i < count; i++) out.push(makeEvent(i, rand));
  return out;
}

function kindOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** A one-line description of the events' shape and compact JSON sizes. */
export function describeEvents(events) {
  const kinds = {};
  for (const [key, value] of Object.entries(events[0])) {
    const kind = key === "error" ? "object|null" : kindOf(value);
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  const sizes = events.map((e) => Buffer.byteLength(JSON.stringify(e)));
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const fields = Object.keys(events[0]).length;
  const parts = Object.entries(kinds).map(([kind, n]) => `${n} ${kind}`);
  return {
    fields,
    meanBytes: Math.round(mean),
    minBytes: Math.min(...sizes),
    maxBytes: Math.max(...sizes),
    text: `HTTP request event, ${fields} top-level fields (${parts.join(", ")}); nested user/client/totals objects, 1-3 line items, string/number/boolean/null values; compact JSON ${Math.min(...sizes)}-${Math.max(...sizes)} B (mean ${Math.round(mean)} B), ${events.length} distinct events cycled`,
  };
}
