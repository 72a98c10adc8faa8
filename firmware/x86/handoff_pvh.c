/*
 * Booting a PVH kernel (an ELF with XEN_ELFNOTE_PHYS32_ENTRY, such as a
 * Linux vmlinux or another pvhboot image): its segments at their
 * physical addresses, a fresh start info version 1 (this boot's flags
 * and RSDP, the normalised memory map, the cmdline, the remaining
 * modules), and the entry in 32-bit protected mode, paging off, with
 * %ebx pointing at the start info.
 */
#include "firmware/x86/handoff.h"

#include <pvhboot/console.h>
#include <xen/start_info.h>

#include "arch/x86/x86.h"
#include "common/lib/string.h"

/* Linux 6.1's PVH entry reads the start info, module list and memory
 * map while its early page tables cover only the first GiB. */
#define START_INFO_LIMIT (1ull << 30)

static void write_start_info(const struct pvh_fw *fw, struct x86_writer *w,
                             const struct pvh_region *map, unsigned nr_map)
{
    uint64_t modlist, memmap, cmdline, strings;
    struct hvm_start_info si = { .magic = XEN_HVM_START_MAGIC_VALUE, .version = 1 };
    unsigned i;

    /* Layout: header, module list, memory map, then the strings. */
    modlist = w->pa + sizeof(si);
    memmap = modlist + (uint64_t)fw->nr_mods * sizeof(struct hvm_modlist_entry);
    cmdline = memmap + (uint64_t)nr_map * sizeof(struct hvm_memmap_table_entry);
    si.flags = fw->boot->start_flags;
    si.nr_modules = fw->nr_mods;
    si.modlist_paddr = fw->nr_mods ? modlist : 0;
    si.cmdline_paddr = cmdline;
    si.rsdp_paddr = fw->boot->rsdp;
    si.memmap_paddr = memmap;
    si.memmap_entries = nr_map;
    x86_put(w, &si, sizeof(si));

    strings = cmdline + strlen(fw->cmdline) + 1;
    for (i = 0; i < fw->nr_mods; i++) {
        const struct pvh_module *m = &fw->mods[i];
        struct hvm_modlist_entry e = { m->base, m->size, m->cmdline[0] ? strings : 0, 0 };

        if (m->cmdline[0])
            strings += strlen(m->cmdline) + 1;
        x86_put(w, &e, sizeof(e));
    }
    for (i = 0; i < nr_map; i++) {
        struct hvm_memmap_table_entry e = { map[i].base, map[i].size, map[i].type, 0 };

        x86_put(w, &e, sizeof(e));
    }
    x86_put(w, fw->cmdline, strlen(fw->cmdline) + 1);
    for (i = 0; i < fw->nr_mods; i++)
        if (fw->mods[i].cmdline[0])
            x86_put(w, fw->mods[i].cmdline, strlen(fw->mods[i].cmdline) + 1);
}

int x86_boot_pvh(struct pvh_fw *fw, struct pvh_error *err)
{
    unsigned nr_map;
    size_t size;
    uint64_t si;
    int rc;

    rc = x86_place_pvh(fw, &fw->elf, err);
    if (!rc)
        rc = x86_plan_elf(fw, &fw->elf, FOUR_GIB, "PVH kernel segment", err);
    if (!rc)
        rc = pvh_fw_relocate_movables(fw, NULL, err);
    if (rc)
        return rc;
    if (fw->elf.pvh_entry < X86_PAGE_SIZE)
        return pvh_fail(err, PVH_EINVAL, "PVH entry 0x%x: in page 0", fw->elf.pvh_entry);

    /* The memory map is taken before the start info's allocation, which
     * only splits RAM regions pvhboot claimed: the payload sees them as
     * RAM anyway. */
    si = x86_write_info(fw, write_start_info, START_INFO_LIMIT, &size, &nr_map);
    if (!si)
        return x86_no_room(err, START_INFO_LIMIT, size, "PVH start info");
    pvh_fw_log(fw, "pvh: entry 0x%x, start info 0x%llx (%zu bytes, %u memory map entries)",
               fw->elf.pvh_entry, (unsigned long long)si, size, nr_map);
    return x86_enter_payload(fw, &(struct x86_entry){ .mode = X86_ENTRY_PROTECTED32,
                             .entry = fw->elf.pvh_entry,
                             .ebx = (uint32_t)si }, err);
}
