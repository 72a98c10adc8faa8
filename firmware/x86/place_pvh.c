/*
 * Where a PVH kernel's segments go: at their link addresses, unless the
 * kernel carries XEN_ELFNOTE_PHYS32_RELOC and those are taken (by
 * pvhboot itself, or not RAM), or pvhboot.place=random asks; then the
 * whole image moves by one offset to an aligned place inside the note's
 * window, in free RAM. A kernel without the note never moves.
 */
#include "firmware/x86/handoff.h"

#include <pvhboot/console.h>


/* Can every segment stay where it was linked? */
static bool link_usable(const struct pvh_fw *fw, const struct pvh_elf *elf)
{
    unsigned i;

    for (i = 0; i < elf->nr_loads; i++)
        if (!pvh_fw_room_at(fw, elf->loads[i].paddr, elf->loads[i].memsz))
            return false;
    return true;
}

int x86_place_pvh(struct pvh_fw *fw, struct pvh_elf *elf, struct pvh_error *err)
{
    bool random = x86_place_random(fw, elf->has_reloc, "the payload has no PHYS32_RELOC note",
                                   "link address");
    uint64_t low, high, base, hi, delta;
    unsigned i;

    if (!elf->has_reloc)
        return PVH_OK;
    if (!random && link_usable(fw, elf))
        return PVH_OK;
    pvh_elf_span(elf, &low, &high);
    hi = (uint64_t)elf->reloc_max + 1;
    base = random ? x86_random_room(fw, high - low, elf->reloc_align, elf->reloc_min, hi)
                  : pvh_fw_find_room(fw, high - low, elf->reloc_align, elf->reloc_min, hi);
    /* A window that holds the link addresses (all of it, for a packed
     * pvhboot.elf) but no free place: the link addresses, through late
     * copies, as for a kernel without the note. */
    if (!base && low >= elf->reloc_min && high - 1 <= elf->reloc_max) {
        pvh_fw_log(fw, "pvh: relocatable (note 19): no free place in its window 0x%x-0x%x; "
                   "at its link address 0x%llx", elf->reloc_min, elf->reloc_max,
                   (unsigned long long)low);
        return PVH_OK;
    }
    if (!base)
        return pvh_fail(err, PVH_ENOMEM, "PVH PHYS32_RELOC: no free RAM for the 0x%llx-byte image "
                        "at alignment 0x%x in its window 0x%x-0x%x", (unsigned long long)(high - low),
                        elf->reloc_align, elf->reloc_min, elf->reloc_max);
    /* Every address moves by the same offset (mod 2^64: a move down wraps,
     * and adds back). The window ends below 4 GiB, so the entry stays 32-bit. */
    delta = base - low;
    for (i = 0; i < elf->nr_loads; i++)
        elf->loads[i].paddr += delta;
    elf->pvh_entry = (uint32_t)(elf->pvh_entry + delta);
    pvh_fw_log(fw, "pvh: relocatable (note 19): align 0x%x, window 0x%x-0x%x; placed at 0x%llx "
               "(link address 0x%llx)", elf->reloc_align, elf->reloc_min, elf->reloc_max,
               (unsigned long long)base, (unsigned long long)low);
    return PVH_OK;
}
