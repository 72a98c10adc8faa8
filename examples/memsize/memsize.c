/*
 * memsize: a second example unikernel, built outside the pvhboot tree
 * from the installed headers, library and pvhboot.pc only (see its
 * Makefile). It prints how much memory of each kind the boot
 * description holds and a CRC-32 of all modules together; then it uses
 * the free RAM as an allocator would (pvh_free_ram) and checks that the
 * modules are still intact.
 */
#include <stdint.h>

#include <pvhboot/pvhboot.h>

/* Bytes written at each end of every free run: the ends are where a map
 * that left a module's page unmarked would let an allocator overwrite it
 * (a module sits right above or below free RAM), and writing all of a
 * guest's RAM a byte at a time (arm64's memset) would take minutes under
 * emulation. */
#define EDGE (1u << 20)

static uint32_t modules_crc(const struct pvh_boot *boot)
{
    uint32_t crc = 0;

    for (unsigned i = 0; i < boot->nr_modules; i++)
        crc = pvh_crc32(crc, (const void *)(uintptr_t)boot->modules[i].base,
                        (size_t)boot->modules[i].size);
    return crc;
}

/* Write both ends of every free run with a pattern, read them back.
 * Returns the free bytes; *runs their number, *bad the bytes that did not
 * read back. */
static uint64_t use_free_ram(const struct pvh_boot *boot, unsigned *runs, uint64_t *bad)
{
    uint64_t base, size, total = 0;
    unsigned i = 0;

    *runs = 0;
    *bad = 0;
    while (pvh_free_ram(boot, &i, &base, &size)) {
        uint64_t edge = size < 2 * EDGE ? size : EDGE;
        uint8_t *ends[2] = { (uint8_t *)(uintptr_t)base,
                             (uint8_t *)(uintptr_t)(base + size - edge) };

        for (unsigned e = 0; e < 2; e++) {
            memset(ends[e], 0xa5, (size_t)edge);
            for (uint64_t k = 0; k < edge; k++)
                *bad += ends[e][k] != 0xa5;
        }
        total += size;
        (*runs)++;
    }
    return total;
}

void pvh_main(const struct pvh_boot *boot)
{
    uint64_t ram = 0, other = 0, own = 0, modules = 0, free, bad;
    uint32_t crc = modules_crc(boot);
    unsigned i, runs;

    for (i = 0; i < boot->nr_memmap; i++) {
        const struct pvh_region *r = &boot->memmap[i];

        if (r->type == PVH_MEM_RAM)
            ram += r->size;
        else
            other += r->size;
        if (r->flags & PVH_REGION_PVHBOOT)
            own += r->size;
        else if (r->flags & PVH_REGION_MODULE)
            modules += r->size;
    }
    free = use_free_ram(boot, &runs, &bad);
    pvh_info("memsize ram %llu other %llu pvhboot %llu modules %u crc32 0x%08x module-pages %llu "
             "free %llu runs %u unwritable %llu crc32-after 0x%08x",
             (unsigned long long)ram, (unsigned long long)other, (unsigned long long)own,
             boot->nr_modules, crc, (unsigned long long)modules, (unsigned long long)free, runs,
             (unsigned long long)bad, modules_crc(boot));
}
