// CRC-32 (the zip and gzip polynomial, reflected 0xEDB88320), slicing by eight: eight table
// lookups per 8 bytes, a few GB/s, so a checkpoint's checksum keeps pace with the disk.
#include "Internal.h"
#include <pthread.h>

static uint32_t table[8][256];
static pthread_once_t tableOnce = PTHREAD_ONCE_INIT;

static void buildTable(void) {
  for (uint32_t byte = 0; byte < 256; byte++) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    table[0][byte] = crc;
  }
  for (int slice = 1; slice < 8; slice++)
    for (int byte = 0; byte < 256; byte++)
      table[slice][byte] = (table[slice - 1][byte] >> 8) ^ table[0][table[slice - 1][byte] & 0xFF];
}

uint32_t ctk_crc32(uint32_t crc, const void *data, size_t count) {
  pthread_once(&tableOnce, buildTable);
  const uint8_t *p = data;
  crc = ~crc;
  for (; count > 0 && ((uintptr_t)p & 7) != 0; count--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
  for (; count >= 8; count -= 8, p += 8) {
    uint32_t low, high;
    memcpy(&low, p, 4);
    memcpy(&high, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    low = __builtin_bswap32(low);
    high = __builtin_bswap32(high);
#endif
    low ^= crc;
    crc = table[7][low & 0xFF] ^ table[6][(low >> 8) & 0xFF] ^ table[5][(low >> 16) & 0xFF] ^ table[4][low >> 24] ^
          table[3][high & 0xFF] ^ table[2][(high >> 8) & 0xFF] ^ table[1][(high >> 16) & 0xFF] ^ table[0][high >> 24];
  }
  for (; count > 0; count--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}
