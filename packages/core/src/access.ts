/**
 * Access modes: what a client of a server may do with messages (read them, write them, or
 * both). One definition for the HTTP app, the server's token file and its configuration.
 *
 * Invariants: the three names are stable (they appear in token files, flags and specs).
 */

/** What a client may do: read messages, write them, or both. */
export type AccessMode = "read-only" | "write-only" | "read-write";

/**
 * All access modes.
 *
 * @example
 * ACCESS_MODES.includes("read-only") // true
 */
export const ACCESS_MODES: readonly AccessMode[] = ["read-only", "write-only", "read-write"];
