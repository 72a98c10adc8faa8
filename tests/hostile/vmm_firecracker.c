/*
 * Firecracker's PVH hand-off, as read in its source: main branch,
 * src/vmm/src/arch/x86_64/mod.rs at commit 00a6982 (configure_pvh,
 * configure_system_for_boot, initrd_load_addr, arch_memory_regions),
 * with the layout.rs it uses (PCI_MMCONFIG_START, MMIO64_MEM_START,
 * FIRST_ADDR_PAST_64BITS_MMIO) and regs.rs (setup_regs,
 * configure_segments_and_sregs for BootProtocol::PvhBoot):
 *
 *  - start info at 0x6000 (version 1, flags 0, rsdp_paddr 0: the guest
 *    finds the RSDP Firecracker writes at 0xe0000 by scanning), module
 *    list at 0x6040 only when there is an initrd (module 0, no cmdline),
 *    memory map at 0x7000, cmdline at 0x20000;
 *  - the memory map in Firecracker's order, unsorted: low RAM to the
 *    EBDA, the "system memory" [0x9fc00, 0xe0000) reserved (MP table,
 *    ACPI tables), the PCIe MMCONFIG window reserved, RAM above 4 GiB,
 *    then RAM from 1 MiB to the 3 GiB MMIO gap. 0xe0000-0xfffff is in no
 *    entry at all (the RSDP lives there);
 *  - the initrd at the top of the RAM below the gap, page aligned;
 *  - at entry: %ebx 0x6000, every other general register 0 (%esp too),
 *    EFLAGS 2, CR0 PE|ET, CR4 0, the GDT at 0x500 (null, flat code
 *    0x00cf9b000000ffff, flat data 0x00cf93000000ffff, TSS
 *    0x00008b0000000067) and an 8-byte zero IDT at 0x520.
 *
 * The MP table at 0x9fc00 (mptable.rs) is replicated in vmm_mptable.c.
 * Not replicated: the MSRs Firecracker sets (zeros, MISC_ENABLE fast
 * strings), and Firecracker's own ACPI tables: the host's take their
 * place.
 */
#include "tests/hostile/vmm.h"

#define FC_SYSTEM_MEM_START 0x9fc00ull
#define FC_RSDP_ADDR        0xe0000ull
#define FC_SYSTEM_MEM_SIZE  (FC_RSDP_ADDR - FC_SYSTEM_MEM_START)
#define FC_IOAPIC_ADDR      0xfec00000ull
#define FC_PCI_MMCONFIG_SIZE 0x10000000ull
#define FC_PCI_MMCONFIG_START (FC_IOAPIC_ADDR - FC_PCI_MMCONFIG_SIZE)
#define FC_MMIO64_START     (256ull << 30)
#define FC_PAST_64BIT_MMIO  (512ull << 30)
#define FC_ACPI_TABLES      0xa0000u /* inside the system memory, after the MP table's KiB */

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Guest RAM is [0, 3 GiB) then from 4 GiB: the last byte for mem bytes. */
static uint64_t last_addr(uint64_t mem)
{
    return mem <= VMM_MMIO32_START ? mem - 1 : VMM_RAM_64BIT + (mem - VMM_MMIO32_START) - 1;
}

static unsigned fc_memmap(uint64_t mem, struct hvm_memmap_table_entry *map)
{
    uint64_t last = last_addr(mem);
    unsigned n = 0;

    map[n++] = (struct hvm_memmap_table_entry){ 0, FC_SYSTEM_MEM_START, XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    map[n++] = (struct hvm_memmap_table_entry){ FC_SYSTEM_MEM_START, FC_SYSTEM_MEM_SIZE,
                                                XEN_HVM_MEMMAP_TYPE_RESERVED, 0 };
    map[n++] = (struct hvm_memmap_table_entry){ FC_PCI_MMCONFIG_START, FC_PCI_MMCONFIG_SIZE,
                                                XEN_HVM_MEMMAP_TYPE_RESERVED, 0 };
    if (last > FC_PAST_64BIT_MMIO)
        map[n++] = (struct hvm_memmap_table_entry){ FC_PAST_64BIT_MMIO,
                                                    last - FC_PAST_64BIT_MMIO + 1,
                                                    XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    if (last > VMM_RAM_64BIT)
        map[n++] = (struct hvm_memmap_table_entry){
            VMM_RAM_64BIT, min64(FC_MMIO64_START - VMM_RAM_64BIT, last - VMM_RAM_64BIT + 1),
            XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    map[n++] = (struct hvm_memmap_table_entry){
        VMM_HIMEM_START, min64(VMM_MMIO32_START - VMM_HIMEM_START, last - VMM_HIMEM_START + 1),
        XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    return n;
}

const struct vmm_replica vmm_firecracker = {
    .name = "firecracker",
    .cr0 = 0x11,                  /* X86_CR0_PE | X86_CR0_ET */
    .rsdp_at = (uint32_t)FC_RSDP_ADDR,
    .acpi_tables_at = FC_ACPI_TABLES,
    .rsdp_in_start_info = false,
    .ebda_pointer = 0,
    .mptable_at = (uint32_t)FC_SYSTEM_MEM_START, /* the first allocation from system memory */
    .cmdline_max = 2048,          /* layout.rs CMDLINE_MAX_SIZE */
    .memmap = fc_memmap,
};
