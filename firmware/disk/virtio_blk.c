/*
 * virtio-blk's driver (virtio_blk.h): the initialisation of 3.1.1 and
 * read requests of a header, the data and a status byte (5.2.6).
 */
#include "firmware/disk/virtio_blk.h"

#include "common/lib/string.h"
#include "firmware/disk/disk_arch.h"

/* Wait for a reset to complete (the status reads 0), bounded. */
#define RESET_TIMEOUT_MS 1000u

static uint8_t get_status(const struct pvh_virtio_transport *t)
{
    return (uint8_t)pvh_virtio_rd(t, VIRTIO_REG_STATUS);
}

static void set_status(const struct pvh_virtio_transport *t, uint8_t s)
{
    pvh_disk_mb();
    pvh_virtio_wr(t, VIRTIO_REG_STATUS, s);
}

/* Word word (bits 32 * word and up) of the device's features. */
static uint32_t get_features(const struct pvh_virtio_transport *t, unsigned word)
{
    pvh_virtio_wr(t, VIRTIO_REG_DEVICE_FEATURES_SEL, word);
    return pvh_virtio_rd(t, VIRTIO_REG_DEVICE_FEATURES);
}

static void set_features(const struct pvh_virtio_transport *t, unsigned word, uint32_t v)
{
    pvh_virtio_wr(t, VIRTIO_REG_DRIVER_FEATURES_SEL, word);
    pvh_virtio_wr(t, VIRTIO_REG_DRIVER_FEATURES, v);
}

static int reset(const struct pvh_virtio_transport *t, struct pvh_error *err)
{
    uint64_t start = pvh_disk_ticks(), limit = RESET_TIMEOUT_MS * pvh_disk_ticks_per_ms();

    set_status(t, 0);
    while (get_status(t)) {
        if (pvh_disk_ticks() - start > limit)
            return pvh_fail(err, PVH_EINVAL, "%s: reset not done in %u ms", t->name,
                            RESET_TIMEOUT_MS);
    }
    return PVH_OK;
}

/* Set status bits and check the device kept them (and did not fail). */
static int add_status(const struct pvh_virtio_transport *t, uint8_t bits, struct pvh_error *err)
{
    uint8_t s;

    set_status(t, (uint8_t)(get_status(t) | bits));
    s = get_status(t);
    if ((s & bits) != bits || (s & (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_DEVICE_NEEDS_RESET)))
        return pvh_fail(err, PVH_EINVAL, "%s: status 0x%x after setting 0x%x", t->name, s, bits);
    return PVH_OK;
}

/* VERSION_1 is required; RO and BLK_SIZE are taken when offered (we
 * only read, and we check the block size). */
static int negotiate(const struct pvh_virtio_transport *t, struct pvh_error *err)
{
    uint32_t lo = get_features(t, 0), hi = get_features(t, 1);
    uint32_t want = lo & ((1u << VIRTIO_BLK_F_RO) | (1u << VIRTIO_BLK_F_BLK_SIZE));

    if (!(hi & (1u << (VIRTIO_F_VERSION_1 - 32))))
        return pvh_fail(err, PVH_EINVAL, "%s: no VIRTIO_F_VERSION_1 (features 0x%x%08x)", t->name,
                        hi, lo);
    set_features(t, 0, want);
    set_features(t, 1, 1u << (VIRTIO_F_VERSION_1 - 32));
    return add_status(t, VIRTIO_STATUS_FEATURES_OK, err);
}

static int block_read(const struct pvh_block_dev *dev, uint64_t lba, uint32_t count, void *buf)
{
    struct pvh_error err;

    if (pvh_virtio_blk_read(dev->ctx, lba, count, buf, &err)) {
        pvh_printf("pvhboot: error: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int block_reset(const struct pvh_block_dev *dev)
{
    const struct pvh_virtio_blk *b = dev->ctx;
    struct pvh_error err;

    if (reset(&b->t, &err)) {
        pvh_printf("pvhboot: error: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int pvh_virtio_blk_init(struct pvh_virtio_blk *b, struct pvh_error *err)
{
    struct pvh_virtio_transport *t = &b->t;
    uint32_t blk_size;
    int rc;

    rc = reset(t, err);
    if (!rc)
        rc = add_status(t, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, err);
    if (!rc)
        rc = negotiate(t, err);
    if (rc)
        return rc;
    if (get_features(t, 0) & (1u << VIRTIO_BLK_F_BLK_SIZE)) {
        blk_size = pvh_virtio_config32(t, VIRTIO_BLK_CFG_BLK_SIZE);
        if (blk_size != PVH_SECTOR_SIZE)
            return pvh_fail(err, PVH_EINVAL, "%s: logical block size %u, only 512 is read",
                            t->name, blk_size);
    }
    /* A 64-bit field read as two words: the generation check of 4.x is
     * not needed, the capacity of a disk does not change under us. */
    b->dev.sectors = pvh_virtio_config32(t, VIRTIO_BLK_CFG_CAPACITY) |
                     (uint64_t)pvh_virtio_config32(t, VIRTIO_BLK_CFG_CAPACITY + 4) << 32;
    rc = pvh_virtq_init(&b->vq, &b->rings, t, 0, err);
    if (!rc)
        rc = add_status(t, VIRTIO_STATUS_DRIVER_OK, err);
    if (rc)
        return rc;
    memcpy(b->dev.name, t->name, sizeof(b->dev.name));
    b->dev.read = block_read;
    b->dev.reset = block_reset;
    b->dev.ctx = b;
    return PVH_OK;
}

/* Requests of at most PVH_VIRTIO_BLK_MAX_SECTORS: a header, the data,
 * the status byte (preset to 0xff, which no device status is: a device
 * that does not write it fails the request). */
int pvh_virtio_blk_read(struct pvh_virtio_blk *b, uint64_t lba, uint32_t count, void *buf,
                        struct pvh_error *err)
{
    struct pvh_virtq_buf bufs[3] = {
        { &b->header, sizeof(b->header), false },
        { buf, 0, true },
        { (const void *)&b->status, 1, true },
    };
    uint32_t written;

    if (lba > b->dev.sectors || count > b->dev.sectors - lba)
        return pvh_fail(err, PVH_ERANGE, "%s: read of %u sectors at %llu: past its end",
                        b->t.name, count, (unsigned long long)lba);
    while (count) {
        uint32_t n = count < PVH_VIRTIO_BLK_MAX_SECTORS ? count : PVH_VIRTIO_BLK_MAX_SECTORS;
        int rc;

        b->header = (struct virtio_blk_req_header){ .type = VIRTIO_BLK_T_IN, .sector = lba };
        b->status = 0xff;
        bufs[1].len = n * PVH_SECTOR_SIZE;
        rc = pvh_virtq_request(&b->vq, bufs, 3, &written, err);
        if (rc)
            return rc;
        if (b->status != VIRTIO_BLK_S_OK)
            return pvh_fail(err, PVH_EINVAL, "%s: read of %u sectors at %llu: status %u",
                            b->t.name, n, (unsigned long long)lba, b->status);
        lba += n;
        count -= n;
        bufs[1].addr = (const uint8_t *)bufs[1].addr + bufs[1].len;
    }
    return PVH_OK;
}
