/*
 * A secondary CPU's way in: PSCI CPU_ON (smp.c) starts it here.
 *
 * What PSCI promises at entry (DEN 0022, CPU_ON):
 *  - x0 = the context id smp.c passed: the CPU's number;
 *  - the exception level the boot CPU was entered at: EL2 under QEMU
 *    with virtualization=on (PSCI starts CPUs at the highest EL below
 *    the firmware), EL1 under plain QEMU virt and under Xen;
 *  - MMU and caches off, interrupts masked, every other register
 *    UNKNOWN: no stack, no vectors, nothing of the boot CPU's set-up.
 *
 * It takes the boot CPU's path (head.S): at EL2 the same set-up
 * (arm64_el2_setup) and stub, then EL1. At EL1 its exception stack,
 * the vectors, its stack, its per-CPU area in TPIDR_EL1, and the MMU
 * with the boot CPU's tables, then C: pvh_cpu_secondary_main(cpu).
 *
 * Until its MMU is on, this CPU's data accesses bypass the caches, so
 * it reads only its start parameters (arm64_secondary_params[cpu],
 * which smp.c cleaned to the point of coherency) and writes only its
 * own stack (EL2's C set-up): smp.c cleaned and invalidated it before
 * the start (no dirty line to be written back over those writes), and
 * arm64_mmu_enable invalidates it again before the caches are on (no
 * stale line a speculative read may have brought in since). The image was relocated by the boot CPU long ago:
 * addresses are taken PC-relative, and literals are constants.
 */
#include "arch/arm64/asm.h"

    .section .text.secondary, "ax"
    .globl arm64_secondary_entry
arm64_secondary_entry:
    mov x19, x0                          /* the CPU's number: kept until C */
    cmp x19, #SECONDARY_CPUS_MAX
    b.hs park                            /* not a context id smp.c gives */
    adr_l x20, arm64_secondary_params
    add x20, x20, x19, lsl #SECONDARY_PARAMS_SHIFT /* x20: this CPU's parameters */
    mrs x21, CurrentEL
    lsr x21, x21, #CURRENTEL_SHIFT
    cmp x21, #CURRENTEL_EL2
    b.eq from_el2
    cmp x21, #CURRENTEL_EL1
    b.eq arm64_secondary_el1
    b park

    /* --- EL2: as the boot CPU (head.S), on this CPU's own stack --------- */
from_el2:
    ldr x2, [x20, #SECONDARY_STACK_TOP]
    mov sp, x2
    el2_to_el1 arm64_secondary_el1

    /* --- EL1 -------------------------------------------------------------- */
    /* --- EL1: in the vector table's unused bytes (vectors.S:
     * arm64_secondary_el1), x19 the CPU's number, x20 its parameters. */

park:
    msr daifset, #0xf
1:  wfi
    b 1b

    .ltorg
