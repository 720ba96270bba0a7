/**
 * Where a JetStream pool may fail a manifest step, and why: each failing step of the
 * conformance run on JetStream (api and http drivers) must be listed here with the deviation of
 * spec/engines/jetstream/v0 §9 (or the section) that explains it, so no difference goes
 * unexplained and a new one fails the test.
 *
 * Invariants: keys are `manifest file` → `step id`; a step listed under `paths` may only differ
 * in `path` fields (an engine pool is `nats://HOST:PORT/POOL` in the api and its name over HTTP,
 * never a `.spool` file); every other entry names the reason in the spec's words.
 */

/** Why a step differs: the spec section or deviation, as the report prints it. */
export type Reason = string;

const PATHS = "§1: a pool is nats://HOST:PORT/POOL (its name over HTTP), not a .spool file";
const NO_FILES =
  "§1/§11: no pool files to damage, hold open or deny (fs.* fixtures, file-system states, path references)";
const SIZES =
  "deviation 4: sizes and retention count stream bytes (a 16 KiB stream keeps more than a 16 KiB file)";
const FILE_OPTIONS =
  "deviation 12: file options (indexCapacity, ledgerSize) are ignored, shown as 0/1";
const PRODUCERS =
  "deviation 3: producer state lives as long as the producer's newest message (no LRU capacity)";
const CHILD_WRITERS =
  "api driver: child-process writers are a file-engine fixture (the step is skipped, so later counts differ)";
const MESSAGE_LIMIT = "deviation 13: a message's limit is also the server's max_payload (1 MiB)";
const BLOCK = "deviation 8: group retention block is Usage";

/** Steps that may only differ in `path` fields. */
export const PATH_ONLY: Record<string, readonly string[]> = {
  "01-lifecycle.json": ["create-a", "info-a", "create-a-again", "list-three", "info-b-gone"],
  "02-append-get.json": ["get-absent", "get-missing-pool", "append-missing-pool"],
  "03-tail.json": ["tail-missing-pool"],
  "05-errors.json": ["info-missing", "delete-missing", "get-absent-seq", "create-exists"],
  "08-concurrency.json": ["concurrent-missing-pool"],
  "15-cursors.json": ["deleted-not-found"],
  "16-groups.json": ["unknown-group"],
};

/** Steps that may differ in any way, with the reason. */
export const ACCEPTED: Record<string, Record<string, Reason>> = {
  "01-lifecycle.json": {
    "create-index-capacity": FILE_OPTIONS,
    "list-index-capacity": FILE_OPTIONS,
    "create-by-path": NO_FILES,
    "info-by-path": NO_FILES,
    "delete-by-path": NO_FILES,
    "info-by-path-gone": NO_FILES,
  },
  "04-retention.json": Object.fromEntries(
    [
      "create",
      "info-wrapped",
      "get-overwritten",
      "gap-continue",
      "gap-continue-explicit",
      "gap-error",
      "gap-error-first-missing",
      "filter-cannot-hide-gap-error",
      "filter-cannot-hide-gap-continue",
      "filter-with-gap",
      "last-no-gap",
      "too-large",
      "info-unchanged",
    ].map((id) => [id, SIZES]),
  ),
  "05-errors.json": Object.fromEntries(
    [
      "info-directory",
      "create-over-plain-file",
      "delete-not-a-pool",
      "info-junk",
      "list-with-broken",
      "create-over-junk",
      "hold",
      "deny-write",
      "create-in-unwritable-dir",
      "create-in-unwritable-subdir",
      "create-in-unwritable-pool-dir",
      "delete-in-unwritable-pool-dir",
      "info-after-refused-delete",
    ].map((id) => [id, NO_FILES]),
  ),
  "06-bad-input.json": {
    "create-index-capacity-zero": FILE_OPTIONS,
    "bad-sizes-created-nothing": FILE_OPTIONS,
  },
  "07-corrupt.json": { "*": NO_FILES },
  "08-concurrency.json": {
    info: CHILD_WRITERS,
    "tail-unordered": CHILD_WRITERS,
    "append-after": CHILD_WRITERS,
  },
  "11-bytes.json": { "append-1mib": MESSAGE_LIMIT },
  "14-producers.json": {
    "create-wrap": SIZES,
    wrapped: SIZES,
    "wrap-retry": SIZES,
    "lru-full": PRODUCERS,
    "lru-dropped": PRODUCERS,
    "lru-afresh": PRODUCERS,
    "deny-write": NO_FILES,
  },
  "15-cursors.json": {
    overwritten: SIZES,
    "cursor-gap-error": SIZES,
    "cursor-gap-continue": SIZES,
  },
  "16-groups.json": {
    "blocker-holds-1": BLOCK,
    "blocker-unfinished": BLOCK,
    "append-blocked": BLOCK,
    "nothing-appended": BLOCK,
    "delete-blocker": BLOCK,
    "lost-counted": SIZES,
    "lossy-goes-on": SIZES,
  },
};

/** Why the failing step `id` of `file` may fail, or undefined when nothing explains it. */
export function acceptedReason(
  file: string,
  id: string,
  failures: readonly string[],
): Reason | undefined {
  const accepted = ACCEPTED[file];
  const reason = accepted?.[id] ?? accepted?.["*"];
  if (reason !== undefined) return reason;
  if (PATH_ONLY[file]?.includes(id) && failures.every((f) => /\bpath: expected /.test(f)))
    return PATHS;
  return undefined;
}
