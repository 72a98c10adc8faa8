/*
 * The hostile PVH loader: a PVH image of the tests' own that QEMU boots
 * first (-kernel hostile-loader.elf -initrd IMAGE -append "case=NAME").
 * It loads IMAGE (an x86_64 PVH ELF such as hello.elf) as a PVH loader
 * would and enters it with the start info the named case crafts (see
 * cases.c). An unknown name stops with its own exit status, so a typo
 * in a test cannot pass for an outcome.
 *
 * A cmdline that starts "vmm=<name>" runs a VMM replica instead
 * (vmm.h): the image is loaded and entered as Firecracker or Cloud
 * Hypervisor would.
 */
#include <stdint.h>

#include "tests/hostile/cases.h"
#include "tests/hostile/console.h"
#include "tests/hostile/elf_load.h"
#include "tests/hostile/fill.h"
#include "tests/hostile/machine.h"
#include "tests/hostile/vmm.h"

/* The loader's structures and module bytes after a fill (see fill.h). */
#define WRITTEN_STRUCTURES_END (MODCMD_PA + 0x1000u)
#define WRITTEN_MODULES_END (MOD_DATA + 2 * MOD_STRIDE)

void hostile_main(uint32_t qemu_start_info);
__attribute__((noreturn)) void hostile_enter(uint32_t entry, uint32_t start_info);

void hostile_main(uint32_t qemu_start_info)
{
    static struct crafted c;
    const struct hostile_case *k;
    const struct vmm_replica *vmm;
    uint32_t ebx;

    machine_read_qemu(qemu_start_info);
    vmm = vmm_find(M.cmdline);
    if (vmm)
        vmm_boot(vmm, M.cmdline);
    k = case_find(M.cmdline);
    if (!k)
        hostile_fail(HOSTILE_EXIT_UNKNOWN_CASE, "unknown case: cmdline %q", M.cmdline);
    elf_load(M.module_base, M.module_size, k->flags & CASE_BSS_GARBAGE);
    if (k->flags & CASE_FILL_RAM)
        fill_free_ram();
    crafted_default(&c);
    k->craft(&c);
    ebx = crafted_commit(&c, k->name);
    if (k->flags & CASE_FILL_RAM) {
        describe_written(SI_PA, WRITTEN_STRUCTURES_END - 1);
        describe_written(MOD_DATA, WRITTEN_MODULES_END - 1);
    }
    hostile_enter(M.entry, ebx);
}
