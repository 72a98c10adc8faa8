/*
 * Firecracker's PVH hand-off, three releases of it, as read in its
 * source at the tags v1.12.1, v1.13.2 and v1.16.1 (the current release):
 * src/vmm/src/arch/x86_64/mod.rs (configure_pvh, arch_memory_regions,
 * initrd_load_addr), layout.rs, regs.rs (setup_regs,
 * configure_segments_and_sregs for PVH), src/vmm/src/builder.rs (the
 * cmdline), src/vmm/src/acpi/mod.rs and acpi/x86_64.rs (the tables), and
 * src/acpi-tables/src/ (their layouts). All three:
 *
 *  - start info at 0x6000 (version 1, flags 0, rsdp_paddr 0: the guest
 *    finds the RSDP at 0xe0000 by scanning), module list at 0x6040 only
 *    with an initrd (module 0, no cmdline), memory map at 0x7000,
 *    cmdline at 0x20000 (2048 bytes with the NUL);
 *  - the map starts with RAM [0, 0x9fc00) and the "system memory"
 *    [0x9fc00, 0xe0000) reserved; 0xe0000-0xfffff is in no entry;
 *  - the initrd at the top of the RAM below the 32-bit gap, page aligned;
 *  - at entry: %ebx 0x6000, every other general register 0 (%esp too),
 *    EFLAGS 2, CR0 PE|ET, CR4 0, the GDT at 0x500 (null, flat code
 *    0x00cf9b000000ffff, flat data 0x00cf93000000ffff, TSS
 *    0x00008b0000000067) and an 8-byte zero IDT at 0x520;
 *  - the MP table first in the system memory (vmm_mptable.c), then the
 *    ACPI tables, each right after the last (the allocator's FirstMatch
 *    with alignment 1): DSDT, FADT, MADT, [MCFG], XSDT; the RSDP at
 *    0xe0000, revision 2 with an XSDT and no RSDT.
 *
 * The tables: OEM "FIRECK" revision 0, creator "FCAT" 0x20240119. DSDT
 * revision 2 ("FCVMDSDT"): its AML is the virtio devices' first
 * (fc_virtio_aml below), then the GED and VMGenID (and from 1.16
 * VMClock) devices, not written here (nor their buffers in system
 * memory), then the legacy devices' (serial ports and i8042,
 * fc_legacy_aml below); no \_S5 in any release. FADT revision 6, 276
 * bytes ("FCVMFADT"), minor version 5: flags HW_REDUCED_ACPI,
 * PWR_BUTTON, SLP_BUTTON; the DSDT in X_DSDT only; no reset, sleep
 * control or sleep status register, no PM blocks; hypervisor "FIRECKVM".
 * MADT revision 6 ("FCVMMADT"): local APIC 0xfee00000, flags 0, an I/O
 * APIC (ID 0, 0xfec00000, GSI 0), then a local APIC entry per vCPU (UID =
 * APIC ID = index, enabled). XSDT revision 1 ("FCMVXSDT"): FADT, MADT,
 * MCFG. So there is no ACPI way off: a Firecracker guest ends its VM
 * through the i8042 (0xfe to port 0x64), which makes Firecracker exit.
 *
 * What the releases change:
 *  - 1.12: the 32-bit gap is 768 MiB (RAM below 4 GiB ends at
 *    0xd0000000); the map has no MMCONFIG entry, RAM from 1 MiB comes
 *    before RAM from 4 GiB; no MCFG; the FADT's IA-PC flags are "VGA not
 *    present", "MSI not supported" and "PCIe ASPM controls" (0x1c);
 *  - 1.13: the gap starts at 3 GiB; the PCIe MMCONFIG window
 *    [0xeec00000, +256 MiB) is reserved in the map, which lists RAM past
 *    512 GiB, then from 4 GiB, then from 1 MiB; an MCFG ("FCMVMCFG",
 *    revision 1, one entry: that window, segment 0, buses 0-0); IA-PC
 *    flags "VGA not present" alone (0x4); " pci=off" appended to the
 *    cmdline (builder.rs, PCI being off by default);
 *  - 1.16: as 1.13, but the RAM entries come in ascending order (one per
 *    guest memory region, from 1 MiB for the first).
 *
 * Its virtio devices (device_manager/mmio.rs, register_mmio_virtio_for_boot,
 * the same in all three): each is given 4 KiB (MMIO_LEN) of its 32-bit
 * MMIO window, the first block device at 0xd0000000 (1.12) or
 * 0xc0001000 (1.13, 1.16) with GSI 5, and described twice: the word
 * " virtio_mmio.device=4K@0x<base>:<gsi>" (linux-loader's
 * Cmdline::add_virtio_mmio_device: the size in K, the address in
 * lowercase hex) inserted into the cmdline when the device is attached,
 * after " pci=off" where there is one (builder.rs), and a device in
 * the DSDT. Here the devices are QEMU's (vmm.h): the word and the DSDT
 * name the address and interrupt QEMU gave each, not Firecracker's,
 * with Firecracker's 4 KiB.
 *
 * Not replicated: the MSRs Firecracker sets (zeros, MISC_ENABLE fast
 * strings), CPUID, its devices but for QEMU's COM1, i8042 and virtio-mmio
 * transports, the AML of its GED, VMGenID and VMClock devices, the
 * " root=/dev/vda ro|rw" (or root=PARTUUID=) it inserts before a root
 * device's word (is_root_device: the tests' disks are not).
 */
#include "tests/hostile/vmm.h"

#include "tests/hostile/console.h"

#define FC_SYSTEM_MEM_START 0x9fc00ull
#define FC_RSDP_ADDR        0xe0000u
#define FC_SYSTEM_MEM_SIZE  (FC_RSDP_ADDR - FC_SYSTEM_MEM_START)
#define FC_APIC_ADDR        0xfee00000u
#define FC_IOAPIC_ADDR      0xfec00000u
#define FC_PCI_MMCONFIG_SIZE 0x10000000ull
#define FC_PCI_MMCONFIG_START (FC_IOAPIC_ADDR - FC_PCI_MMCONFIG_SIZE)
#define FC_MMIO64_START     (256ull << 30)
#define FC_PAST_64BIT_MMIO  (512ull << 30)
#define FC_1_12_GAP_START   0xd0000000ull /* 4 GiB - 768 MiB */
#define FC_MMIO_LEN         0x1000u       /* mmio.rs MMIO_LEN */
#define FC_GSI_LEGACY_START 5u            /* layout.rs (1.12: IRQ_BASE) */

#define FADT_LEN            276u
#define FADT_IAPC_BOOT_ARCH 109u
#define FADT_FLAGS          112u
#define FADT_MINOR_VERSION  131u
#define FADT_X_DSDT         140u
#define FADT_HYPERVISOR_ID  268u
#define FADT_HW_REDUCED     (1u << 20)
#define FADT_PWR_BUTTON     (1u << 4)
#define FADT_SLP_BUTTON     (1u << 5)
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define IAPC_MSI_NOT_PRESENT (1u << 3)
#define IAPC_PCI_ASPM        (1u << 4)
#define MADT_HEADER         44u
#define SDT_HEADER          36u
#define MCFG_LEN            60u

enum fc_release { FC_1_12, FC_1_13, FC_1_16 };

static const struct acpi_ids fc_ids = { "FIRECK", 0, "FCAT", "\x19\x01\x24\x20" };

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static struct hvm_memmap_table_entry entry(uint64_t addr, uint64_t size, uint32_t type)
{
    return (struct hvm_memmap_table_entry){ addr, size, type, 0 };
}

/* The guest memory regions (arch_memory_regions) for mem bytes: up to
 * three, [start, end). 1.12 has one 32-bit gap of 768 MiB and nothing
 * else; from 1.13 the gap starts at 3 GiB and there is a second one, for
 * 64-bit MMIO, from 256 to 512 GiB. */
static unsigned regions(enum fc_release v, uint64_t mem, uint64_t start[3], uint64_t end[3])
{
    uint64_t gap = v == FC_1_12 ? FC_1_12_GAP_START : VMM_MMIO32_START;
    uint64_t below_mmio64 = v == FC_1_12 ? ~0ull : FC_MMIO64_START - VMM_RAM_64BIT;
    unsigned n = 0;

    start[n] = 0;
    end[n++] = min64(mem, gap);
    if (mem > gap) {
        uint64_t high = mem - gap;

        start[n] = VMM_RAM_64BIT;
        end[n++] = VMM_RAM_64BIT + min64(high, below_mmio64);
        if (high > below_mmio64) {
            start[n] = FC_PAST_64BIT_MMIO;
            end[n++] = FC_PAST_64BIT_MMIO + high - below_mmio64;
        }
    }
    return n;
}

static unsigned fc_memmap(enum fc_release v, uint64_t mem, struct hvm_memmap_table_entry *map)
{
    uint64_t start[3], end[3];
    unsigned n = 0, nr = regions(v, mem, start, end);

    map[n++] = entry(0, FC_SYSTEM_MEM_START, XEN_HVM_MEMMAP_TYPE_RAM);
    map[n++] = entry(FC_SYSTEM_MEM_START, FC_SYSTEM_MEM_SIZE, XEN_HVM_MEMMAP_TYPE_RESERVED);
    if (v != FC_1_12)
        map[n++] = entry(FC_PCI_MMCONFIG_START, FC_PCI_MMCONFIG_SIZE, XEN_HVM_MEMMAP_TYPE_RESERVED);
    start[0] = VMM_HIMEM_START;
    if (v == FC_1_13) {
        /* v1.13.2 configure_pvh: from the last region down. */
        for (unsigned i = nr; i-- > 0;)
            map[n++] = entry(start[i], end[i] - start[i], XEN_HVM_MEMMAP_TYPE_RAM);
    } else {
        for (unsigned i = 0; i < nr; i++)
            map[n++] = entry(start[i], end[i] - start[i], XEN_HVM_MEMMAP_TYPE_RAM);
    }
    return n;
}

static unsigned fc_memmap_1_12(uint64_t mem, struct hvm_memmap_table_entry *map)
{
    return fc_memmap(FC_1_12, mem, map);
}

static unsigned fc_memmap_1_13(uint64_t mem, struct hvm_memmap_table_entry *map)
{
    return fc_memmap(FC_1_13, mem, map);
}

static unsigned fc_memmap_1_16(uint64_t mem, struct hvm_memmap_table_entry *map)
{
    return fc_memmap(FC_1_16, mem, map);
}

/*
 * The DSDT's legacy devices (device_manager/legacy.rs,
 * PortIODeviceManager::append_aml_bytes): each serial port as a PNP0501
 * device, _UID its index, _DDN "COMn", _CRS its interrupt (edge, active
 * high) then its 8 ports (alignment 1); then the i8042 as PNP0303 with
 * _STA 0xf and _CRS ports 0x60 and 0x64 and interrupt 1. 1.12 and 1.13
 * describe four ports (0x3f8, 0x2f8, 0x3e8, 0x2e8 on GSIs 4, 3, 4, 3),
 * 1.16 COM1 alone (0x3f8, GSI 4). On a hardware-reduced platform this
 * is how Linux learns COM1's interrupt: it has no 8259 there, and an ISA
 * IRQ no device names has no mapping to an I/O APIC input.
 */
static uint32_t fc_legacy_aml(enum fc_release v, uint8_t *out, uint32_t max)
{
    static const uint16_t port[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
    static const uint8_t gsi[] = { 4, 3, 4, 3 };
    struct aml a = { out, 0, max, AML_INTS_PREFIXED };
    char name[] = "COM1";
    uint32_t dev, crs;

    for (unsigned com = 0; com < (v == FC_1_16 ? 1u : 4u); com++) {
        name[3] = (char)('1' + com);
        dev = aml_device(&a, name);
        aml_name(&a, "_HID");
        aml_eisa_id(&a, "PNP0501");
        aml_name(&a, "_UID");
        aml_integer(&a, com);
        aml_name(&a, "_DDN");
        aml_string(&a, name);
        aml_name(&a, "_CRS");
        crs = aml_resources_open(&a);
        aml_interrupt_edge_high(&a, gsi[com]);
        aml_io(&a, port[com], port[com], 1, 8);
        aml_resources_close(&a, crs);
        aml_close(&a, dev);
    }
    dev = aml_device(&a, "PS2_");
    aml_name(&a, "_HID");
    aml_eisa_id(&a, "PNP0303");
    aml_method_return(&a, "_STA", 0xf);
    aml_name(&a, "_CRS");
    crs = aml_resources_open(&a);
    aml_io(&a, 0x60, 0x60, 1, 1);
    aml_io(&a, 0x64, 0x64, 1, 1);
    aml_interrupt_edge_high(&a, 1);
    aml_resources_close(&a, crs);
    aml_close(&a, dev);
    return a.len;
}

/*
 * The DSDT's virtio devices (mmio.rs add_virtio_aml), in the order they
 * were attached: Device(V<nnn>), nnn the GSI less GSI_LEGACY_START in
 * three digits, one name segment; _HID the string "LNRO0005", _UID that
 * number as a u32, _CCA One, _CRS its 4 KiB as Memory32Fixed (read and
 * write) and its GSI (edge, active high).
 */
static uint32_t fc_virtio_aml(const struct vmm_request *q, uint8_t *out, uint32_t max)
{
    struct aml a = { out, 0, max, AML_INTS_PREFIXED };

    for (unsigned i = 0; i < q->nr_mmio; i++) {
        uint32_t id = q->mmio[i].irq - FC_GSI_LEGACY_START, dev, crs;
        char name[] = "V000";

        if (q->mmio[i].irq < FC_GSI_LEGACY_START || id > 999)
            hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: virtio-mmio IRQ %u: Firecracker's "
                         "are %u and up", q->mmio[i].irq, FC_GSI_LEGACY_START);
        name[1] = (char)('0' + id / 100);
        name[2] = (char)('0' + id / 10 % 10);
        name[3] = (char)('0' + id % 10);
        dev = aml_device_seg(&a, name);
        aml_name(&a, "_HID");
        aml_string(&a, "LNRO0005");
        aml_name(&a, "_UID");
        aml_dword(&a, id);
        aml_name(&a, "_CCA");
        aml_one(&a);
        aml_name(&a, "_CRS");
        crs = aml_resources_open(&a);
        aml_memory32_fixed(&a, true, q->mmio[i].base, FC_MMIO_LEN);
        aml_interrupt_edge_high(&a, q->mmio[i].irq);
        aml_resources_close(&a, crs);
        aml_close(&a, dev);
    }
    return a.len;
}

/* "virtio_mmio.device=4K@0x<base>:<gsi>" */
static void fc_mmio_word(const struct vmm_mmio *d, char *buf)
{
    static const char head[] = "virtio_mmio.device=4K@0x";
    unsigned n = 0, digits = 0;
    char dec[10];

    for (unsigned i = 0; head[i]; i++)
        buf[n++] = head[i];
    for (int shift = 28; shift >= 0; shift -= 4) {
        unsigned nibble = d->base >> shift & 0xf;

        if (nibble || digits || !shift) {
            buf[n++] = "0123456789abcdef"[nibble];
            digits++;
        }
    }
    buf[n++] = ':';
    digits = 0;
    for (uint32_t v = d->irq; !digits || v; v /= 10)
        dec[digits++] = (char)('0' + v % 10);
    while (digits)
        buf[n++] = dec[--digits];
    buf[n] = '\0';
}

static void fc_acpi(enum fc_release v, const struct vmm_request *q, uint32_t free_from)
{
    static uint8_t t[ACPI_TABLE_MAX], aml[ACPI_TABLE_MAX - SDT_HEADER];
    struct acpi_area area = { free_from, FC_RSDP_ADDR };
    uint32_t dsdt, fadt, madt, mcfg = 0, xsdt, nr = v == FC_1_12 ? 2 : 3;
    uint32_t aml_len = fc_virtio_aml(q, aml, sizeof(aml));

    aml_len += fc_legacy_aml(v, aml + aml_len, (uint32_t)sizeof(aml) - aml_len);

    acpi_header(t, "DSDT", SDT_HEADER + aml_len, 2, &fc_ids, "FCVMDSDT");
    for (uint32_t i = 0; i < aml_len; i++)
        t[SDT_HEADER + i] = aml[i];
    dsdt = acpi_place(&area, t);

    acpi_header(t, "FACP", FADT_LEN, 6, &fc_ids, "FCVMFADT");
    acpi_put(t + FADT_IAPC_BOOT_ARCH, v == FC_1_12 ? IAPC_VGA_NOT_PRESENT | IAPC_MSI_NOT_PRESENT |
             IAPC_PCI_ASPM : IAPC_VGA_NOT_PRESENT, 2);
    acpi_put(t + FADT_FLAGS, FADT_HW_REDUCED | FADT_PWR_BUTTON | FADT_SLP_BUTTON, 4);
    t[FADT_MINOR_VERSION] = 5;
    acpi_put(t + FADT_X_DSDT, dsdt, 8);
    for (unsigned i = 0; i < 8; i++)
        t[FADT_HYPERVISOR_ID + i] = (uint8_t)"FIRECKVM"[i];
    fadt = acpi_place(&area, t);

    /* One vCPU: the replica runs on QEMU's -smp 1. */
    acpi_header(t, "APIC", MADT_HEADER + 12 + 8, 6, &fc_ids, "FCVMMADT");
    acpi_put(t + 36, FC_APIC_ADDR, 4);
    t[MADT_HEADER] = 1;                 /* I/O APIC: ID 0, GSI base 0 */
    t[MADT_HEADER + 1] = 12;
    acpi_put(t + MADT_HEADER + 4, FC_IOAPIC_ADDR, 4);
    t[MADT_HEADER + 12] = 0;            /* local APIC: UID 0, ID 0, enabled */
    t[MADT_HEADER + 13] = 8;
    acpi_put(t + MADT_HEADER + 16, 1, 4);
    madt = acpi_place(&area, t);

    if (v != FC_1_12) {
        acpi_header(t, "MCFG", MCFG_LEN, 1, &fc_ids, "FCMVMCFG");
        acpi_put(t + SDT_HEADER + 8, FC_PCI_MMCONFIG_START, 8);
        mcfg = acpi_place(&area, t);
    }

    acpi_header(t, "XSDT", SDT_HEADER + 8 * nr, 1, &fc_ids, "FCMVXSDT");
    acpi_put(t + SDT_HEADER, fadt, 8);
    acpi_put(t + SDT_HEADER + 8, madt, 8);
    if (mcfg)
        acpi_put(t + SDT_HEADER + 16, mcfg, 8);
    xsdt = acpi_place(&area, t);
    acpi_rsdp(FC_RSDP_ADDR, fc_ids.oem_id, xsdt);
}

static void fc_acpi_1_12(const struct vmm_request *q, uint32_t free_from)
{
    fc_acpi(FC_1_12, q, free_from);
}

static void fc_acpi_1_13(const struct vmm_request *q, uint32_t free_from)
{
    fc_acpi(FC_1_13, q, free_from);
}

static void fc_acpi_1_16(const struct vmm_request *q, uint32_t free_from)
{
    fc_acpi(FC_1_16, q, free_from);
}

#define FIRECRACKER(release_name, gap, tail, map, tables)                                        \
    {                                                                                            \
        .name = release_name,                                                                    \
        .cr0 = 0x11,                  /* X86_CR0_PE | X86_CR0_ET */                               \
        .ram_32bit_end = gap,                                                                    \
        .rsdp_at = FC_RSDP_ADDR,                                                                 \
        .rsdp_in_start_info = false,                                                             \
        .ebda_pointer = 0,                                                                       \
        .mptable_at = (uint32_t)FC_SYSTEM_MEM_START, /* the first allocation from system memory */ \
        .cmdline_max = 2048,          /* layout.rs CMDLINE_MAX_SIZE */                           \
        .cmdline_tail = tail,                                                                    \
        .mmio_word = fc_mmio_word,                                                               \
        .elf_refusal_is_bzimage = false,                                                         \
        .owns_port_0x600 = false,                                                                \
        .memmap = map,                                                                           \
        .acpi = tables,                                                                          \
    }

const struct vmm_replica vmm_firecracker_1_12 =
    FIRECRACKER("firecracker-1.12", FC_1_12_GAP_START, "", fc_memmap_1_12, fc_acpi_1_12);
const struct vmm_replica vmm_firecracker_1_13 =
    FIRECRACKER("firecracker-1.13", VMM_MMIO32_START, " pci=off", fc_memmap_1_13, fc_acpi_1_13);
const struct vmm_replica vmm_firecracker_1_16 =
    FIRECRACKER("firecracker-1.16", VMM_MMIO32_START, " pci=off", fc_memmap_1_16, fc_acpi_1_16);
