/* A module's compression format, named from its magic bytes. */
#include "common/boot/compression.h"

#include "common/lib/string.h"

/*
 * The magics, from each format's specification (and as Linux's
 * lib/decompress.c tells them apart, which looks at two bytes only):
 *   gzip   1f 8b                      (RFC 1952: ID1, ID2)
 *   xz     fd 37 7a 58 5a 00          (.xz file format: header magic)
 *   zstd   28 b5 2f fd                (RFC 8878: frame magic 0xfd2fb528, LE)
 *   lz4    02 21 4c 18                (legacy frame, 0x184c2102 LE: what Linux builds)
 *          04 22 4d 18                (frame format, 0x184d2204 LE)
 *   bzip2  42 5a 68                   ("BZh", then the block size digit)
 *   lzma   5d 00 00                   (.lzma "alone": properties lc=3 lp=0 pb=2, then
 *                                      a dictionary size whose low 16 bits are 0)
 *   lzo    89 4c 5a 4f 00 0d 0a 1a 0a (lzop's file magic)
 */
static const struct {
    uint8_t len;
    uint8_t compression; /* enum pvh_compression */
    uint8_t magic[PVH_COMPRESSION_MAGIC_MAX];
} magics[] = {
    { 2, PVH_COMPRESSION_GZIP, { 0x1f, 0x8b } },
    { 6, PVH_COMPRESSION_XZ, { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 } },
    { 4, PVH_COMPRESSION_ZSTD, { 0x28, 0xb5, 0x2f, 0xfd } },
    { 4, PVH_COMPRESSION_LZ4, { 0x02, 0x21, 0x4c, 0x18 } },
    { 4, PVH_COMPRESSION_LZ4, { 0x04, 0x22, 0x4d, 0x18 } },
    { 3, PVH_COMPRESSION_BZIP2, { 0x42, 0x5a, 0x68 } },
    { 3, PVH_COMPRESSION_LZMA, { 0x5d, 0x00, 0x00 } },
    { 9, PVH_COMPRESSION_LZO, { 0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a } },
};

enum pvh_compression pvh_compression_of(const uint8_t *head, size_t len)
{
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (len >= magics[i].len && !memcmp(head, magics[i].magic, magics[i].len))
            return (enum pvh_compression)magics[i].compression;
    return PVH_COMPRESSION_NONE;
}

const char *pvh_compression_name(enum pvh_compression compression)
{
    /* Characters, not pointers: no run-time relocations (arm64). */
    static const char names[][6] = {
        [PVH_COMPRESSION_GZIP] = "gzip",   [PVH_COMPRESSION_XZ] = "xz",
        [PVH_COMPRESSION_ZSTD] = "zstd",   [PVH_COMPRESSION_LZ4] = "lz4",
        [PVH_COMPRESSION_BZIP2] = "bzip2", [PVH_COMPRESSION_LZMA] = "lzma",
        [PVH_COMPRESSION_LZO] = "lzo",
    };

    return (unsigned)compression < sizeof(names) / sizeof(names[0]) && names[compression][0]
               ? names[compression]
               : NULL;
}
