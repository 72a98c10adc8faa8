/* What the ELF-based hand-offs (PVH, Multiboot) share: an ELF payload's
 * PT_LOAD segments as the plan's destinations and copies, and their boot
 * information written in two passes. */
#include "firmware/x86/handoff.h"

#include "firmware/chainload.h"

int x86_plan_elf(struct pvh_fw *fw, const struct pvh_elf *elf, uint64_t limit, const char *what,
                 struct pvh_error *err)
{
    unsigned i;
    int rc;

    for (i = 0; i < elf->nr_loads; i++) {
        const struct pvh_elf_load *l = &elf->loads[i];

        rc = pvh_fw_add_dest(fw, l->paddr, l->memsz, limit, what, err);
        if (!rc)
            rc = pvh_fw_add_copy(fw, l->paddr, l->offset, l->filesz, l->memsz, err);
        if (rc)
            return rc;
        pvh_fw_log(fw, "segment %u: 0x%llx+0x%llx (0x%llx in file)", i,
                   (unsigned long long)l->paddr, (unsigned long long)l->memsz,
                   (unsigned long long)l->filesz);
    }
    return PVH_OK;
}

uint64_t x86_write_info(struct pvh_fw *fw, x86_info_writer *write, uint64_t limit, size_t *size,
                        unsigned *nr_map)
{
    unsigned n = pvh_fw_payload_map(fw, fw->payload_map, PVH_MEMMAP_MAX);
    struct x86_writer w = { 0 };
    uint64_t pa;

    write(fw, &w, fw->payload_map, n); /* count */
    *size = w.used;
    *nr_map = n;
    pa = pvh_fw_alloc(fw, w.used, 8, 0, limit);
    if (pa) {
        w = (struct x86_writer){ (uint8_t *)(uintptr_t)pa, pa, 0 };
        write(fw, &w, fw->payload_map, n);
    }
    return pa;
}

int x86_no_room(struct pvh_error *err, uint64_t limit, size_t size, const char *what)
{
    return pvh_fail(err, PVH_ENOMEM, "no room below %u GiB for the %zu-byte %s",
                    (unsigned)(limit >> 30), size, what);
}
