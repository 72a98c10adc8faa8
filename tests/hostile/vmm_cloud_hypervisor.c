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
 * tables: the host's take their place, behind an RSDP at 0xa0000; but
 * for its MADT when the test gives cpus=<boot>,<max> (--cpus boot=,max=):
 * then the MADT is the one vmm/src/cpu.rs create_madt writes (main
 * branch, ae44c29): revision 5, OEM "CLOUDH" / "CHMADT  " revision 1,
 * the local APIC at 0xfee00000, flags 0; one x2APIC entry (type 9) per
 * vCPU up to max, ID = vCPU number (no topology given), UID the same,
 * flags enabled and online-capable for the booted ones and
 * online-capable alone for the rest; then an I/O APIC (ID 0 at
 * 0xfec00000, GSI base 0) and an interrupt source override (bus 0,
 * IRQ 4 -> GSI 4, flags 0). The creator fields, the acpi_tables
 * crate's, are left zero.
 */
#include "tests/hostile/vmm.h"

#include "tests/hostile/console.h"

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

#define MADT_HEADER        44u
#define MADT_REVISION      5u
#define MADT_X2APIC        9u
#define MADT_X2APIC_LEN    16u
#define MADT_IOAPIC        1u
#define MADT_IOAPIC_LEN    12u
#define MADT_OVERRIDE      2u
#define MADT_OVERRIDE_LEN  10u
#define CPU_ENABLED        0x1u
#define CPU_ONLINE_CAPABLE 0x2u
#define CH_APIC_START      0xfee00000u
#define CH_IOAPIC_START    0xfec00000u

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_bytes(uint8_t *p, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)s[i];
}

static uint32_t ch_madt(uint8_t *t, unsigned boot, unsigned max)
{
    uint32_t len = MADT_HEADER;
    uint8_t sum = 0;

    if (MADT_HEADER + max * MADT_X2APIC_LEN + MADT_IOAPIC_LEN + MADT_OVERRIDE_LEN > MADT_MAX)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: a MADT for %u vCPUs is too large", max);
    for (unsigned i = 0; i < MADT_HEADER; i++)
        t[i] = 0;
    put_bytes(t, "APIC", 4);
    t[8] = MADT_REVISION;
    put_bytes(t + 10, "CLOUDH", 6);
    put_bytes(t + 16, "CHMADT  ", 8);
    put32(t + 24, 1);
    put32(t + 36, CH_APIC_START);
    for (unsigned cpu = 0; cpu < max; cpu++, len += MADT_X2APIC_LEN) {
        uint8_t *e = t + len;

        e[0] = MADT_X2APIC;
        e[1] = MADT_X2APIC_LEN;
        e[2] = e[3] = 0;
        put32(e + 4, cpu);
        put32(e + 8, (cpu < boot ? CPU_ENABLED : 0) | CPU_ONLINE_CAPABLE);
        put32(e + 12, cpu);
    }
    t[len] = MADT_IOAPIC;
    t[len + 1] = MADT_IOAPIC_LEN;
    t[len + 2] = t[len + 3] = 0;
    put32(t + len + 4, CH_IOAPIC_START);
    put32(t + len + 8, 0);
    len += MADT_IOAPIC_LEN;
    t[len] = MADT_OVERRIDE;
    t[len + 1] = MADT_OVERRIDE_LEN;
    t[len + 2] = 0; /* bus */
    t[len + 3] = 4; /* source IRQ */
    put32(t + len + 4, 4);
    t[len + 8] = t[len + 9] = 0;
    len += MADT_OVERRIDE_LEN;
    put32(t + 4, len);
    for (uint32_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + t[i]);
    t[9] = (uint8_t)-sum;
    return len;
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
    .madt = ch_madt,
};
