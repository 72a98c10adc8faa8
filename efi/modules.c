/*
 * The modules: whole files, each in pages below 4 GiB (the kernel starts
 * with paging off), kept until the kernel runs.
 */
#include "efi/efi.h"

EFI_STATUS pvh_efi_load_modules(struct pvh_efi *e)
{
    unsigned i;

    for (i = 0; i < e->cfg.nr_modules; i++) {
        const struct pvh_efi_entry *m = &e->cfg.modules[i];
        uint8_t *data;
        uint64_t size;
        EFI_STATUS status;

        status = pvh_efi_read_file(e, "module", m->path, PVH_EFI_4GIB - 1, &data, &size);
        if (!EFI_ERROR(status))
            status = pvh_efi_add_live(e, (uintptr_t)data, size, "a module");
        if (EFI_ERROR(status))
            return status;
        e->modules[i].base = (uintptr_t)data;
        e->modules[i].size = size;
        pvh_efi_info("module %u %s: %llu bytes at 0x%llx, cmdline \"%pE\"", i, m->path,
                     (unsigned long long)size, (unsigned long long)(uintptr_t)data, m->cmdline);
    }
    return EFI_SUCCESS;
}
