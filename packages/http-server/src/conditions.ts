/**
 * The condition of an append request: `expected_last_seq` from the body, or the same from the
 * `Spool-Expected-Last-Seq` header (for proxies and curl users who cannot edit the body).
 *
 * Invariants: the header is whole decimal digits from 0 to 2^53 − 1, else 400 Usage naming it;
 * body and header together must agree, else 400 Usage (one request never carries two
 * conditions); the value is handed to core, which checks it under the pool's writer lock.
 */
import { usage } from "@spool/core";

/** The header spelling of `expected_last_seq` (matched case-insensitively, as all headers). */
export const EXPECTED_LAST_SEQ_HEADER = "spool-expected-last-seq";

/**
 * The expected newest seq of an append: the body's `expected_last_seq`, the header's, or none.
 *
 * @example
 * expectedLastSeqOf(c.req.header(EXPECTED_LAST_SEQ_HEADER), body.expected_last_seq) // 41 | undefined
 */
export function expectedLastSeqOf(
  header: string | undefined,
  body: number | undefined,
): number | undefined {
  if (header === undefined) return body;
  const value = header.trim();
  const parsed = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) {
    throw usage(
      `invalid Spool-Expected-Last-Seq header ${JSON.stringify(header)}: must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`,
      "send the pool's newest seq as decimal digits (0 for a pool never appended to), e.g. Spool-Expected-Last-Seq: 41",
    );
  }
  if (body !== undefined && body !== parsed) {
    throw usage(
      `expected_last_seq is ${body} in the body but ${parsed} in the Spool-Expected-Last-Seq header`,
      "send the condition once: in the body or in the header",
    );
  }
  return parsed;
}
