/*
 * The virtio-pci transport (virtio 1.x, 4.1): a device's registers are
 * found through vendor capabilities in its configuration space, each
 * naming a BAR, an offset and a length: the common configuration, the
 * notifications, the device configuration. Device 0x1042 (modern
 * block), and the transitional 0x1001 through the same capabilities
 * when it has them; the legacy I/O interface is not driven.
 */
#include "common/lib/string.h"
#include "firmware/disk/disk.h"
#include "firmware/disk/disk_arch.h"
#include "firmware/disk/pci.h"

#define PCI_VENDOR_ID       0x00
#define PCI_HEADER_TYPE     0x0c /* byte 2 of the dword at 0x0c */
#define PCI_MULTIFUNCTION   0x80u
#define PCI_VENDOR_VIRTIO   0x1af4u
#define PCI_STATUS_CAP_LIST 0x10u /* status (the high half of 0x04) */
#define PCI_CAP_PTR         0x34
#define PCI_CAP_ID_VNDR     0x09
#define PCI_CAPS_MAX        48    /* a list longer than this loops */

#define VIRTIO_PCI_DEVICE_BLOCK_MODERN 0x1042u
#define VIRTIO_PCI_DEVICE_BLOCK_TRANS  0x1001u

/* struct virtio_pci_cap (4.1.4): cfg_type at 3, bar at 4, offset at 8,
 * length at 12; the notify capability's multiplier at 16. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1u
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2u
#define VIRTIO_PCI_CAP_DEVICE_CFG 4u
#define CAP_LEN_MIN 16u
#define NOTIFY_CAP_LEN_MIN 20u

/* struct virtio_pci_common_cfg (4.1.4.3). */
#define COMMON_DFSELECT   0x00
#define COMMON_DF         0x04
#define COMMON_GFSELECT   0x08
#define COMMON_GF         0x0c
#define COMMON_STATUS     0x14
#define COMMON_Q_SELECT   0x16
#define COMMON_Q_SIZE     0x18
#define COMMON_Q_ENABLE   0x1c
#define COMMON_Q_NOFF     0x1e
#define COMMON_Q_DESC     0x20
#define COMMON_Q_DRIVER   0x28
#define COMMON_Q_DEVICE   0x30
#define COMMON_CFG_SIZE   0x38

/* The registers by role (virtio.h). */
static const uint8_t pci_reg[VIRTIO_NR_REGS] = {
    COMMON_STATUS, COMMON_Q_SELECT, COMMON_Q_SIZE, COMMON_Q_SIZE, COMMON_Q_ENABLE, COMMON_Q_NOFF,
    COMMON_DFSELECT, COMMON_DF, COMMON_GFSELECT, COMMON_GF, COMMON_Q_DESC, COMMON_Q_DESC + 4,
    COMMON_Q_DRIVER, COMMON_Q_DRIVER + 4, COMMON_Q_DEVICE, COMMON_Q_DEVICE + 4,
};

/* The capability at off: its region mapped, *len its length. */
static int cap_region(struct pvh_pci *pci, const struct pvh_pci_fn *f, const char *name,
                      unsigned off, volatile uint8_t **out, uint32_t *len, uint32_t min,
                      struct pvh_error *err)
{
    uint32_t w1 = pvh_pci_read32(f, off + 4), cap_off = pvh_pci_read32(f, off + 8);
    uint64_t bar_addr, bar_size;
    int rc;

    *len = pvh_pci_read32(f, off + 12);
    rc = pvh_pci_bar(pci, f, w1 & 0xff, &bar_addr, &bar_size, err);
    if (rc)
        return rc;
    *out = *len < min || cap_off > bar_size || *len > bar_size - cap_off ? NULL :
           pvh_disk_map_mmio(bar_addr + cap_off, *len);
    if (!*out)
        return pvh_fail(err, PVH_ERANGE, "%s: capability at 0x%x: 0x%x+0x%x in a BAR of 0x%llx "
                        "bytes, or not mappable", name, off, cap_off, *len,
                        (unsigned long long)bar_size);
    return PVH_OK;
}

/* Walk the capability list for the three regions; the first of each
 * type counts (4.1.4). */
static int find_caps(struct pvh_pci *pci, const struct pvh_pci_fn *f,
                     struct pvh_virtio_transport *t, struct pvh_error *err)
{
    /* No list (status bit clear): no capabilities, a legacy-only device. */
    unsigned off = (pvh_pci_read32(f, 4) >> 16) & PCI_STATUS_CAP_LIST ?
                   pvh_pci_read32(f, PCI_CAP_PTR) & 0xfc : 0, n;
    uint32_t common_len = 0;
    int rc = PVH_OK;

    for (n = 0; off >= 0x40 && n < PCI_CAPS_MAX && !rc; n++) {
        uint32_t w0 = pvh_pci_read32(f, off);
        uint8_t type = (uint8_t)(w0 >> 24), len = (uint8_t)(w0 >> 16);

        if ((w0 & 0xff) == PCI_CAP_ID_VNDR && len >= CAP_LEN_MIN) {
            if (type == VIRTIO_PCI_CAP_COMMON_CFG && !t->regs)
                rc = cap_region(pci, f, t->name, off, &t->regs, &common_len, COMMON_CFG_SIZE, err);
            else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !t->notify_base && len >= NOTIFY_CAP_LEN_MIN) {
                t->notify_mult = pvh_pci_read32(f, off + 16);
                rc = cap_region(pci, f, t->name, off, &t->notify_base, &t->notify_len, 2, err);
            } else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !t->device_cfg)
                rc = cap_region(pci, f, t->name, off, &t->device_cfg, &t->device_cfg_len,
                                VIRTIO_BLK_CFG_SIZE, err);
        }
        off = (w0 >> 8) & 0xfc;
    }
    if (rc)
        return rc;
    if (!t->regs || !t->notify_base || !t->device_cfg)
        return pvh_fail(err, PVH_ENOENT, "%s: no virtio 1.x capabilities (common, notify, device "
                        "cfg): a legacy-only device", t->name);
    return PVH_OK;
}

static int probe(struct pvh_pci *pci, const struct pvh_pci_fn *f, uint32_t id,
                         struct pvh_disk_list *list, struct pvh_error *err)
{
    struct pvh_virtio_transport t = { .pci = true };
    int rc;

    if (id >> 16 != VIRTIO_PCI_DEVICE_BLOCK_MODERN && id >> 16 != VIRTIO_PCI_DEVICE_BLOCK_TRANS)
        return PVH_OK; /* another kind of device */
    memcpy(t.reg, pci_reg, sizeof(t.reg));
    pvh_snprintf(t.name, sizeof(t.name), "virtio-pci %02x:%02x.%x", f->bus, f->dev, f->fn);
    rc = find_caps(pci, f, &t, err);
    if (rc)
        return rc;
    return pvh_disk_add(list, &t, err);
}

/* Bus 0, each function of each device (functions 1-7 where function 0
 * says it has them). */
int pvh_virtio_pci_scan(struct pvh_pci *pci, struct pvh_disk_list *list, struct pvh_error *err)
{
    unsigned dev, fn;

    for (dev = 0; dev < 32; dev++) {
        struct pvh_pci_fn f = { pci, 0, (uint8_t)dev, 0 };
        uint32_t id = pvh_pci_read32(&f, PCI_VENDOR_ID);
        unsigned fns;
        int rc;

        if ((id & 0xffffu) == 0xffffu)
            continue;
        fns = (pvh_pci_read32(&f, PCI_HEADER_TYPE) >> 16) & PCI_MULTIFUNCTION ? 8 : 1;
        for (fn = 0; fn < fns; fn++) {
            f.fn = (uint8_t)fn;
            id = pvh_pci_read32(&f, PCI_VENDOR_ID);
            rc = (id & 0xffffu) == PCI_VENDOR_VIRTIO ? probe(pci, &f, id, list, err) : 0;
            if (rc)
                return rc;
        }
    }
    return PVH_OK;
}
