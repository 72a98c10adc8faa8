/*
 * virtio-blk (virtio 1.x, 5.2), reads only: a device found by a
 * transport becomes a struct pvh_block_dev. Devices whose logical
 * block size is not 512 bytes are refused.
 */
#ifndef PVH_FIRMWARE_DISK_VIRTIO_BLK_H
#define PVH_FIRMWARE_DISK_VIRTIO_BLK_H

#include <stdint.h>

#include "common/output/error.h"
#include "firmware/disk/block.h"
#include "firmware/disk/virtio.h"
#include "firmware/disk/virtqueue.h"

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_RO       5u
#define VIRTIO_BLK_F_BLK_SIZE 6u
/* Configuration (5.2.4): capacity in 512-byte sectors, blk_size. */
#define VIRTIO_BLK_CFG_CAPACITY 0u
#define VIRTIO_BLK_CFG_BLK_SIZE 20u
#define VIRTIO_BLK_CFG_SIZE     24u
/* Requests (5.2.6). */
#define VIRTIO_BLK_T_IN    0u
#define VIRTIO_BLK_S_OK    0u
/* Sectors one request reads at most (64 KiB). */
#define PVH_VIRTIO_BLK_MAX_SECTORS 128u

struct virtio_blk_req_header {
    uint32_t type;     /* VIRTIO_BLK_T_* */
    uint32_t reserved;
    uint64_t sector;   /* in 512-byte units */
};
_Static_assert(sizeof(struct virtio_blk_req_header) == 16, "virtio_blk_req header size");

struct pvh_virtio_blk {
    struct pvh_block_dev dev;        /* what the readers get; dev.ctx points here */
    struct pvh_virtio_transport t;
    struct pvh_virtq vq;
    struct pvh_virtq_rings rings;
    struct virtio_blk_req_header header;
    volatile uint8_t status;
};

/* Bring up the device b->t describes and fill b->dev. */
int pvh_virtio_blk_init(struct pvh_virtio_blk *b, struct pvh_error *err);
/* Read count sectors at lba into buf; an error says why. */
int pvh_virtio_blk_read(struct pvh_virtio_blk *b, uint64_t lba, uint32_t count, void *buf,
                        struct pvh_error *err);

#endif
