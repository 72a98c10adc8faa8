/* The disk code's arm64 side (disk_arch.h): the identity map has every
 * address below 1 TiB that is not RAM as Device memory already
 * (arch/arm64/mmu.c); the virtual counter; no PCI ports; the boot
 * store's memory map. */
#include <stddef.h>

#include <pvhboot/clock.h>

#include "arch/arm64/arch.h"
#include "common/boot/boot_store.h"
#include "common/fdt/fdt.h"
#include "firmware/disk/disk_arch.h"

#define DEVICE_MAP_END (1ull << 40)
/* The FDT header's ten 32-bit words (version 17). */
#define FDT_HEADER_MIN 40u

volatile void *pvh_disk_map_mmio(uint64_t pa, uint64_t len)
{
    if (!pa || pa >= DEVICE_MAP_END || len > DEVICE_MAP_END - pa)
        return NULL;
    return (volatile void *)(uintptr_t)pa;
}

uint64_t pvh_disk_ticks(void)
{
    return pvh_clock_ticks();
}

uint64_t pvh_disk_ticks_per_ms(void)
{
    uint64_t hz;

    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(hz));
    hz &= 0xffffffffu; /* the upper half is RES0 */
    return hz >= 1000 ? hz / 1000 : 1;
}

void pvh_disk_mb(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}

uint32_t pvh_disk_pci_port_read32(uint32_t addr)
{
    (void)addr;
    return 0xffffffffu;
}

void pvh_disk_pci_port_write32(uint32_t addr, uint32_t value)
{
    (void)addr;
    (void)value;
}

/* The boot store's map: the firmware places the Image and its device
 * tree with it (firmware/arm64/linux.c), skipping flagged RAM. */
struct pvh_memmap *pvh_disk_memmap(const struct pvh_boot *boot)
{
    (void)boot;
    return &arm64_boot_store()->map;
}

/* The entry's tree replaces the loader's as the one the firmware copies
 * and gives the kernel; the firmware's parser checks the rest of it. */
int pvh_disk_devicetree(uint64_t pa, uint64_t size, struct pvh_error *err)
{
    const uint8_t *t = (const uint8_t *)(uintptr_t)pa;
    uint32_t magic = size >= FDT_HEADER_MIN ? pvh_be32(t) : 0;
    uint32_t total = magic == FDT_MAGIC ? pvh_be32(t + 4) : 0;

    /* An FDT header (read only when the file holds one), whose size
     * counts the header and lies within the file. */
    if (total < FDT_HEADER_MIN || total > size)
        return pvh_fail(err, PVH_EINVAL, "devicetree of %llu bytes: magic 0x%08x, totalsize %u",
                        (unsigned long long)size, magic, total);
    arm64_boot_store()->boot.fdt = pa;
    return PVH_OK;
}
