/**
 * The producer of an append request (spec/http/v0 §3.2): `producer_id`, `producer_epoch` and
 * `producer_seq` from the body, or the same from the `Spool-Producer-Id`, `Spool-Producer-Epoch`
 * and `Spool-Producer-Seq` headers (for proxies and curl users who cannot edit the body).
 *
 * Invariants: a header is checked like its body field (the id by core's `checkProducerId`,
 * numbers as whole decimal digits from 0 to 2^53 − 1), else 400 Usage naming it; a field given in
 * both places must agree, else 400 Usage (one request never names two producers); an epoch or a
 * seq without an id, and an id without a seq, are 400 Usage with a hint; nothing is appended on
 * any of these. The producer goes to core, which decides duplicates and conflicts under the
 * pool's writer lock.
 */
import { checkProducerId, type ProducerOptions } from "@spool/core";
import { usage } from "./errors.js";

/** The header spellings of the producer fields (matched case-insensitively, as all headers). */
export const PRODUCER_HEADERS = {
  id: "spool-producer-id",
  epoch: "spool-producer-epoch",
  seq: "spool-producer-seq",
} as const;

/** The producer fields as a validated body carries them. */
export interface ProducerBody {
  producer_id?: string | undefined;
  producer_epoch?: number | undefined;
  producer_seq?: number | undefined;
}

/** A request's header by name (hono's `c.req.header`). */
type HeaderOf = (name: string) => string | undefined;

const HINT =
  "send producer_id and producer_seq together (producer_epoch optional, default 0), in the body or as the Spool-Producer-Id / Spool-Producer-Seq / Spool-Producer-Epoch headers";

/**
 * The producer of an append: from the body's fields, the headers, or none.
 *
 * @example
 * producerOf(c.req.header.bind(c.req), { producer_id: "ingest", producer_seq: 7 }) // { id: "ingest", epoch: 0, seq: 7 }
 */
export function producerOf(header: HeaderOf, body: ProducerBody): ProducerOptions | undefined {
  const id = merged(
    "producer_id",
    "Spool-Producer-Id",
    body.producer_id,
    headerId(header(PRODUCER_HEADERS.id)),
  );
  const epoch = merged(
    "producer_epoch",
    "Spool-Producer-Epoch",
    body.producer_epoch,
    headerNumber("Spool-Producer-Epoch", header(PRODUCER_HEADERS.epoch)),
  );
  const seq = merged(
    "producer_seq",
    "Spool-Producer-Seq",
    body.producer_seq,
    headerNumber("Spool-Producer-Seq", header(PRODUCER_HEADERS.seq)),
  );
  if (id === undefined) {
    if (seq !== undefined || epoch !== undefined) {
      throw usage(
        `${seq !== undefined ? "producer_seq" : "producer_epoch"} was given without producer_id: nothing was appended`,
        HINT,
      );
    }
    return undefined;
  }
  if (seq === undefined) {
    throw usage(
      "producer_id was given without producer_seq: nothing was appended",
      `${HINT}; producer_seq numbers the message (the batch's first message) in the producer's own order, from 1`,
    );
  }
  return epoch === undefined ? { id, seq } : { id, seq, epoch };
}

/** The body's value or the header's; Usage when both are given and differ. */
function merged<T extends string | number>(
  field: string,
  headerName: string,
  body: T | undefined,
  header: T | undefined,
): T | undefined {
  if (header === undefined) return body;
  if (body !== undefined && body !== header) {
    throw usage(
      `${field} is ${JSON.stringify(body)} in the body but ${JSON.stringify(header)} in the ${headerName} header`,
      "send each producer field once: in the body or in the header",
    );
  }
  return header;
}

function headerId(value: string | undefined): string | undefined {
  return value === undefined ? undefined : checkProducerId(value.trim(), "Spool-Producer-Id");
}

function headerNumber(name: string, header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  const parsed = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) {
    throw usage(
      `invalid ${name} header ${JSON.stringify(header)}: must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`,
      `send decimal digits, e.g. ${name}: 1`,
    );
  }
  return parsed;
}
