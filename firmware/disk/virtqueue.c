/* A polled split virtqueue (virtqueue.h). */
#include "firmware/disk/virtqueue.h"

#include "common/lib/string.h"
#include "firmware/disk/disk_arch.h"

static void wr64(struct pvh_virtio_transport *t, unsigned reg, const volatile void *p)
{
    pvh_virtio_wr(t, reg, (uint32_t)(uintptr_t)p);
    pvh_virtio_wr(t, reg + 1, (uint32_t)((uint64_t)(uintptr_t)p >> 32));
}

int pvh_virtq_init(struct pvh_virtq *vq, struct pvh_virtq_rings *rings,
                   struct pvh_virtio_transport *t, unsigned index, struct pvh_error *err)
{
    uint32_t max;
    uint16_t size = PVH_VIRTQ_SIZE;
    uint64_t off = 0;

    pvh_virtio_wr(t, VIRTIO_REG_QUEUE_SEL, index);
    /* One in use already is not ours to set up. */
    max = pvh_virtio_rd(t, VIRTIO_REG_QUEUE_READY) ? 0 : pvh_virtio_rd(t, VIRTIO_REG_QUEUE_MAX);
    /* A split queue's size is a power of two; ours only needs three. */
    while (size > max)
        size /= 2;
    if (size < 4)
        return pvh_fail(err, PVH_EINVAL, "%s: queue %u of size %u (in use, absent or < 4)",
                        t->name, index, max);
    memset(rings, 0, sizeof(*rings));
    *vq = (struct pvh_virtq){ .rings = rings, .size = size, .index = index, .t = t };
    pvh_virtio_wr(t, VIRTIO_REG_QUEUE_SIZE, size);
    wr64(t, VIRTIO_REG_QUEUE_DESC, rings->desc);
    wr64(t, VIRTIO_REG_QUEUE_DRIVER, &rings->avail);
    wr64(t, VIRTIO_REG_QUEUE_DEVICE, &rings->used);
    /* virtio-pci: where this queue's notifications go, inside the notify area. */
    if (t->pci)
        off = (uint64_t)pvh_virtio_rd(t, VIRTIO_REG_QUEUE_NOTIFY_OFF) * t->notify_mult;
    if (index >= sizeof(t->notify_at) / sizeof(t->notify_at[0]) ||
        (t->pci && off + 2 > t->notify_len))
        return pvh_fail(err, PVH_ERANGE, "%s: queue %u notifies at 0x%llx, outside the area's "
                        "%u bytes", t->name, index, (unsigned long long)off, t->notify_len);
    t->notify_at[index] = t->notify_base + off;
    pvh_disk_mb();
    pvh_virtio_wr(t, VIRTIO_REG_QUEUE_READY, 1);
    if (pvh_virtio_rd(t, VIRTIO_REG_QUEUE_READY) != 1)
        return pvh_fail(err, PVH_EINVAL, "%s: queue %u not ready", t->name, index);
    return PVH_OK;
}

/* The device's used index (it writes it: read it once, fresh). */
static uint16_t used_index(const struct pvh_virtq *vq)
{
    return *(volatile const uint16_t *)&vq->rings->used.idx;
}

int pvh_virtq_request(struct pvh_virtq *vq, const struct pvh_virtq_buf *bufs, unsigned n,
                      uint32_t *written, struct pvh_error *err)
{
    struct pvh_virtq_rings *r = vq->rings;
    uint64_t start, limit = PVH_VIRTQ_TIMEOUT_MS * pvh_disk_ticks_per_ms();
    struct virtq_used_elem e;
    uint16_t seen;
    unsigned i;

    /* n <= 4 <= size: the drivers' requests are fixed (virtio_blk.c). */
    if (vq->broken || !n || n > vq->size)
        return pvh_fail(err, PVH_EINVAL, "%s: queue %u failed before, or %u buffers", vq->t->name,
                        vq->index, n);
    vq->broken = true; /* until the device has answered as it should */
    for (i = 0; i < n; i++)
        r->desc[i] = (struct virtq_desc){
            .addr = (uintptr_t)bufs[i].addr, .len = bufs[i].len,
            .flags = (uint16_t)((i + 1 < n ? VIRTQ_DESC_F_NEXT : 0) |
                                (bufs[i].writable ? VIRTQ_DESC_F_WRITE : 0)),
            .next = (uint16_t)(i + 1 < n ? i + 1 : 0) };
    r->avail.ring[vq->avail_idx % vq->size] = 0; /* the chain's head */
    pvh_disk_mb();                               /* descriptors before the index */
    *(volatile uint16_t *)&r->avail.idx = ++vq->avail_idx;
    pvh_disk_mb();                               /* the index before the notification */
    pvh_virtio_notify(vq->t, vq->index);

    start = pvh_disk_ticks();
    while ((seen = used_index(vq)) == vq->used_idx) {
        if (pvh_disk_ticks() - start > limit)
            return pvh_fail(err, PVH_ENOENT, "%s: no answer to a request in %u ms", vq->t->name,
                            PVH_VIRTQ_TIMEOUT_MS);
    }
    pvh_disk_mb(); /* the index before the element it covers */
    if ((uint16_t)(seen - vq->used_idx) != 1)
        return pvh_fail(err, PVH_EINVAL, "%s: used index moved from %u to %u for one request",
                        vq->t->name, vq->used_idx, seen);
    memcpy(&e, (const void *)&r->used.ring[vq->used_idx % vq->size], sizeof(e));
    vq->used_idx = seen;
    if (e.id != 0)
        return pvh_fail(err, PVH_EINVAL, "%s: used element names chain %u, not 0", vq->t->name,
                        e.id);
    *written = e.len;
    vq->broken = false;
    return PVH_OK;
}
