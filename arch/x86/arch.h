/* What the x86 C files share among themselves. */
#ifndef PVH_X86_ARCH_H
#define PVH_X86_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/boot.h>

#include "arch/x86/x86.h"
#include "common/boot/boot_store.h"
#include "common/output/error.h"

/* Linker-script and entry.asm symbols: addresses, not objects. */
extern char __image_start[], __image_end[];
/* The end of late storage (PVH_LATE), past __image_end: pvhboot's memory
 * ends there. */
extern char __late_end[];
extern char __text_start[], __text_end[], __rodata_end[];
extern char x86_stack_guard[], x86_stack_top[];
extern uint64_t x86_gdt[];
extern uint64_t x86_entry_tsc;
/* The page tables' fixed pages: the PML4, the first PDPT, the first GiB's
 * page directory and PT0, the first 2 MiB's page table (arch/x86/paging.c). */
extern uint64_t x86_pml4[], x86_pdpt[], x86_pd[], x86_pt0[];

struct x86_cpu {
    /* 2^the CPU's physical address bits, 2^47 at most (a 4-level map's
     * lower half): a page-table entry naming an address at or above it
     * has reserved bits set, and using it faults. */
    uint64_t phys_limit;
    bool nx;          /* EFER.NXE is on: PTE bit 63 means no-execute */
    bool page1gb;     /* 1 GiB pages in the PDPT */
    bool hypervisor;  /* CPUID.1:ECX.hypervisor */
    char vendor[13];  /* "GenuineIntel", "AuthenticAMD", ... */
};
extern struct x86_cpu x86_cpu;

/* EFER of a CPU pvhboot starts: long mode, and NX as on the boot CPU. */
static inline uint32_t x86_ap_efer(void)
{
    return X86_EFER_LME | (x86_cpu.nx ? X86_EFER_NXE : 0);
}

/* Consoles: COM1 when a 16550 answers, the 0xe9 port when QEMU's
 * debugcon answers or Xen runs us. */
void x86_consoles_init(const struct pvh_hypervisor *hv);
bool x86_uart_init(void);
bool x86_debugcon_present(void);
void x86_debugcon_register(void);
void x86_debugcon_unregister(void);
void x86_idt_init(void);

/* A 64-bit interrupt gate (Intel SDM vol. 3, 6.14.1). */
struct x86_idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
_Static_assert(sizeof(struct x86_idt_gate) == 16, "IDT gate size");
#define X86_IDT_INTERRUPT_GATE 0x8e /* P, DPL 0, 64-bit interrupt gate */

/* The gate's fields, put together as four 32-bit words: the compiler
 * then writes whole words, where it would merge six fields one by one. */
static inline struct x86_idt_gate x86_idt_gate(uint64_t handler, unsigned ist)
{
    uint32_t w[4] = {
        (uint32_t)(handler & 0xffffu) | (uint32_t)X86_SEL_CODE64 << 16,
        (uint32_t)(handler & 0xffff0000u) | (uint32_t)X86_IDT_INTERRUPT_GATE << 8 | (uint8_t)ist,
        (uint32_t)(handler >> 32),
        0,
    };
    struct x86_idt_gate g;

    _Static_assert(sizeof(g) == sizeof(w), "IDT gate: four words");
    __builtin_memcpy(&g, w, sizeof(g));
    return g;
}

/* The 64-bit TSS: only the IST stacks matter to us. */
struct x86_tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_tss64) == 104, "TSS size");
_Static_assert(__builtin_offsetof(struct x86_tss64, ist) == 36, "TSS IST offset");
#define X86_IST_DOUBLE_FAULT 1
#define X86_VECTOR_DOUBLE_FAULT 8
#define X86_EXCEPTION_VECTORS 32

/* Point the TSS descriptor (two slots at X86_SEL_TSS) of gdt at tss,
 * whose double-fault stack ends at ist_top. */
void x86_tss_install(uint64_t *gdt, struct x86_tss64 *tss, uint64_t ist_top);

struct x86_descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* The exception gates (vectors 0-31), as the boot CPU's IDT holds them. */
const struct x86_idt_gate *x86_exception_gates(void);

/* The calling CPU's APIC ID as the CPU itself tells it (CPUID): the
 * x2APIC ID where leaf 0xb reports one, else the 8-bit initial APIC ID
 * of leaf 1. ap_start.asm reads it the same way. */
uint32_t x86_apic_id(void);
/* The CPUs the MADT lists, into st (the boot CPU alone when there is
 * no RSDP; a warning and the boot CPU alone when the table is missing
 * or malformed). */
void x86_cpus_find(struct pvh_boot_store *st);
void x86_cpu_probe(void);
void x86_hypervisor_probe(struct pvh_hypervisor *hv);

/* How the C code reads physical memory: the identity map, grown on
 * request (arch/x86/phys.c). */
extern const struct pvh_phys x86_phys;

/* The page tables (arch/x86/paging.c): the image alone at first, then
 * what is asked for, then memory. */
void x86_paging_init(void);
enum x86_map_kind {
    X86_MAP_LOADER_DATA, /* read-only, no-execute; taken down by x86_paging_finish() */
    X86_MAP_SHARED,      /* read-write, no-execute: a page a hypervisor shares */
    X86_MAP_MMIO,        /* read-write, no-execute, uncached: device registers */
};
/* Identity-map [pa, pa + len) (whole 4 KiB pages) as kind, keeping what
 * is mapped already; false when it lies beyond the CPU's physical
 * addresses (or 128 TiB) or the tables' pool is used up. */
bool x86_paging_map(uint64_t pa, uint64_t len, enum x86_map_kind kind);
/* The loader's data has been copied: its mappings are gone. */
bool x86_paging_loader_released(void);
int x86_paging_finish(struct pvh_boot_store *st, struct pvh_error *err);
/* A page of code in the first 2 MiB (PT0's) read-only and executable,
 * once its code is written: the hypercall page once Xen filled it, the
 * other CPUs' start-up page once smp.c wrote it. */
void x86_paging_seal_code(uint64_t page);
/* True in the firmware: RAM is mapped executable, for the payload. */
extern const _Bool x86_paging_ram_executable;
/* The pool of table pages in the image (for the firmware's hand-off). */
const void *x86_paging_pool(uint64_t *size);
/* Entries in bulk (arch/x86/table_fill.asm, SSE2): e[i] = v + i * step,
 * and e[i] = 0, for i < n. */
void x86_fill_entries(uint64_t *e, uint64_t n, uint64_t v, uint64_t step);
void x86_zero_entries(uint64_t *e, uint64_t n);
/* Is [pa, pa + len) mapped (identity) right now? (arch/x86/page_walk.c) */
bool x86_paging_mapped(uint64_t pa, uint64_t len);

/* Walking 4-level tables: the index of va in the table of a level (shift
 * 39, 30, 21 or 12), and the table a present entry points to. */
#define X86_PTE_ADDR_MASK 0x000ffffffffff000ull
static inline unsigned x86_pt_index(uint64_t va, unsigned level_shift)
{
    return (unsigned)(va >> level_shift) & (X86_PTES_PER_TABLE - 1);
}
static inline uint64_t *x86_pt_table(uint64_t entry)
{
    return (uint64_t *)(uintptr_t)(entry & X86_PTE_ADDR_MASK);
}

/* The RSDP (0: none, or under Xen) and the cmdline's pvhboot.on_error. */
void x86_power_init(uint64_t rsdp, const char *cmdline);
/* The ACPI poweroff part (arch/x86/acpi_poweroff.c): power off as the
 * tables at rsdp say (read once; quiet: no line when they cannot), and
 * returns if the VM is still running; the i8042 reset, only where the
 * tables say there is no other way off. */
void x86_acpi_poweroff(uint64_t rsdp, bool quiet);
void x86_acpi_i8042_reset(void);

/* Xen (arch/x86/hypercall.c, arch/x86/xen.c). */
extern uint8_t x86_hypercall_page[];
int x86_xen_hypercall_init(struct pvh_hypervisor *hv, bool use_page, struct pvh_error *err);
int x86_xen_memory_map(struct pvh_boot_store *st, struct pvh_error *err);
/* Under Xen, once the boot description is read: the cmdline's hypercall
 * method (pvhboot.xen_hypercall), Xen's version and features, its consoles. */
int x86_xen_setup(struct pvh_boot_store *st, struct pvh_error *err);
void x86_xen_open_pv_console(void);
void x86_xen_shutdown(unsigned reason);
/* Start Xen vCPU vcpu at x86_ap_entry_xen on the stack ending at
 * stack_top, with cpu as x86_ap_main's argument (arch/x86/xen_vcpu.c):
 * 0, or Xen's (negative) error, and then it does not run. */
long x86_xen_vcpu_start(uint32_t vcpu, uintptr_t stack_top, unsigned cpu);

#endif
