/*
 * The virtio-mmio transport (virtio 1.x, 4.2.2): the register block of
 * version 2 ("modern"). A legacy block (version 1) is refused with a
 * message: QEMU's arm64 virt makes them unless told
 * -global virtio-mmio.force-legacy=false.
 */
#include "common/lib/string.h"
#include "firmware/disk/disk.h"
#include "firmware/disk/disk_arch.h"

/* Registers (4.2.2), offsets into the block. */
#define MMIO_MAGIC               0x000
#define MMIO_VERSION             0x004
#define MMIO_DEVICE_ID           0x008
#define MMIO_DEVICE_FEATURES     0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES     0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL           0x030
#define MMIO_QUEUE_NUM_MAX       0x034
#define MMIO_QUEUE_NUM           0x038
#define MMIO_QUEUE_READY         0x044
#define MMIO_QUEUE_NOTIFY        0x050
#define MMIO_STATUS              0x070
#define MMIO_QUEUE_DESC_LOW      0x080
#define MMIO_QUEUE_DESC_HIGH     0x084
#define MMIO_QUEUE_DRIVER_LOW    0x090
#define MMIO_QUEUE_DRIVER_HIGH   0x094
#define MMIO_QUEUE_DEVICE_LOW    0x0a0
#define MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define MMIO_CONFIG              0x100

#define MMIO_MAGIC_VALUE 0x74726976u /* "virt" */
#define MMIO_VERSION_MODERN 2u
/* The registers and a block device's configuration. */
#define MMIO_SIZE_MIN (MMIO_CONFIG + VIRTIO_BLK_CFG_SIZE)

static uint32_t rd(const struct pvh_virtio_transport *t, unsigned off)
{
    return *(volatile const uint32_t *)(volatile void *)(t->regs + off);
}

static void wr(const struct pvh_virtio_transport *t, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(volatile void *)(t->regs + off) = v;
}

static uint8_t get_status(const struct pvh_virtio_transport *t)
{
    return (uint8_t)rd(t, MMIO_STATUS);
}

static void set_status(const struct pvh_virtio_transport *t, uint8_t s)
{
    pvh_disk_mb();
    wr(t, MMIO_STATUS, s);
}

static uint32_t get_features(const struct pvh_virtio_transport *t, unsigned word)
{
    wr(t, MMIO_DEVICE_FEATURES_SEL, word);
    return rd(t, MMIO_DEVICE_FEATURES);
}

static void set_features(const struct pvh_virtio_transport *t, unsigned word, uint32_t v)
{
    wr(t, MMIO_DRIVER_FEATURES_SEL, word);
    wr(t, MMIO_DRIVER_FEATURES, v);
}

static uint32_t config32(const struct pvh_virtio_transport *t, unsigned off)
{
    return rd(t, MMIO_CONFIG + off);
}

static uint16_t queue_max(const struct pvh_virtio_transport *t, unsigned q)
{
    uint32_t max;

    wr(t, MMIO_QUEUE_SEL, q);
    if (rd(t, MMIO_QUEUE_READY))
        return 0; /* in use already: not ours to set up */
    max = rd(t, MMIO_QUEUE_NUM_MAX);
    return (uint16_t)(max > 0xffff ? 0xffff : max);
}

static int queue_setup(struct pvh_virtio_transport *t, unsigned q, uint16_t size,
                       uint64_t desc, uint64_t avail, uint64_t used, struct pvh_error *err)
{
    wr(t, MMIO_QUEUE_SEL, q);
    wr(t, MMIO_QUEUE_NUM, size);
    wr(t, MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    wr(t, MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    wr(t, MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
    wr(t, MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
    wr(t, MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
    wr(t, MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
    pvh_disk_mb();
    wr(t, MMIO_QUEUE_READY, 1);
    if (rd(t, MMIO_QUEUE_READY) != 1)
        return pvh_fail(err, PVH_EINVAL, "%s: queue %u not ready", t->name, q);
    return PVH_OK;
}

static void notify(const struct pvh_virtio_transport *t, unsigned q)
{
    wr(t, MMIO_QUEUE_NOTIFY, q);
}

static const struct pvh_virtio_ops mmio_ops = {
    get_status, set_status, get_features, set_features, config32, queue_max, queue_setup, notify,
};

int pvh_virtio_mmio_probe(struct pvh_disk_list *list, uint64_t base, uint64_t size,
                          struct pvh_error *err)
{
    struct pvh_virtio_transport t;
    volatile uint8_t *regs;
    uint32_t version, id;

    list->nr_mmio++;
    regs = size >= MMIO_SIZE_MIN && !(base & 3) ? pvh_disk_map_mmio(base, MMIO_SIZE_MIN) : NULL;
    if (!regs)
        return pvh_fail(err, PVH_ERANGE, "virtio-mmio 0x%llx: size 0x%llx (at least 0x%x), "
                        "misaligned or not mappable", (unsigned long long)base,
                        (unsigned long long)size, MMIO_SIZE_MIN);
    id = *(volatile uint32_t *)(volatile void *)(regs + MMIO_DEVICE_ID);
    version = *(volatile uint32_t *)(volatile void *)(regs + MMIO_VERSION);
    if (*(volatile uint32_t *)(volatile void *)(regs + MMIO_MAGIC) != MMIO_MAGIC_VALUE ||
        (id == VIRTIO_ID_BLOCK && version != MMIO_VERSION_MODERN))
        return pvh_fail(err, PVH_EINVAL, "virtio-mmio 0x%llx: magic 0x%x version %u (a disk must "
                        "be version 2, virtio 1.x)", (unsigned long long)base,
                        *(volatile uint32_t *)(volatile void *)(regs + MMIO_MAGIC), version);
    if (id != VIRTIO_ID_BLOCK)
        return PVH_OK; /* 0: no device there; another kind: not a disk */
    t = (struct pvh_virtio_transport){ .ops = &mmio_ops, .regs = regs };
    pvh_snprintf(t.name, sizeof(t.name), "virtio-mmio 0x%llx", (unsigned long long)base);
    return pvh_disk_add(list, &t, err);
}
