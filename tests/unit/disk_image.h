/*
 * Disks in memory for the tests of firmware/disk/: a block device over a
 * buffer allocated at exactly its size (ASan sees a read past its end),
 * and writers of GPT, MBR and FAT structures, written from the
 * specifications so the tests can break them field by field.
 */
#ifndef PVH_TESTS_UNIT_DISK_IMAGE_H
#define PVH_TESTS_UNIT_DISK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/disk/block.h"

struct mem_disk {
    struct pvh_block_dev dev;  /* first: read() casts back */
    uint8_t *data;
    unsigned reads;            /* read() calls */
    unsigned bad_reads;        /* reads refused: past the end */
};

void mem_disk_init(struct mem_disk *d, uint64_t sectors);
void mem_disk_free(struct mem_disk *d);
uint8_t *mem_disk_at(struct mem_disk *d, uint64_t lba);

/* ---- GPT ---------------------------------------------------------------- */

struct test_gpt_part {
    const uint8_t *type;  /* 16 bytes as stored */
    uint64_t first, last;
};
extern const uint8_t test_guid_esp[16], test_guid_xbootldr[16], test_guid_linux[16];

/* A protective MBR, primary and backup headers and 128-entry arrays
 * (first usable LBA 34, last usable sectors - 34). */
void test_gpt_write(struct mem_disk *d, const struct test_gpt_part *parts, unsigned n);
/* Recompute the entry-array and header CRCs of the header at lba. */
void test_gpt_fix_crcs(struct mem_disk *d, uint64_t lba);
/* Header field offsets the tests change. */
#define TGPT_HEADER_CRC 16
#define TGPT_ENTRIES_LBA 72
#define TGPT_NR_ENTRIES 80
#define TGPT_ENTRY_SIZE 84

/* ---- MBR ---------------------------------------------------------------- */

void test_mbr_entry(uint8_t *sector, unsigned i, uint8_t type, uint32_t first, uint32_t count);

/* ---- FAT ---------------------------------------------------------------- */

struct test_fat {
    struct mem_disk *d;
    uint64_t lba;
    unsigned type, spc, fat_sz, nfats, reserved, root_entries;
    uint32_t root_lba, data_lba, clusters, next_free;
};

/* Format [lba, lba + sectors) as FAT type (12, 16, 32) with spc sectors a
 * cluster; type must be what the cluster count gives (asserted). */
void test_fat_format(struct test_fat *f, struct mem_disk *d, uint64_t lba, uint32_t sectors,
                     unsigned type, unsigned spc);
void test_fat_set(struct test_fat *f, uint32_t c, uint32_t v);
uint32_t test_fat_eoc(const struct test_fat *f);
uint8_t *test_fat_cluster(struct test_fat *f, uint32_t c);
/* The root's cluster (FAT32) or 0 (FAT12/16's fixed root). */
uint32_t test_fat_root(const struct test_fat *f);
/* Where the next entry of dir goes (dir 0: FAT12/16's root). n entries in a row. */
uint8_t *test_fat_slot(struct test_fat *f, uint32_t dir, unsigned n);
/* Add an entry: the long name (NULL for none) and the 11-byte short one. */
uint8_t *test_fat_entry(struct test_fat *f, uint32_t dir, const char *lname,
                        const char *short11, uint8_t attr, uint32_t cluster, uint32_t size);
/* A file of len bytes in fresh contiguous clusters; returns its first cluster. */
uint32_t test_fat_file(struct test_fat *f, uint32_t dir, const char *lname, const char *short11,
                       const void *data, uint32_t len);
/* A directory (one cluster, "." and ".."); returns its cluster. */
uint32_t test_fat_mkdir(struct test_fat *f, uint32_t dir, const char *lname,
                        const char *short11);
uint8_t test_fat_short_checksum(const char *short11);
/* Write an entry (its long-name pieces first) at e; returns the slots used. */
unsigned test_fat_entry_at(uint8_t *e, const char *lname, const char *short11, uint8_t attr,
                           uint32_t cluster, uint32_t size);

/* ---- PE (a unified kernel image's shape) ---------------------------------- */

struct test_pe_section {
    const char *name;   /* up to 8 bytes */
    const void *data;
    uint32_t len;
};
#define TPE_LFANEW 0x40
#define TPE_TABLE (TPE_LFANEW + 24 + 0xf0)
/* A PE32+ image for machine with these sections (data from 0x400, each
 * 512-aligned) into buf; returns its size. */
size_t test_pe_build(uint8_t *buf, size_t cap, uint16_t machine,
                     const struct test_pe_section *s, unsigned n);

#endif
