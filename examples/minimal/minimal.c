/*
 * minimal: the smallest program pvhboot makes. It links the boot
 * description and the consoles, and none of the optional parts
 * (PVHBOOT_PARTS() names none): no Xen hypercalls, no ACPI tables read
 * for a poweroff, no CPU list. It prints what it was given and ends the
 * VM the way that is left without ACPI (QEMU's isa-debug-exit, or a
 * halt).
 *
 * Compare its size with hello's (make bench, "What each part costs"):
 * the difference is what the optional parts cost.
 */
#include <stdint.h>

#include <pvhboot/pvhboot.h>

PVHBOOT_PARTS();

void pvh_main(const struct pvh_boot *boot)
{
    pvh_info("minimal %s", pvh_arch_name());
    pvh_info("loader %s", pvh_loader_name(boot->loader));
    pvh_info("cmdline \"%pE\"", boot->cmdline);
    for (unsigned i = 0; i < boot->nr_modules; i++)
        pvh_info("module %u base 0x%llx size %llu", i, (unsigned long long)boot->modules[i].base,
                 (unsigned long long)boot->modules[i].size);
    for (unsigned i = 0; i < boot->nr_memmap; i++)
        pvh_info("memmap %u 0x%llx-0x%llx type %u", i, (unsigned long long)boot->memmap[i].base,
                 (unsigned long long)(boot->memmap[i].base + boot->memmap[i].size - 1),
                 boot->memmap[i].type);
    pvh_info("minimal done");
}
