/*
 * x86 architectural constants shared by C and the nasm entry code.
 * Plain "#define NAME value" lines only: the build turns this file
 * into a nasm include (build/<arch>/gen/x86.inc).
 */
#ifndef PVH_X86_H
#define PVH_X86_H

/* GDT selectors (see the table in entry.asm). */
#define X86_SEL_CODE64 0x08
#define X86_SEL_DATA   0x10
#define X86_SEL_CODE32 0x18
#define X86_SEL_TSS    0x20 /* a 64-bit TSS descriptor takes two slots */

/* Control registers and MSRs. */
#define X86_CR0_PE  0x00000001 /* protected mode */
#define X86_CR0_MP  0x00000002 /* WAIT honours TS (set with SSE, as the SDM asks) */
#define X86_CR0_EM  0x00000004 /* no x87/SSE unit: SSE instructions fault */
#define X86_CR0_TS  0x00000008 /* the next x87/SSE instruction faults (#NM) */
#define X86_CR0_WP  0x00010000 /* honour read-only pages in ring 0 */
#define X86_CR0_PG  0x80000000
/* CR0 of a CPU pvhboot starts (ap_start.asm's, or VCPUOP_initialise's under Xen). */
#define X86_CR0_AP  (X86_CR0_PE | X86_CR0_WP | X86_CR0_PG)
#define X86_CR4_PAE 0x00000020
#define X86_CR4_OSFXSR     0x00000200 /* SSE instructions allowed */
#define X86_CR4_OSXMMEXCPT 0x00000400 /* SIMD floating-point errors as #XM, not #UD */
/* What every CPU pvhboot runs has in CR4: PAE for long mode, and SSE,
 * which the page-table code (table_fill.asm) and the firmware's header
 * scan use; no global pages, no SMEP/SMAP, nothing a loader left. */
#define X86_CR4_BOOT 0x00000620 /* PAE | OSFXSR | OSXMMEXCPT (a number: nasm reads it) */
#define X86_MSR_EFER 0xc0000080
#define X86_EFER_LME 0x00000100 /* long mode enable */
#define X86_EFER_NXE 0x00000800 /* the NX bit in page tables */

/* CPUID. */
#define X86_CPUID_EXT_BASE     0x80000000
#define X86_CPUID_EXT_FEATURES 0x80000001
#define X86_CPUID_EXT_EDX_NX      0x00100000 /* bit 20 */
#define X86_CPUID_EXT_EDX_PAGE1GB 0x04000000 /* bit 26 */
#define X86_CPUID_EXT_EDX_LM      0x20000000 /* bit 29 */
#define X86_CPUID_1_ECX_HYPERVISOR 0x80000000 /* bit 31 */
#define X86_CPUID_HV_BASE  0x40000000
#define X86_CPUID_HV_STEP  0x100
#define X86_CPUID_HV_LAST  0x4000ff00

/* Page-table entry bits. */
#define X86_PTE_P   0x001
#define X86_PTE_RW  0x002
#define X86_PTE_PS  0x080 /* a large page in a PD or PDPT entry */
#define X86_PTE_NX_HIGH 0x80000000 /* bit 63, as the high dword of an entry */
#define X86_PAGE_SIZE 4096
#define X86_LARGE_PAGE_SIZE 0x200000
#define X86_PTES_PER_TABLE 512

/* Exception entry stubs (isr.asm): one every this many bytes, vector 0's
 * first, so the IDT needs no table of their addresses. */
#define X86_ISR_STUB_SIZE 4

/* I/O ports. */
#define X86_COM1_PORT     0x3f8
#define X86_DEBUGCON_PORT 0xe9
#define X86_DEBUG_EXIT_PORT 0xf4 /* QEMU isa-debug-exit: status = (value << 1) | 1 */
#define X86_DEBUG_EXIT_FAILURE 1  /* QEMU exits with status 3 */
/* pvh_exit(s), 1 <= s <= PVH_EXIT_STATUS_MAX, writes s + this: QEMU exits
 * with 2s + 3, above pvh_panic's 3 (arch/x86/exit.c). */
#define X86_DEBUG_EXIT_STATUS_BASE 1

/* The other CPUs (arch/x86/smp.c, lapic.c, ap_start.asm). */
#define X86_MSR_APIC_BASE 0x1b
#define X86_APIC_BASE_EXTD   0x400  /* x2APIC mode */
#define X86_APIC_BASE_ENABLE 0x800  /* the local APIC is on */
#define X86_MSR_GS_BASE 0xc0000101
#define X86_CPUID_TOPOLOGY 0xb     /* EDX: the x2APIC ID, where EBX of subleaf 0 is not 0 */
#define X86_VECTOR_WAKE 0xf0       /* the IPI that wakes a halted CPU */
#define X86_VECTOR_SPURIOUS 0xff   /* the local APIC's spurious vector */
#define X86_APIC_EOI 0xb0          /* xAPIC register offset; x2APIC MSR 0x80b */
#define X86_MSR_X2APIC_EOI 0x80b
/* struct x86_ap_slot (smp.c), read by ap_start.asm: one per CPU. */
#define X86_AP_SLOTS 16
#define X86_AP_SLOT_HWID 0
#define X86_AP_SLOT_STACK 8
#define X86_AP_SLOT_CPU 16
#define X86_AP_SLOT_ARMED 20
#define X86_AP_SLOT_SIZE 24

/* Where a loader honouring XEN_ELFNOTE_PHYS32_RELOC may put the image
 * (arch/x86/reloc_note.asm, docs/loaders.md): its first byte at a 1 MiB
 * boundary (an image of at most 1 MiB then lies in one 2 MiB page, all
 * the entry maps), from 1 MiB (the link address: below lie the legacy
 * areas) with its last byte below 2 GiB (the small code model's
 * sign-extended 32-bit addresses reach no higher). */
#define X86_RELOC_ALIGN 0x100000
#define X86_RELOC_MIN 0x100000
#define X86_RELOC_MAX 0x7fffffff
/* Four bytes at a known place in the entry: reading them back through the
 * address a call pushed tells whether the borrowed stack held it. */
#define X86_ENTRY_MARK 0x68627670 /* "pvbh" */

/* Stacks. */
#define X86_STACK_SIZE 0x10000
#define X86_IST_STACK_SIZE 0x1000

#endif
