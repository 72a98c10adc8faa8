/* An ELF payload's PT_LOAD segments as the plan's destinations and copies
 * (the PVH and Multiboot 2 hand-offs). */
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
        pvh_fw_log(fw, "segment %u: 0x%llx+0x%llx (0x%llx in file) to 0x%llx", i,
                   (unsigned long long)l->paddr, (unsigned long long)l->memsz,
                   (unsigned long long)l->filesz, (unsigned long long)l->paddr);
    }
    return PVH_OK;
}
