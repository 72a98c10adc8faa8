/*
 * Cloud Hypervisor's PVH hand-off, as read in its source at the tag
 * v53.0 (its current release): arch/src/x86_64/mod.rs (configure_system,
 * configure_pvh, generate_ram_ranges, initramfs_load_addr,
 * arch_memory_regions), arch/src/x86_64/layout.rs, regs.rs (setup_regs,
 * configure_segments_and_sregs), vmm/src/acpi.rs (create_acpi_tables,
 * create_dsdt_table, create_facp_table, create_mcfg_table),
 * vmm/src/cpu.rs (create_madt), vmm/src/device_manager.rs (the ACPI
 * shutdown device at port 0x600, the PM timer at 0x608, the \_S5
 * package), vmm/src/vm.rs (load_kernel), and the acpi_tables crate it
 * builds with (0.2.1: the table header's creator "RVAT", bytes 0 0 0 1):
 *
 *  - start info at 0x6000 (version 1, flags 0, rsdp_paddr 0xa0000),
 *    module list at 0x6040 only with an initramfs (module 0, no
 *    cmdline), memory map at 0x7000, cmdline at 0x20000 (64 KiB);
 *  - the BDA's EBDA pointer (0x40e) = 0xa000, so the EBDA is 0xa0000;
 *  - the memory map: [0, 0xa0000) RAM, RAM from 1 MiB to the end of the
 *    first region (at most 3 GiB), RAM from 4 GiB when there is more,
 *    then the PCI MMCONFIG window [0xe8000000, +256 MiB) reserved;
 *  - the initramfs at the top of the RAM below 3 GiB, page aligned;
 *  - at entry: %ebx 0x6000, every other general register 0, EFLAGS 2,
 *    CR0 PE (on a CPU where CR0.ET is hard-wired, as TCG's, it reads
 *    PE|ET), CR4 0, the same GDT and IDT as Firecracker at 0x500/0x520;
 *  - the ACPI tables: a revision-2 RSDP at 0xa0000 (OEM "CLOUDH", an
 *    XSDT, no RSDT), then from 0xa0024 on, one right after the other
 *    (0xa0024 is not aligned): DSDT, FACP, APIC, MCFG, XSDT. Every header
 *    has OEM "CLOUDH" revision 1. DSDT revision 6 ("CHDSDT  "): of its
 *    AML only the COM1 device and Name(_S5_, Package(){5, 5, 0, 0}),
 *    which follows it, are written here, as the acpi_tables crate
 *    encodes them (the PCI segments, CPU and memory hot-plug devices,
 *    power button and GED are not). FACP revision 6, 276 bytes
 *    ("CHFACP  "), minor version 3: flags HW_REDUCED_ACPI, RESET_REG_SUP,
 *    TMR_VAL_EXT; RESET_REG, SLEEP_CONTROL_REG and SLEEP_STATUS_REG all
 *    I/O port 0x600, 8 bits, byte access, the reset value 1; X_PM_TMR_BLK
 *    I/O port 0x608, 32 bits, access size 4; the DSDT in X_DSDT only;
 *    hypervisor "CLOUDHYP". The MADT (revision 5, "CHMADT  ") is
 *    create_madt's for --cpus boot=,max=: the local APIC at 0xfee00000,
 *    flags 0; one x2APIC entry (type 9) per vCPU up to max, ID = UID =
 *    vCPU number (no topology given), flags enabled and online-capable
 *    for the booted ones and online-capable alone for the rest; an I/O
 *    APIC (ID 0 at 0xfec00000, GSI base 0); an interrupt source override
 *    (bus 0, IRQ 4 -> GSI 4, flags 0). MCFG revision 1 ("CHMCFG  "): one
 *    entry, segment 0 at 0xe8000000, buses 0-0. XSDT revision 1
 *    ("CHXSDT  "): FACP, APIC, MCFG;
 *  - an ELF that linux-loader's ELF loader refuses is handed to its
 *    bzImage loader, whose error is the one Cloud Hypervisor reports.
 *
 * Not replicated: the SMBIOS tables at 0xf0000 and the MP table after
 * them, the MSRs and FPU state, CPUID, the rest of the DSDT's AML.
 */
#include "tests/hostile/vmm.h"

#include "tests/hostile/console.h"

#define CH_EBDA_START         0xa0000u
#define CH_PCI_MMCONFIG_START 0xe8000000ull /* 3 GiB + 640 MiB of 32-bit device space */
#define CH_PCI_MMCONFIG_SIZE  0x10000000ull
#define CH_ACPI_PORT          0x600u        /* shutdown device: reset, sleep control and status */
#define CH_PM_TIMER_PORT      0x608u
#define CH_ACPI_END           0xf0000u      /* the SMBIOS tables */

static unsigned ch_memmap(uint64_t mem, struct hvm_memmap_table_entry *map)
{
    uint64_t low_end = vmm_lowmem_end(&vmm_cloud_hypervisor_53, mem);
    unsigned n = 0;

    map[n++] = (struct hvm_memmap_table_entry){ 0, CH_EBDA_START, XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    map[n++] = (struct hvm_memmap_table_entry){ VMM_HIMEM_START, low_end - VMM_HIMEM_START,
                                                XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    if (mem > VMM_MMIO32_START)
        map[n++] = (struct hvm_memmap_table_entry){ VMM_RAM_64BIT, mem - VMM_MMIO32_START,
                                                    XEN_HVM_MEMMAP_TYPE_RAM, 0 };
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
#define SDT_HEADER         36u
#define FACP_LEN           276u
#define FACP_FLAGS         112u
#define FACP_RESET_REG     116u
#define FACP_RESET_VALUE   128u
#define FACP_MINOR_VERSION 131u
#define FACP_X_DSDT        140u
#define FACP_X_PM_TMR_BLK  208u
#define FACP_SLEEP_CONTROL 244u
#define FACP_SLEEP_STATUS  256u
#define FACP_HYPERVISOR_ID 268u
#define ACPI_SPACE_IO      1u
#define MCFG_LEN           60u

static const struct acpi_ids ch_ids = { "CLOUDH", 1, "RVAT", "\0\0\0\1" };

/* Name(_S5_, Package(){5, 5, 0, 0}): NameOp, the name, PackageOp, its
 * length (this byte on), 4 elements: BytePrefix 5 twice, ZeroOp twice. */
static const uint8_t ch_s5_aml[] = {
    0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

static void ch_madt(uint8_t *t, unsigned boot, unsigned max)
{
    uint32_t len = MADT_HEADER + max * MADT_X2APIC_LEN + MADT_IOAPIC_LEN + MADT_OVERRIDE_LEN;
    uint8_t *e;

    if (len > ACPI_TABLE_MAX)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: a MADT for %u vCPUs is too large", max);
    acpi_header(t, "APIC", len, MADT_REVISION, &ch_ids, "CHMADT  ");
    acpi_put(t + 36, CH_APIC_START, 4);
    e = t + MADT_HEADER;
    for (unsigned cpu = 0; cpu < max; cpu++, e += MADT_X2APIC_LEN) {
        e[0] = MADT_X2APIC;
        e[1] = MADT_X2APIC_LEN;
        acpi_put(e + 4, cpu, 4);
        acpi_put(e + 8, (cpu < boot ? CPU_ENABLED : 0) | CPU_ONLINE_CAPABLE, 4);
        acpi_put(e + 12, cpu, 4);
    }
    e[0] = MADT_IOAPIC;
    e[1] = MADT_IOAPIC_LEN;
    acpi_put(e + 4, CH_IOAPIC_START, 4);
    e += MADT_IOAPIC_LEN;
    e[0] = MADT_OVERRIDE;
    e[1] = MADT_OVERRIDE_LEN;
    e[3] = 4;                       /* source IRQ 4 (bus 0) */
    acpi_put(e + 4, 4, 4);          /* GSI 4, flags 0 */
}

/*
 * COM1 as DeviceManager's AML writes it (device_manager.rs, "Serial
 * device", whenever the serial port is not off): a PNP0501 device, _UID
 * Zero, _DDN "COM1", _CRS its interrupt (GSI 4, edge, active high) then
 * ports 0x3f8-0x3ff (alignment 0). Linux on these hardware-reduced
 * tables has no 8259 and maps ISA IRQ 4 to the I/O APIC only for a
 * device that names it: without this, COM1 never interrupts.
 */
static uint32_t ch_com1_aml(uint8_t *out, uint32_t max)
{
    struct aml a = { out, 0, max, AML_INTS_SHORTEST };
    uint32_t dev, crs;

    dev = aml_device(&a, "COM1");
    aml_name(&a, "_HID");
    aml_eisa_id(&a, "PNP0501");
    aml_name(&a, "_UID");
    aml_integer(&a, 0);
    aml_name(&a, "_DDN");
    aml_string(&a, "COM1");
    aml_name(&a, "_CRS");
    crs = aml_resources_open(&a);
    aml_interrupt_edge_high(&a, 4);
    aml_io(&a, 0x3f8, 0x3f8, 0, 8);
    aml_resources_close(&a, crs);
    aml_close(&a, dev);
    return a.len;
}

static void ch_acpi(const struct vmm_request *q, uint32_t free_from)
{
    static uint8_t t[ACPI_TABLE_MAX], aml[ACPI_TABLE_MAX - SDT_HEADER];
    struct acpi_area area = { CH_EBDA_START + ACPI_RSDP_LEN, CH_ACPI_END };
    uint32_t dsdt, facp, madt, mcfg, xsdt, aml_len;

    (void)free_from;
    aml_len = ch_com1_aml(aml, sizeof(aml) - sizeof(ch_s5_aml));
    for (unsigned i = 0; i < sizeof(ch_s5_aml); i++)
        aml[aml_len++] = ch_s5_aml[i];
    acpi_header(t, "DSDT", SDT_HEADER + aml_len, 6, &ch_ids, "CHDSDT  ");
    for (uint32_t i = 0; i < aml_len; i++)
        t[SDT_HEADER + i] = aml[i];
    dsdt = acpi_place(&area, t);

    acpi_header(t, "FACP", FACP_LEN, 6, &ch_ids, "CHFACP  ");
    acpi_gas(t + FACP_RESET_REG, ACPI_SPACE_IO, 8, 1, CH_ACPI_PORT);
    t[FACP_RESET_VALUE] = 1;
    acpi_gas(t + FACP_SLEEP_CONTROL, ACPI_SPACE_IO, 8, 1, CH_ACPI_PORT);
    acpi_gas(t + FACP_SLEEP_STATUS, ACPI_SPACE_IO, 8, 1, CH_ACPI_PORT);
    acpi_gas(t + FACP_X_PM_TMR_BLK, ACPI_SPACE_IO, 32, 4, CH_PM_TIMER_PORT);
    acpi_put(t + FACP_FLAGS, (1u << 20) | (1u << 10) | (1u << 8), 4);
    t[FACP_MINOR_VERSION] = 3;
    acpi_put(t + FACP_X_DSDT, dsdt, 8);
    for (unsigned i = 0; i < 8; i++)
        t[FACP_HYPERVISOR_ID + i] = (uint8_t)"CLOUDHYP"[i];
    facp = acpi_place(&area, t);

    ch_madt(t, q->cpus_boot, q->cpus_max);
    madt = acpi_place(&area, t);

    acpi_header(t, "MCFG", MCFG_LEN, 1, &ch_ids, "CHMCFG  ");
    acpi_put(t + SDT_HEADER + 8, CH_PCI_MMCONFIG_START, 8);
    mcfg = acpi_place(&area, t);

    acpi_header(t, "XSDT", SDT_HEADER + 3 * 8, 1, &ch_ids, "CHXSDT  ");
    acpi_put(t + SDT_HEADER, facp, 8);
    acpi_put(t + SDT_HEADER + 8, madt, 8);
    acpi_put(t + SDT_HEADER + 16, mcfg, 8);
    xsdt = acpi_place(&area, t);
    acpi_rsdp(CH_EBDA_START, ch_ids.oem_id, xsdt);
}

const struct vmm_replica vmm_cloud_hypervisor_53 = {
    .name = "cloud-hypervisor-53",
    .cr0 = 0x1,                   /* CR0_PE */
    .ram_32bit_end = VMM_MMIO32_START,
    .rsdp_at = CH_EBDA_START,
    .rsdp_in_start_info = true,
    .ebda_pointer = CH_EBDA_START >> 4,
    .cmdline_max = 0x10000,       /* layout.rs CMDLINE_MAX_SIZE */
    .cmdline_tail = "",
    .elf_refusal_is_bzimage = true,
    .owns_port_0x600 = true,
    .memmap = ch_memmap,
    .acpi = ch_acpi,
};
