/* envelope.h: JSONL envelope lines from stored payloads, see envelope.c. */
#ifndef SPOOL_ENVELOPE_H
#define SPOOL_ENVELOPE_H
#include <stddef.h>
#include <stdint.h>

/* Per line: seq, time seconds, time nanos, payload offset in src, payload length. */
#define ENVELOPE_META_FIELDS 5

/*
 * Writes the envelope lines of `count` frames described by `meta` into `out[0, out_len)`;
 * returns the lines written (fewer than `count` when the next one would not fit) and sets
 * `*written` to the bytes they took.
 */
size_t spool_envelope_lines(uint8_t *out, size_t out_len, const uint8_t *src,
                            const double *meta, size_t count, size_t *written);

#endif
