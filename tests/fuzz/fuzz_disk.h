/*
 * A disk for the fuzz targets of firmware/disk/, from the input: a u32
 * size in sectors (at most FUZZ_DISK_MAX_SECTORS), then pieces, each a u32
 * LBA, a u16 sector count and that many sectors of data (fewer if the
 * input ends first: the piece is cut). Sectors no piece holds read as
 * zeros, so a seed of a real image keeps only its non-zero sectors. Each
 * piece is its own heap buffer of exactly its size. A read past the disk's
 * end is refused (as the transports refuse it) and counted.
 */
#ifndef PVH_TESTS_FUZZ_FUZZ_DISK_H
#define PVH_TESTS_FUZZ_FUZZ_DISK_H

#include "firmware/disk/block.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_DISK_MAX_SECTORS (1u << 22) /* 2 GiB */
#define FUZZ_DISK_PIECES 32

struct fuzz_disk {
    struct pvh_block_dev dev;  /* first: read() casts back */
    struct {
        uint64_t lba;
        uint32_t count;
        uint8_t *buf;
    } piece[FUZZ_DISK_PIECES];
    unsigned nr;
    unsigned refused;
};

void fuzz_disk_from_input(struct fuzz_disk *d, struct fuzz_in *in);
void fuzz_disk_free(struct fuzz_disk *d);

#endif
