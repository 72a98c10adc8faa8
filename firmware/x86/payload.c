/* Choosing the x86 hand-off, and what the hand-offs share. */
#include "firmware/x86/handoff.h"

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/string.h"
#include "firmware/chainload.h"

int pvh_arch_boot_payload(struct pvh_fw *fw, struct pvh_error *err)
{
    /* Every hand-off ends in the trampoline (enter.c), which runs
     * with paging off: it can write pvhboot's memory, and read below 4 GiB. */
    fw->late_copies = true;
    fw->late_src_limit = FOUR_GIB;
    switch (fw->kind) {
    case PVH_PAYLOAD_LINUX:
        return x86_boot_linux(fw, err);
    case PVH_PAYLOAD_MULTIBOOT1:
    case PVH_PAYLOAD_MULTIBOOT2:
        return x86_boot_multiboot(fw, err);
    case PVH_PAYLOAD_PVH:
        return x86_boot_pvh(fw, err);
    default:
        return pvh_fail(err, PVH_EINVAL, "payload: x86 cannot boot this kind");
    }
}

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

void x86_paging_for_handoff(void)
{
    unsigned i;

    for (i = 0; i < X86_EARLY_MAP_GIB * X86_PTES_PER_TABLE; i++)
        x86_pd[i] = (x86_pd[i] | X86_PTE_RW) & ~(1ull << 63);
    for (i = 0; i < X86_PTES_PER_TABLE; i++)
        x86_pt0[i] = (uint64_t)i * X86_PAGE_SIZE | X86_PTE_P | X86_PTE_RW;
    x86_write_cr3(x86_read_cr3());
}

void x86_put(struct x86_writer *w, const void *data, size_t len)
{
    if (w->base)
        memcpy(w->base + w->used, data, len);
    w->used += len;
}

void x86_put_u32(struct x86_writer *w, uint32_t v)
{
    x86_put(w, &v, sizeof(v));
}

void x86_put_u64(struct x86_writer *w, uint64_t v)
{
    x86_put(w, &v, sizeof(v));
}

void x86_put_zero(struct x86_writer *w, size_t len)
{
    if (w->base)
        memset(w->base + w->used, 0, len);
    w->used += len;
}

void x86_align(struct x86_writer *w, size_t align)
{
    x86_put_zero(w, (align - w->used % align) % align);
}

uint64_t x86_here(const struct x86_writer *w)
{
    return w->pa + w->used;
}
