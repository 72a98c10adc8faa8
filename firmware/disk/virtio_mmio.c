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

/* The registers by role (virtio.h; there is no notification offset). */
static const uint8_t mmio_reg[VIRTIO_NR_REGS] = {
    MMIO_STATUS, MMIO_QUEUE_SEL, MMIO_QUEUE_NUM_MAX, MMIO_QUEUE_NUM, MMIO_QUEUE_READY, 0,
    MMIO_DEVICE_FEATURES_SEL, MMIO_DEVICE_FEATURES, MMIO_DRIVER_FEATURES_SEL,
    MMIO_DRIVER_FEATURES, MMIO_QUEUE_DESC_LOW, MMIO_QUEUE_DESC_HIGH, MMIO_QUEUE_DRIVER_LOW,
    MMIO_QUEUE_DRIVER_HIGH, MMIO_QUEUE_DEVICE_LOW, MMIO_QUEUE_DEVICE_HIGH,
};

/* Both transports' register access (virtio.h): virtio-pci's narrow
 * registers are the first ones. */
uint32_t pvh_virtio_rd(const struct pvh_virtio_transport *t, unsigned reg)
{
    volatile void *p = t->regs + t->reg[reg];

    if (t->pci && reg <= VIRTIO_REG_QUEUE_NOTIFY_OFF)
        return reg == VIRTIO_REG_STATUS ? *(volatile uint8_t *)p : *(volatile uint16_t *)p;
    return *(volatile uint32_t *)p;
}

void pvh_virtio_wr(const struct pvh_virtio_transport *t, unsigned reg, uint32_t v)
{
    volatile void *p = t->regs + t->reg[reg];

    if (!t->pci || reg > VIRTIO_REG_QUEUE_NOTIFY_OFF)
        *(volatile uint32_t *)p = v;
    else if (reg == VIRTIO_REG_STATUS)
        *(volatile uint8_t *)p = (uint8_t)v;
    else
        *(volatile uint16_t *)p = (uint16_t)v;
}

uint32_t pvh_virtio_config32(const struct pvh_virtio_transport *t, unsigned off)
{
    return off + 4 <= t->device_cfg_len ? *(volatile uint32_t *)(volatile void *)(t->device_cfg + off)
                                        : 0;
}

void pvh_virtio_notify(const struct pvh_virtio_transport *t, unsigned q)
{
    volatile void *p = t->notify_at[q];

    if (t->pci)
        *(volatile uint16_t *)p = (uint16_t)q;
    else
        *(volatile uint32_t *)p = q;
}

int pvh_virtio_mmio_probe(struct pvh_disk_list *list, uint64_t base, uint64_t size,
                          struct pvh_error *err)
{
    struct pvh_virtio_transport t;
    volatile uint8_t *regs;
    uint32_t magic, version, id;

    list->nr_mmio++;
    regs = size >= MMIO_SIZE_MIN && !(base & 3) ? pvh_disk_map_mmio(base, MMIO_SIZE_MIN) : NULL;
    if (!regs)
        return pvh_fail(err, PVH_ERANGE, "virtio-mmio 0x%llx: size 0x%llx (at least 0x%x), "
                        "misaligned or not mappable", (unsigned long long)base,
                        (unsigned long long)size, MMIO_SIZE_MIN);
    magic = *(volatile uint32_t *)(volatile void *)(regs + MMIO_MAGIC);
    id = *(volatile uint32_t *)(volatile void *)(regs + MMIO_DEVICE_ID);
    version = *(volatile uint32_t *)(volatile void *)(regs + MMIO_VERSION);
    if (magic != MMIO_MAGIC_VALUE || (id == VIRTIO_ID_BLOCK && version != MMIO_VERSION_MODERN))
        return pvh_fail(err, PVH_EINVAL, "virtio-mmio 0x%llx: magic 0x%x version %u (a disk must "
                        "be version 2, virtio 1.x)", (unsigned long long)base, magic, version);
    if (id != VIRTIO_ID_BLOCK)
        return PVH_OK; /* 0: no device there; another kind: not a disk */
    t = (struct pvh_virtio_transport){ .regs = regs, .device_cfg = regs + MMIO_CONFIG,
                                       .device_cfg_len = VIRTIO_BLK_CFG_SIZE,
                                       .notify_base = regs + MMIO_QUEUE_NOTIFY };
    memcpy(t.reg, mmio_reg, sizeof(t.reg));
    pvh_snprintf(t.name, sizeof(t.name), "virtio-mmio 0x%llx", (unsigned long long)base);
    return pvh_disk_add(list, &t, err);
}
