/* PCI configuration space and memory BARs (pci.h). */
#include "firmware/disk/pci.h"

#include "firmware/disk/disk_arch.h"

#define PCI_COMMAND        0x04
#define PCI_BAR0           0x10
#define PCI_COMMAND_MEMORY 0x2u
#define PCI_COMMAND_MASTER 0x4u
#define PCI_BAR_IO         0x1u
#define PCI_BAR_TYPE_MASK  0x6u
#define PCI_BAR_TYPE_64    0x4u
#define PCI_BAR_MEM_MASK   0xfu
#define PCI_CFG_SIZE       4096u

static volatile uint32_t *ecam_reg(const struct pvh_pci_fn *f, unsigned off)
{
    uint64_t pa = f->pci->ecam + ((uint64_t)f->bus << 20 | (uint64_t)f->dev << 15 |
                                  (uint64_t)f->fn << 12);
    volatile uint8_t *cfg = pvh_disk_map_mmio(pa, PCI_CFG_SIZE);

    return cfg ? (volatile uint32_t *)(volatile void *)(cfg + (off & 0xffcu)) : NULL;
}

static uint32_t port_addr(const struct pvh_pci_fn *f, unsigned off)
{
    return PVH_PCI_CFG_ENABLE | (uint32_t)f->bus << 16 | (uint32_t)f->dev << 11 |
           (uint32_t)f->fn << 8 | (off & 0xfcu);
}

uint32_t pvh_pci_read32(const struct pvh_pci_fn *f, unsigned off)
{
    volatile uint32_t *r;

    if (PVH_DISK_PCI_PORTS && !f->pci->ecam)
        return off < 256 ? pvh_disk_pci_port_read32(port_addr(f, off)) : 0xffffffffu;
    r = ecam_reg(f, off);
    return r ? *r : 0xffffffffu;
}

void pvh_pci_write32(const struct pvh_pci_fn *f, unsigned off, uint32_t v)
{
    volatile uint32_t *r;

    if (PVH_DISK_PCI_PORTS && !f->pci->ecam) {
        if (off < 256)
            pvh_disk_pci_port_write32(port_addr(f, off), v);
        return;
    }
    r = ecam_reg(f, off);
    if (r)
        *r = v;
}

/* The BAR's size, by writing all ones (decoding off meanwhile). */
static uint64_t bar_size(const struct pvh_pci_fn *f, unsigned off, bool is64)
{
    uint32_t lo = pvh_pci_read32(f, off), hi = is64 ? pvh_pci_read32(f, off + 4) : 0;
    uint64_t mask;

    pvh_pci_write32(f, off, 0xffffffffu);
    mask = pvh_pci_read32(f, off) & ~(uint64_t)PCI_BAR_MEM_MASK;
    if (is64) {
        pvh_pci_write32(f, off + 4, 0xffffffffu);
        mask |= (uint64_t)pvh_pci_read32(f, off + 4) << 32;
        pvh_pci_write32(f, off + 4, hi);
    } else {
        mask |= 0xffffffff00000000ull;
    }
    pvh_pci_write32(f, off, lo);
    return mask ? ~mask + 1 : 0;
}

/* A place for size bytes (a power of two, aligned to itself) in w. */
static uint64_t window_take(struct pvh_pci_window *w, uint64_t size)
{
    uint64_t at = (w->next + size - 1) & ~(size - 1);

    if (!w->end || at < w->next || at > w->end || size > w->end - at)
        return 0;
    w->next = at + size;
    return at;
}

int pvh_pci_bar(struct pvh_pci *pci, const struct pvh_pci_fn *f, unsigned bar, uint64_t *addr,
                uint64_t *size, struct pvh_error *err)
{
    unsigned off = PCI_BAR0 + 4 * bar;
    uint32_t cmd = pvh_pci_read32(f, PCI_COMMAND) & 0xffffu, lo = pvh_pci_read32(f, off);
    bool is64 = (lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
    struct pvh_pci_window *w = is64 && pci->window64.end ? &pci->window64 : &pci->window32;
    uint64_t pci_addr;

    if (bar + is64 > 5u || (lo & PCI_BAR_IO))
        return pvh_fail(err, PVH_EINVAL, "pci %02x:%02x.%x: BAR %u not memory: 0x%x", f->bus,
                        f->dev, f->fn, bar, lo);
    pvh_pci_write32(f, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
    *size = bar_size(f, off, is64);
    pci_addr = (lo & ~PCI_BAR_MEM_MASK) | (is64 ? (uint64_t)pvh_pci_read32(f, off + 4) << 32 : 0);
    if (!pci_addr && *size && !(*size & (*size - 1))) {
        /* Unassigned: no firmware ran before us (arm64's virt). x86's
         * SeaBIOS always assigns: there the window is empty and this fails. */
        pci_addr = PVH_DISK_PCI_PORTS ? 0 : window_take(w, *size);
        pvh_pci_write32(f, off, (uint32_t)pci_addr | (lo & PCI_BAR_MEM_MASK));
        if (is64)
            pvh_pci_write32(f, off + 4, (uint32_t)(pci_addr >> 32));
    }
    if (!pci_addr || !*size || (*size & (*size - 1)))
        return pvh_fail(err, PVH_EINVAL, "pci %02x:%02x.%x: BAR %u unassigned (no room) or size "
                        "0x%llx", f->bus, f->dev, f->fn, bar, (unsigned long long)*size);
    *addr = pci_addr + w->cpu_offset;
    pvh_pci_write32(f, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    return PVH_OK;
}
