/*
 * memsize: a second example unikernel, built outside the pvhboot tree
 * from the installed headers, library and pvhboot.pc only (see its
 * Makefile). It prints how much memory of each kind the boot
 * description holds, and a CRC-32 of all modules together.
 */
#include <stdint.h>

#include <pvhboot/pvhboot.h>
#include <xen/e820.h>

void pvh_main(const struct pvh_boot *boot)
{
    uint64_t ram = 0, other = 0, own = 0;
    uint32_t crc = 0;
    unsigned i;

    for (i = 0; i < boot->nr_memmap; i++) {
        const struct pvh_region *r = &boot->memmap[i];

        if (r->type == E820_TYPE_RAM)
            ram += r->size;
        else
            other += r->size;
        if (r->flags & PVH_REGION_PVHBOOT)
            own += r->size;
    }
    for (i = 0; i < boot->nr_modules; i++)
        crc = pvh_crc32(crc, (const void *)(uintptr_t)boot->modules[i].base,
                        (size_t)boot->modules[i].size);
    pvh_info("memsize ram %llu other %llu pvhboot %llu modules %u crc32 0x%08x",
             (unsigned long long)ram, (unsigned long long)other, (unsigned long long)own,
             boot->nr_modules, crc);
}
