/* crc32.h: the pool format's CRC-32 (zlib's crc32()), see crc32.c. */
#ifndef SPOOL_CRC32_H
#define SPOOL_CRC32_H
#include <stddef.h>
#include <stdint.h>

/* zlib's crc32(initial, p, len): IEEE polynomial, reflected, complemented in and out. */
uint32_t spool_crc32(uint32_t initial, const uint8_t *p, size_t len);

#endif
