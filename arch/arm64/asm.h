/*
 * Assembler macros the two ways in share: the boot CPU's (head.S) and
 * a secondary CPU's (secondary.S). Both run before relocation or with
 * the MMU off, so addresses are taken PC-relative.
 */
#ifndef PVH_ARM64_ASM_H
#define PVH_ARM64_ASM_H

#include "arch/arm64/arm64.h"

/* Load the address of sym, PC-relative: valid wherever we were loaded. */
.macro adr_l reg, sym
    adrp \reg, \sym
    add \reg, \reg, :lo12:\sym
.endm

/*
 * At EL2, on a stack already set: set EL2 up for an EL1 below it
 * (arm64_el2_setup, el2.c), leave the stub (vectors.S: the same table
 * as EL1's) as EL2's vectors, and
 * drop to EL1 at el1_entry with its MMU and caches off and every
 * exception masked. SCTLR_EL1 is set before the eret: EL1's first
 * fetch must not use a loader's leftover MMU or endianness. Where
 * HCR_EL2.E2H is 1 (a CPU without FEAT_E2H0), "sctlr_el1" would name
 * SCTLR_EL2 from here: SCTLR_EL12 is EL1's. Clobbers x0-x18 and x30.
 */
.macro el2_to_el1 el1_entry
    bl arm64_el2_setup
    adr_l x2, arm64_vectors
    msr vbar_el2, x2
    ldr x2, =SCTLR_EL1_RES1
    mrs x3, hcr_el2
    tbnz x3, #HCR_EL2_E2H_SHIFT, .Lsctlr_el12\@
    msr sctlr_el1, x2
    b .Lsctlr_set\@
.Lsctlr_el12\@:
    msr SCTLR_EL12, x2
.Lsctlr_set\@:
    mov x2, #(SPSR_MODE_EL1H | SPSR_DAIF)
    msr spsr_el2, x2
    adr_l x2, \el1_entry
    msr elr_el2, x2
    eret
.endm

/*
 * At EL1, entered from either way in: every exception masked, MMU and
 * caches off, then the exception stack on SP_EL1 (set first, so that a
 * fault from here on has a stack), the vectors, and C's stack on SP_EL0.
 * exc_top and top are registers holding the two stack tops. Clobbers x2.
 */
.macro el1_enter exc_top, top
    msr daifset, #0xf
    ldr x2, =SCTLR_EL1_RES1              /* MMU and caches off, little-endian */
    msr sctlr_el1, x2
    isb
    mov sp, \exc_top
    adr_l x2, arm64_vectors
    msr vbar_el1, x2
    isb
    msr spsel, #0
    mov sp, \top
.endm

#endif
