/*
 * Optional parts: pay for what you link.
 *
 * pvhboot's start code calls a few parts only when the program linked
 * them: Xen support (hypercalls, the memory map from Xen, the PV console,
 * Xen's shutdown), ACPI poweroff (the FADT and the DSDT's \_S5 read when
 * the program powers off) and the CPU list (the MADT or the device tree's
 * /cpus). A program names the parts it wants once, in any of its C files:
 *
 *     PVHBOOT_PARTS(PVH_PART_XEN, PVH_PART_ACPI_POWEROFF);
 *
 * PVHBOOT_PARTS() with no part links none of them. A program that says
 * nothing gets them all (libpvhboot.a's default list), which is what
 * every program got before parts existed.
 *
 * Without a part:
 *  - Xen: the boot still runs under Xen, on the start info's memory map
 *    (a PVH dom0 gets none there and is refused with a message), the
 *    0xe9 console, no hypercalls, and a halt where Xen's shutdown would
 *    end the domain;
 *  - ACPI poweroff (x86): pvh_poweroff() ends QEMU through isa-debug-exit
 *    and halts elsewhere; arm64 powers off through PSCI either way;
 *  - CPU list: the boot description lists the boot CPU alone
 *    (cpus_source "none"), and the program cannot start other CPUs.
 *
 * The functions a program calls itself (pvh_cpu_start(), pvh_crc32(),
 * pvh_xenfeat_name(), ...) are linked by those calls, parts or not.
 */
#ifndef PVHBOOT_PARTS_H
#define PVHBOOT_PARTS_H

/* Each part's object defines its marker; naming the marker links it. */
extern const char pvh_part_xen;
extern const char pvh_part_acpi_poweroff;
extern const char pvh_part_cpu_list;

/*
 * Each part is a reference to its marker that costs no byte: a "none"
 * relocation (BFD_RELOC_NONE, on every architecture GNU as knows),
 * which the link resolves, and so pulls the marker's object out of
 * libpvhboot.a, but which writes nothing and leaves nothing to relocate
 * at run time.
 */
#define PVH_PART_XEN           "\t.reloc pvh_parts, BFD_RELOC_NONE, pvh_part_xen\n"
#define PVH_PART_ACPI_POWEROFF "\t.reloc pvh_parts, BFD_RELOC_NONE, pvh_part_acpi_poweroff\n"
#define PVH_PART_CPU_LIST      "\t.reloc pvh_parts, BFD_RELOC_NONE, pvh_part_cpu_list\n"

/*
 * The list is the symbol pvh_parts, which the linker script asks for
 * (EXTERN) and keeps: defined by the program, the library's default list
 * is never pulled out of the archive. Up to the three parts there are, in
 * any order; the extra empty strings let the list be shorter, or empty.
 */
#define PVH_PARTS_JOIN_(a, b, c, ...) a b c
#define PVHBOOT_PARTS(...)                                                  \
    __asm__(".pushsection .pvh_parts, \"a\"\n"                              \
            "\t.globl pvh_parts\n"                                          \
            "pvh_parts:\n"                                                  \
            "\t.byte 0\n" PVH_PARTS_JOIN_(__VA_ARGS__ "", "", "", "")      \
            ".popsection\n")

#endif
