/*
 * One split virtqueue, driven by polling: one request in flight at a
 * time, its chain always descriptors 0..n-1. The rings lie in the
 * driver's memory (identity-mapped: a pointer is the physical address
 * the device is told). What the device writes back (the used ring) is
 * untrusted: its index may move by one request only, the element must
 * name our chain, and the wait for it is bounded.
 */
#ifndef PVH_FIRMWARE_DISK_VIRTQUEUE_H
#define PVH_FIRMWARE_DISK_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"
#include "firmware/disk/virtio.h"

/* Descriptors a queue of ours has: a request takes three. */
#define PVH_VIRTQ_SIZE 8u
/* How long a request may take before the device is given up on. */
#define PVH_VIRTQ_TIMEOUT_MS 5000u

struct pvh_virtq_rings {
    struct virtq_desc desc[PVH_VIRTQ_SIZE];
    struct {
        uint16_t flags, idx, ring[PVH_VIRTQ_SIZE], used_event;
    } avail __attribute__((aligned(2)));
    struct {
        uint16_t flags, idx;
        struct virtq_used_elem ring[PVH_VIRTQ_SIZE];
        uint16_t avail_event;
    } used __attribute__((aligned(4)));
} __attribute__((aligned(16)));

struct pvh_virtq {
    struct pvh_virtq_rings *rings;
    uint16_t size;       /* descriptors in use: a power of two, at most PVH_VIRTQ_SIZE */
    uint16_t avail_idx;  /* ours: requests made */
    uint16_t used_idx;   /* requests the device finished, as we saw */
    unsigned index;      /* the queue's number on its device */
    bool broken;         /* a request failed: the rings' state is unknown, none more */
    const struct pvh_virtio_transport *t;
};

/* A piece of a request: len bytes at addr, written by the device if writable. */
struct pvh_virtq_buf {
    const void *addr;
    uint32_t len;
    bool writable;
};

/* Set vq up on t's queue index: rings cleared, the size the device
 * allows (at most ours), the device told where they are. */
int pvh_virtq_init(struct pvh_virtq *vq, struct pvh_virtq_rings *rings,
                   struct pvh_virtio_transport *t, unsigned index, struct pvh_error *err);
/* Make one request of n buffers and wait (bounded) until the device
 * is done; *written: the bytes it says it wrote. */
int pvh_virtq_request(struct pvh_virtq *vq, const struct pvh_virtq_buf *bufs, unsigned n,
                      uint32_t *written, struct pvh_error *err);

#endif
