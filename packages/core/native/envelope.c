/*
 * envelope: JSONL envelope lines spliced from stored frame payloads, in one native pass.
 *
 * A line is `{"seq":N,"time":"YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ","meta":{"tags":` followed by the
 * stored payload (which carries the rest of the envelope and the newline), byte for byte what
 * message.ts's writeEnvelopeLine writes; the time is the proleptic Gregorian UTC date of the
 * frame's seconds (the civil-from-days algorithm of H. Hinnant) with nine fraction digits.
 * Invariants: only validated frames are passed (seconds up to 9999-12-31T23:59:59, nanos below
 * 10^9, payload ranges inside `src`); nothing is written past `out_len` (a line that would not
 * fit stops the pass, and the caller learns how many lines were written).
 */
#include "envelope.h"

#include <string.h>

/* Writes `v` in decimal at `p`; returns the digits written. */
static size_t put_u64(char *p, uint64_t v) {
  char tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
  return n;
}

static void put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
}

/* `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (30 bytes) for seconds since the epoch (0 ..= year 9999). */
static void put_time(char *p, uint64_t sec, uint32_t nanos) {
  int64_t days = (int64_t)(sec / 86400);
  unsigned rem = (unsigned)(sec % 86400);
  int64_t z = days + 719468;
  int64_t era = z / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  unsigned year = (unsigned)y;
  p[0] = (char)('0' + year / 1000);
  p[1] = (char)('0' + year / 100 % 10);
  p[2] = (char)('0' + year / 10 % 10);
  p[3] = (char)('0' + year % 10);
  p[4] = '-';
  put2(p + 5, m);
  p[7] = '-';
  put2(p + 8, d);
  p[10] = 'T';
  put2(p + 11, rem / 3600);
  p[13] = ':';
  put2(p + 14, rem / 60 % 60);
  p[16] = ':';
  put2(p + 17, rem % 60);
  p[19] = '.';
  for (int i = 28; i >= 20; i--) {
    p[i] = (char)('0' + nanos % 10);
    nanos /= 10;
  }
  p[29] = 'Z';
}

static const char SEQ_OPEN[] = "{\"seq\":";
static const char TIME_OPEN[] = ",\"time\":\"";
static const char META_OPEN[] = "\",\"meta\":{\"tags\":";
#define LIT(s) (sizeof(s) - 1)
/* The longest prefix: the literals, 20 seq digits and the 30-byte time. */
#define MAX_PREFIX (LIT(SEQ_OPEN) + 20 + LIT(TIME_OPEN) + 30 + LIT(META_OPEN))

size_t spool_envelope_lines(uint8_t *out, size_t out_len, const uint8_t *src,
                            const double *meta, size_t count, size_t *written) {
  size_t at = 0;
  size_t k = 0;
  for (; k < count; k++) {
    const double *m = meta + k * ENVELOPE_META_FIELDS;
    uint64_t seq = (uint64_t)m[0];
    uint64_t sec = (uint64_t)m[1];
    uint32_t nanos = (uint32_t)m[2];
    size_t payload_at = (size_t)m[3];
    size_t payload_len = (size_t)m[4];
    if (at + MAX_PREFIX + payload_len > out_len) {
      /* The exact prefix may still fit: measure it before giving up. */
      char digits[20];
      size_t exact = LIT(SEQ_OPEN) + put_u64(digits, seq) + LIT(TIME_OPEN) + 30 + LIT(META_OPEN);
      if (at + exact + payload_len > out_len) break;
    }
    char *p = (char *)out + at;
    memcpy(p, SEQ_OPEN, LIT(SEQ_OPEN));
    p += LIT(SEQ_OPEN);
    p += put_u64(p, seq);
    memcpy(p, TIME_OPEN, LIT(TIME_OPEN));
    p += LIT(TIME_OPEN);
    put_time(p, sec, nanos);
    p += 30;
    memcpy(p, META_OPEN, LIT(META_OPEN));
    p += LIT(META_OPEN);
    memcpy(p, src + payload_at, payload_len);
    p += payload_len;
    at = (size_t)((uint8_t *)p - out);
  }
  *written = at;
  return k;
}
