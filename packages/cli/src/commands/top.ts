/**
 * `spool top [DIR | http(s)://HOST:PORT]`: every pool of a directory or a Spool server, live, on
 * a terminal (@spool/tui's TopView): size, bounds, message count, bytes used, append rate and
 * the lag of cursors and consumer groups; sortable; Enter opens `spool watch` on the selected
 * pool, q goes back (spec/cli/v0 §9.7).
 *
 * Invariants: reads only (pools are listed and opened read-only; the server is asked with the
 * remote flags); a directory operand wins over --dir; the remote flags are refused without a
 * server URL; stdout and stdin must be terminals (else Usage pointing at `spool pool list`);
 * one snapshot in flight at a time, every `--interval`; exit 0 on q or Ctrl-C, 128 + N on
 * signal N.
 */
import { constants } from "node:os";
import { defaultPoolDir, listPools } from "@spool/core";
import { parseDuration } from "../lib/args.js";
import type { CommandModule } from "../lib/command.js";
import { usage } from "../lib/errors.js";
import { commandOptions } from "../lib/option-table.js";
import { REMOTE_OPTIONS, remoteAccess } from "../lib/shared-options.js";
import { openTarget, refuseRemoteFlagsForLocal } from "../lib/target.js";
import { endStatus, loadTui, requireTerminal } from "../lib/tui.js";

/** @spool/tui's SORT_KEYS, spelled here so `--help` does not load React. */
const SORT_KEYS = [
  "name",
  "size",
  "msgs",
  "used",
  "rate",
  "lag",
] as const satisfies readonly import("@spool/tui").SortKey[];

const OPTIONS = commandOptions(
  "top",
  {
    location: {
      type: "string",
      optional: true,
      describe:
        "A pool directory, or a Spool server http(s)://HOST:PORT (default: the pool directory)",
    },
  },
  {
    ...REMOTE_OPTIONS,
    interval: { type: "string", default: "1s", describe: "Time between snapshots (500ms, 2s)" },
    sort: {
      type: "string",
      choices: SORT_KEYS,
      default: "name",
      describe: "Sort by this column first (s cycles, r reverses)",
    },
    buffer: {
      type: "number",
      int: true,
      min: 1,
      default: 1000,
      describe: "Messages the live view (Enter) holds in memory",
    },
  },
);

/** The base URL of a server operand (Usage unless it is a plain http(s) URL). */
function serverBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(
      `spool top takes a directory or a server URL, not ${JSON.stringify(text)}`,
      "e.g. spool top ./pools or spool top http://127.0.0.1:9700",
    );
  }
  if (url.search || url.hash || !/^\/*$/.test(url.pathname)) {
    throw usage(
      `spool top takes a server's base URL http(s)://HOST:PORT, not ${text}`,
      "to watch one pool of a server, run spool watch http://HOST:PORT/POOL",
    );
  }
  return url.origin;
}

export const command: CommandModule = {
  builder: OPTIONS.builder,

  async run(raw, ctx) {
    const args = OPTIONS.parse(raw);
    const intervalMs = Math.max(100, parseDuration(args.interval, "--interval"));
    const remote = remoteAccess(args);
    const location = args.location;
    if (location !== undefined && /^nats:\/\//i.test(location)) {
      throw usage(
        "spool top lists pool directories and Spool servers, not NATS engines",
        `list them with spool pool list ${location}`,
      );
    }
    requireTerminal(ctx.io, "top", "list the pools once instead: spool pool list --json");
    const isServer = location !== undefined && /^https?:\/\//i.test(location);
    let source: import("@spool/tui").TopSource;
    if (isServer) {
      const baseUrl = serverBase(location);
      const { explainRemoteError, fetchFor, readToken } = await import("../lib/remote.js");
      const ref = { name: "", baseUrl, url: baseUrl };
      const token = readToken(remote);
      const customFetch = await fetchFor(ref, remote);
      const { createClient } = await import("@spool/client");
      const client = createClient({
        baseUrl,
        ...(token === undefined ? {} : { token }),
        ...(customFetch === undefined ? {} : { fetch: customFetch }),
      });
      const explained = async <T>(op: () => Promise<T>): Promise<T> => {
        try {
          return await op();
        } catch (error) {
          throw explainRemoteError(error, ref);
        }
      };
      // the first snapshot before the screen is taken: a wrong URL or token fails plainly
      await explained(() => client.listPools());
      source = {
        location: baseUrl,
        list: () => explained(() => client.listPools()),
        open: (name) => explained(() => client.openPool(name)),
      };
    } else {
      const dir = location ?? ctx.dir;
      refuseRemoteFlagsForLocal(location ?? "the pool directory", remote, "a pool directory");
      source = {
        location: defaultPoolDir(dir),
        list: async () => listPools({ dir }),
        open: (name) => openTarget(name, { dir, readOnly: true }),
      };
    }
    const tui = await loadTui();
    const end = await tui.runTop({
      source,
      intervalMs,
      sort: args.sort,
      watch: { capacity: args.buffer },
    });
    return endStatus(end, constants.signals);
  },
};
