/* What the x86 C files share among themselves. */
#ifndef PVH_X86_ARCH_H
#define PVH_X86_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/boot.h>

#include "common/boot_store.h"
#include "common/error.h"

/* Linker-script and entry.asm symbols: addresses, not objects. */
extern char __image_start[], __image_end[];
extern char __text_start[], __text_end[], __rodata_end[];
extern char x86_stack_guard[], x86_stack_top[];
extern uint64_t x86_gdt[];
extern uint64_t x86_entry_tsc;
extern uint64_t x86_pml4[], x86_pdpt[], x86_pd[], x86_pt0[];

struct x86_cpu {
    bool nx;          /* EFER.NXE is on: PTE bit 63 means no-execute */
    bool page1gb;     /* 1 GiB pages in the PDPT */
    bool hypervisor;  /* CPUID.1:ECX.hypervisor */
    char vendor[13];  /* "GenuineIntel", "AuthenticAMD", ... */
};
extern struct x86_cpu x86_cpu;

/* Consoles: COM1 when a 16550 answers, the 0xe9 port when QEMU's
 * debugcon answers or Xen runs us. */
void x86_consoles_init(const struct pvh_hypervisor *hv);
bool x86_uart_init(void);
bool x86_debugcon_present(void);
void x86_debugcon_register(void);
void x86_debugcon_unregister(void);
void x86_idt_init(void);
void x86_cpu_probe(void);
void x86_hypervisor_probe(struct pvh_hypervisor *hv);

/* How the C code reads physical memory: the identity map. */
extern const struct pvh_phys x86_phys;
/* Take down what x86_phys mapped above 4 GiB for the loader's data. */
void x86_phys_release(void);

int x86_paging_finish(struct pvh_boot_store *st, struct pvh_error *err);
/* Is [pa, pa + len) mapped (identity) right now? */
bool x86_paging_mapped(uint64_t pa, uint64_t len);

void x86_power_init(const struct pvh_boot *boot);

/* Xen (arch/x86/hypercall.c, arch/x86/xen.c). */
extern uint8_t x86_hypercall_page[];
int x86_xen_hypercall_init(struct pvh_hypervisor *hv, bool use_page, struct pvh_error *err);
int x86_xen_memory_map(struct pvh_boot_store *st, struct pvh_error *err);
int x86_xen_setup(struct pvh_boot_store *st, struct pvh_error *err);
void x86_xen_open_pv_console(void);
void x86_xen_shutdown(unsigned reason);

#endif
