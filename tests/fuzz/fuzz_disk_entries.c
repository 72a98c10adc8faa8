/*
 * Fuzz target: the whole chooser (firmware/disk/entries.c,
 * entries_select.c) over a disk: partitions, FAT, entries, UKIs, default.
 *
 * Input: a disk (fuzz_disk.h). Seeds: small GPT disks with a FAT12 ESP
 * holding entries, loader.conf and a UKI (tests/fuzz/disk_seeds.py).
 *
 * Checked: no read past the disk's end is asked for; at most
 * PVH_DISK_ENTRIES_MAX entries kept, in the order pvh_disk_entry_cmp
 * gives; on a successful choice the files to load can be read (or fail
 * with a message), and the command line is terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "firmware/disk/entries.h"
#include "tests/fuzz/fuzz_disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pvh_disk_work w;
static struct pvh_disk_boot boot;
static uint8_t file_buf[1 << 20];

static void try_read(const struct pvh_disk_file *f)
{
    struct pvh_error err;

    if (f->size <= sizeof(file_buf) && pvh_disk_read(&w, f, file_buf, &err) != PVH_OK)
        FUZZ_CHECK(err.msg[0], "message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct pvh_error err;
    struct fuzz_disk d;
    unsigned i;

    fuzz_disk_from_input(&d, &in);
    if (pvh_disk_scan(&d.dev, &w, &err) == PVH_OK) {
        FUZZ_CHECK(w.nr_entries <= PVH_DISK_ENTRIES_MAX && w.nr_entries <= w.nr_seen, "%u",
                   w.nr_entries);
        for (i = 1; i < w.nr_entries; i++)
            FUZZ_CHECK(pvh_disk_entry_cmp(&w.entries[i - 1], &w.entries[i]) <= 0,
                       "entries %u and %u out of order", i - 1, i);
        if (pvh_disk_select(&w, NULL, "console=ttyS0", &boot, &err) == PVH_OK) {
            FUZZ_CHECK(fuzz_terminated(boot.cmdline, sizeof(boot.cmdline)), "cmdline");
            FUZZ_CHECK(boot.nr_initrd <= PVH_BLS_INITRD_MAX, "%u initrds", boot.nr_initrd);
            try_read(&boot.kernel);
            for (i = 0; i < boot.nr_initrd; i++)
                try_read(&boot.initrd[i]);
        }
    }
    FUZZ_CHECK(d.refused == 0, "%u reads past the end", d.refused);
    fuzz_disk_free(&d);
    return 0;
}
