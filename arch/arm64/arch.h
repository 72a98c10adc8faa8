/* What the arm64 C files share among themselves. */
#ifndef PVH_ARM64_ARCH_H
#define PVH_ARM64_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvhboot/boot.h>

#include "arch/arm64/arm64.h"
#include "common/boot/boot_store.h"
#include "common/output/error.h"
#include "common/fdt/fdt_boot.h"
#include "common/fdt/fdt_cpus.h"

/* Linker-script and assembly symbols: addresses, not objects. */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char arm64_stack_guard[], arm64_stack_top[];

/* The registers vectors.S saves (offsets fixed there). */
struct arm64_frame {
    uint64_t x[31];
    uint64_t sp_el0;
    uint64_t elr;
    uint64_t spsr;
    uint64_t esr;
    uint64_t far;
};
_Static_assert(sizeof(struct arm64_frame) == EXCEPTION_FRAME_SIZE, "frame size");
_Static_assert(__builtin_offsetof(struct arm64_frame, elr) == 256, "frame elr");
_Static_assert(__builtin_offsetof(struct arm64_frame, far) == 280, "frame far");

void arm64_start(uint64_t dtb_pa, uint64_t entry_el, uint64_t entry_ticks);
__attribute__((noreturn)) void arm64_exception(uint64_t vector, const struct arm64_frame *f);

/* The calling CPU's MPIDR affinity fields (Aff3..Aff0): its ID in /cpus. */
static inline uint64_t arm64_mpidr_hwid(void)
{
    uint64_t mpidr;

    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return mpidr & PVH_MPIDR_HWID_MASK;
}

/* vectors.S: cache maintenance and the MMU switches */
void arm64_dcache_clean(uint64_t start, uint64_t end);
void arm64_dcache_clean_inval(uint64_t start, uint64_t end);
void arm64_mmu_enable(uint64_t ttbr0, uint64_t tcr, uint64_t mair, uint64_t inval_start,
                      uint64_t inval_end);
__attribute__((noreturn)) void arm64_enter_image(uint64_t entry, uint64_t dtb, uint64_t own_start,
                                                 uint64_t own_end, uint64_t at_el2);

/* el2.c: EL2 set up for code at EL1 below it (called by head.S). */
void arm64_el2_setup(void);
/* The EL pvhboot was entered at (CURRENTEL_EL1 or CURRENTEL_EL2): at
 * EL2 the EL2 stub (vectors.S) is installed and a kernel is entered at EL2. */
extern unsigned arm64_entry_el;

/* Linux's limit for a device tree; larger is refused, not read. */
#define ARM64_FDT_SIZE_MAX 0x200000u

/* mmu.c: the early map, for head.S with the MMU off (the image, and the
 * device tree's ARM64_FDT_SIZE_MAX bytes as Device): what to load into
 * TTBR0_EL1 and TCR_EL1, returned in x0 and x1 (ttbr0 0: no map).
 * [relocated, relocated_end): what head.S wrote before it (relocations). */
struct arm64_early_map {
    uint64_t ttbr0, tcr;
};
struct arm64_early_map arm64_mmu_early(uint64_t dtb_pa, uint64_t relocated,
                                       uint64_t relocated_end);
/* Also map [base, base + size) as Device where the early map has nothing
 * (the UART), until the final map. */
void arm64_mmu_early_device(uint64_t base, uint64_t size);
/* The final identity map, from the memory nodes and reserved ranges as
 * read (raw); [keep_base, keep_end) stays mapped (the device tree). It
 * replaces the early map. */
int arm64_mmu_init(const struct pvh_region *raw, unsigned n, uint64_t keep_base, uint64_t keep_end,
                   struct pvh_error *err);

/* pl011.c: the PL011 / SBSA UART console. */
void arm64_uart_init(enum pvh_uart_kind kind, uint64_t base);
bool arm64_uart_present(void);

/* psci.c: SMCCC calls on the /psci conduit, PSCI power, Xen detection. */
void arm64_psci_init(enum pvh_psci_conduit conduit);
/* Does /psci say PSCI 0.2 or later (the standard CPU_ON ID)? */
void arm64_psci_set_cpu_on(bool psci_0_2);
bool arm64_xen_smccc_uid(void);
/* PSCI CPU_ON: start the CPU mpidr at the physical address entry, with
 * context in its x0. 0, or an error saying why not. */
int arm64_psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context, struct pvh_error *err);

/* smp.c and secondary.S: the other CPUs (linked only by programs that
 * start them; the always-linked code refers to these weakly). */
struct arm64_secondary_params {
    uint64_t stack_top;           /* SP_EL0: the top of its pvh_cpu_stacks block */
    uint64_t exception_stack_top; /* SP_EL1 */
    uint64_t area;                /* TPIDR_EL1: its struct pvh_cpu_area */
    uint64_t ttbr0, tcr, mair;    /* the boot CPU's translation */
    uint64_t inval_start, inval_end; /* what it wrote with the MMU off: its stack */
};
_Static_assert(sizeof(struct arm64_secondary_params) == SECONDARY_PARAMS_SIZE, "params size");
_Static_assert(1u << SECONDARY_PARAMS_SHIFT == SECONDARY_PARAMS_SIZE, "params shift");
_Static_assert(__builtin_offsetof(struct arm64_secondary_params, area) == SECONDARY_AREA,
               "params area");
_Static_assert(__builtin_offsetof(struct arm64_secondary_params, mair) == SECONDARY_MAIR,
               "params mair");
_Static_assert(__builtin_offsetof(struct arm64_secondary_params, inval_end) ==
               SECONDARY_INVAL_END, "params inval_end");
void arm64_secondary_entry(void);
/* Set the boot CPU's per-CPU area (TPIDR_EL1), once its MPIDR is known. */
void arm64_smp_boot_cpu_init(uint64_t hwid);
/* The calling CPU's number (0: the boot CPU). */
unsigned arm64_smp_cpu_number(void);

/* xen.c / hypercall.c */
void arm64_hypercalls_enable(void);
int arm64_xen_setup(struct pvh_boot_store *st, struct pvh_error *err);
void arm64_xen_shutdown(unsigned reason);

/* start.c: the boot store, for the firmware's hand-off (firmware/arm64/). */
struct pvh_boot_store *arm64_boot_store(void);

#endif
