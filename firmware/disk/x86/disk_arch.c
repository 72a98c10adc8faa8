/* The disk code's x86 side (disk_arch.h): uncached mappings from the
 * identity map's pool, the TSC, PCI configuration mechanism #1, and the
 * memory map the firmware will plan with. */
#include <pvhboot/clock.h>
#include <pvhboot/console.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "common/boot/memmap.h"
#include "common/cpu/counter_rate.h"
#include "common/lib/compiler.h"
#include "common/lib/string.h"
#include "firmware/disk/disk_arch.h"

volatile void *pvh_disk_map_mmio(uint64_t pa, uint64_t len)
{
    if (!pa || !x86_paging_map(pa, len, X86_MAP_MMIO))
        return NULL;
    return (volatile void *)(uintptr_t)pa;
}

uint64_t pvh_disk_ticks(void)
{
    return pvh_clock_ticks();
}

/* The TSC's rate is not measured here: the fastest a part has is
 * assumed, so a wait is never shorter than meant (a few times longer
 * on a slower part). */
uint64_t pvh_disk_ticks_per_ms(void)
{
    return PVH_COUNTER_HZ_BOUND / 1000;
}

void pvh_disk_mb(void)
{
    __asm__ volatile("mfence" ::: "memory");
}

uint32_t pvh_disk_pci_port_read32(uint32_t addr)
{
    outl(PVH_PCI_CONFIG_ADDRESS, addr);
    return inl(PVH_PCI_CONFIG_DATA);
}

void pvh_disk_pci_port_write32(uint32_t addr, uint32_t value)
{
    outl(PVH_PCI_CONFIG_ADDRESS, addr);
    outl(PVH_PCI_CONFIG_DATA, value);
}

/* A copy of the boot's map: the firmware's planner copies the map of the
 * boot description it is handed, so the claims made here reach it. */
struct pvh_memmap *pvh_disk_memmap(const struct pvh_boot *boot)
{
    static struct pvh_region regions[PVH_MEMMAP_MAX] PVH_LATE;
    static struct pvh_memmap map;
    unsigned n = boot->nr_memmap < PVH_MEMMAP_MAX ? boot->nr_memmap : PVH_MEMMAP_MAX;

    memcpy(regions, boot->memmap, n * sizeof(regions[0]));
    map = (struct pvh_memmap){ regions, n, PVH_MEMMAP_MAX };
    return &map;
}

int pvh_disk_devicetree(uint64_t pa, uint64_t size, struct pvh_error *err)
{
    (void)err;
    pvh_info("boot: devicetree at 0x%llx size %llu left out: x86 kernels take none",
             (unsigned long long)pa, (unsigned long long)size);
    return PVH_OK;
}
