/**
 * Which bind addresses are loopback-only: 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and
 * `localhost`. Everything else (0.0.0.0, ::, a LAN address, a DNS name) reaches the network.
 *
 * Invariants: decided from the text alone, without DNS (a name other than `localhost` counts as
 * non-loopback, the safe answer); brackets around IPv6 literals are ignored.
 */
import { isIP } from "node:net";

/**
 * True when binding `host` only accepts connections from this machine.
 *
 * @example
 * isLoopbackHost("127.0.0.1") // true
 * isLoopbackHost("0.0.0.0")   // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "localhost.") return true;
  const version = isIP(h);
  if (version === 4) return h.startsWith("127.");
  if (version === 6) {
    if (h === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(h) || h === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && (mapped[1] as string).startsWith("127.");
  }
  return false;
}

/** The host as it appears in a URL (IPv6 literals in brackets; wildcards shown as loopback). */
export function urlHost(host: string): string {
  const h = host.replace(/^\[(.*)\]$/, "$1");
  if (h === "0.0.0.0" || h === "") return "127.0.0.1";
  if (h === "::") return "[::1]";
  return isIP(h) === 6 ? `[${h}]` : h;
}
