#include "tests/fuzz/fuzz_disk.h"

#include <stdlib.h>
#include <string.h>

static int disk_read(const struct pvh_block_dev *dev, uint64_t lba, uint32_t count, void *buf)
{
    struct fuzz_disk *d = (struct fuzz_disk *)dev;
    uint8_t *out = buf;
    uint32_t s;
    unsigned i;

    if (lba > dev->sectors || count > dev->sectors - lba) {
        d->refused++;
        return -1;
    }
    for (s = 0; s < count; s++, out += PVH_SECTOR_SIZE) {
        memset(out, 0, PVH_SECTOR_SIZE);
        for (i = 0; i < d->nr; i++)
            if (lba + s >= d->piece[i].lba && lba + s - d->piece[i].lba < d->piece[i].count) {
                memcpy(out, d->piece[i].buf + (lba + s - d->piece[i].lba) * PVH_SECTOR_SIZE,
                       PVH_SECTOR_SIZE);
                break;
            }
    }
    return 0;
}

void fuzz_disk_from_input(struct fuzz_disk *d, struct fuzz_in *in)
{
    memset(d, 0, sizeof(*d));
    strcpy(d->dev.name, "fuzz");
    d->dev.read = disk_read;
    d->dev.sectors = fuzz_u32(in) % (FUZZ_DISK_MAX_SECTORS + 1);
    while (in->left && d->nr < FUZZ_DISK_PIECES) {
        uint64_t lba = fuzz_u32(in);
        uint32_t count = fuzz_u16(in);
        size_t got = 0;
        const uint8_t *data = fuzz_bytes(in, (size_t)count * PVH_SECTOR_SIZE, &got);

        count = (uint32_t)(got / PVH_SECTOR_SIZE);
        if (!count)
            break;
        d->piece[d->nr].lba = lba;
        d->piece[d->nr].count = count;
        d->piece[d->nr].buf = malloc((size_t)count * PVH_SECTOR_SIZE);
        if (!d->piece[d->nr].buf)
            abort();
        memcpy(d->piece[d->nr].buf, data, (size_t)count * PVH_SECTOR_SIZE);
        d->nr++;
    }
}

void fuzz_disk_free(struct fuzz_disk *d)
{
    unsigned i;

    for (i = 0; i < d->nr; i++)
        free(d->piece[i].buf);
    d->nr = 0;
}
