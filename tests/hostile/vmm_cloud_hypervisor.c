/*
 * Cloud Hypervisor's PVH hand-off, as read in its source: main branch,
 * arch/src/x86_64/mod.rs at commit 010be29 (configure_system,
 * configure_pvh, generate_ram_ranges, initramfs_load_addr,
 * arch_memory_regions), arch/src/x86_64/layout.rs at commit dea50df
 * (EBDA_POINTER, 640 MiB of 32-bit device space, then PCI MMCONFIG) and
 * regs.rs (setup_regs, configure_segments_and_sregs):
 *
 *  - start info at 0x6000 (version 1, flags 0, rsdp_paddr 0xa0000 where
 *    its RSDP is, the ACPI tables right after it), module list at 0x6040
 *    only with an initramfs (module 0, no cmdline), memory map at
 *    0x7000, cmdline at 0x20000;
 *  - the BDA's EBDA pointer (0x40e) = 0xa000, so the EBDA is 0xa0000;
 *  - the memory map: [0, 0xa0000) RAM, RAM from 1 MiB to the end of the
 *    first region (at most 3 GiB), RAM from 4 GiB when there is more,
 *    then the PCI MMCONFIG window [0xe8000000, +256 MiB) reserved;
 *  - the initramfs at the top of the RAM below 3 GiB, page aligned;
 *  - at entry: %ebx 0x6000, every other general register 0, EFLAGS 2,
 *    CR0 PE (on a CPU where CR0.ET is hard-wired, as TCG's, it reads
 *    PE|ET), CR4 0, the same GDT and IDT as Firecracker at 0x500/0x520.
 *
 * Not replicated: the SMBIOS tables at 0xf0000 and the MP table after
 * them, the MSRs and FPU state, CPUID, and Cloud Hypervisor's own ACPI
 * tables: the host's take their place, behind an RSDP at 0xa0000.
 */
#include "tests/hostile/vmm.h"

#define CH_EBDA_START         0xa0000u
#define CH_PCI_MMCONFIG_START 0xe8000000ull /* 3 GiB + 640 MiB of 32-bit device space */
#define CH_PCI_MMCONFIG_SIZE  0x10000000ull
#define CH_RSDP_LEN           36u           /* its RSDP is revision 2: tables follow it */
#define CH_TABLES_ALIGN       16u

static unsigned ch_memmap(uint64_t mem, struct hvm_memmap_table_entry *map)
{
    uint64_t low_end = vmm_lowmem_end(mem);
    unsigned n = 0;

    map[n++] = (struct hvm_memmap_table_entry){ 0, CH_EBDA_START, XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    map[n++] = (struct hvm_memmap_table_entry){ VMM_HIMEM_START, low_end - VMM_HIMEM_START,
                                                XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    if (mem > VMM_MMIO32_START)
        map[n++] = (struct hvm_memmap_table_entry){ VMM_RAM_64BIT, mem - VMM_MMIO32_START,
                                                    XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    /* An SGX EPC region would come last; none here. */
    map[n++] = (struct hvm_memmap_table_entry){ CH_PCI_MMCONFIG_START, CH_PCI_MMCONFIG_SIZE,
                                                XEN_HVM_MEMMAP_TYPE_RESERVED, 0 };
    return n;
}

const struct vmm_replica vmm_cloud_hypervisor = {
    .name = "cloud-hypervisor",
    .cr0 = 0x1,                   /* CR0_PE */
    .rsdp_at = CH_EBDA_START,
    .acpi_tables_at = (CH_EBDA_START + CH_RSDP_LEN + CH_TABLES_ALIGN - 1) & ~(CH_TABLES_ALIGN - 1),
    .rsdp_in_start_info = true,
    .ebda_pointer = CH_EBDA_START >> 4,
    .cmdline_max = 0x10000,       /* layout.rs CMDLINE_MAX_SIZE */
    .memmap = ch_memmap,
};
