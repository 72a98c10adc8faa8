/*
 * The first C code: from entry.asm's long mode to the unikernel's
 * pvh_main(). Order matters: the IDT comes first and the consoles right
 * after, so any later failure is reported; the loader's data is copied before
 * anything could overwrite it.
 */
#include <pvhboot/boot.h>
#include <pvhboot/console.h>
#include <pvhboot/power.h>

#include "arch/x86/arch.h"
#include "common/boot_store.h"

/* Written before it is read, so not zeroed at entry (see boot_store.h). */
static struct pvh_boot_store store __attribute__((section(".noinit.store")));

static void load_boot_description(uint32_t start_info_pa)
{
    struct pvh_error err;
    int rc;

    rc = pvh_start_info_read_header(&store, &x86_phys, start_info_pa, &err);
    if (!rc)
        rc = pvh_start_info_read_memmap(&store, &x86_phys, &err);
    if (rc == PVH_ENOENT && store.si.version == 0)
        pvh_panic("start info version 0 has no memory map, and no hypervisor to ask: %s",
                  store.boot.hv.name);
    if (!rc)
        rc = pvh_boot_set_memmap(&store, &err);
    if (!rc)
        rc = pvh_start_info_read_rest(&store, &x86_phys, &err);
    if (rc)
        pvh_panic("%s", err.msg);
}

void x86_start(uint32_t start_info_pa);
void x86_start(uint32_t start_info_pa)
{
    struct pvh_error err;

    x86_idt_init();
    x86_cpu_probe();
    pvh_boot_store_init(&store, (uintptr_t)__image_start, (uintptr_t)__image_end);
    x86_hypervisor_probe(&store.boot.hv);
    x86_consoles_init(&store.boot.hv);

    load_boot_description(start_info_pa);
    if (x86_paging_finish(&store, &err))
        pvh_panic("%s", err.msg);
    pvh_boot_finish(&store);
    x86_power_init(&store.boot);

    pvh_main(&store.boot);
    pvh_poweroff();
}
