/*
 * Fuzz target: partition tables (firmware/disk/partition.c, gpt.c, mbr.c).
 *
 * Input: a disk (fuzz_disk.h). Seeds: GPT and MBR disks made by sfdisk
 * (tests/fuzz/disk_seeds.py).
 *
 * Checked: no read past the disk's end is even asked for; on success every
 * partition kept lies inside the disk, is not empty, has a kind the table
 * knows, and there are no more kept than counted; the note is terminated.
 */
#include "firmware/disk/partition.h"
#include "tests/fuzz/fuzz_disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pvh_part_table t;
    struct fuzz_in in = { data, size };
    uint8_t sector[PVH_SECTOR_SIZE];
    struct pvh_error err;
    struct fuzz_disk d;
    unsigned i;

    fuzz_disk_from_input(&d, &in);
    if (pvh_partitions_read(&d.dev, sector, &t, &err) == PVH_OK) {
        FUZZ_CHECK(t.nr <= t.nr_in_use && t.nr <= PVH_PART_MAX, "%u of %u", t.nr, t.nr_in_use);
        for (i = 0; i < t.nr; i++) {
            const struct pvh_partition *p = &t.part[i];

            FUZZ_CHECK(p->sectors && p->first_lba < d.dev.sectors &&
                       p->sectors <= d.dev.sectors - p->first_lba,
                       "partition %u: %llu+%llu on %llu", p->number,
                       (unsigned long long)p->first_lba, (unsigned long long)p->sectors,
                       (unsigned long long)d.dev.sectors);
            FUZZ_CHECK(p->kind <= PVH_PART_XBOOTLDR, "kind %u", p->kind);
        }
        FUZZ_CHECK(fuzz_terminated(t.note, sizeof(t.note)), "note");
    } else {
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)) && err.msg[0], "message");
    }
    FUZZ_CHECK(d.refused == 0, "%u reads past the end", d.refused);
    fuzz_disk_free(&d);
    return 0;
}
