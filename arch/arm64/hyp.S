/*
 * The EL2 stub: the only code pvhboot keeps at EL2 when it was entered
 * there. pvhboot itself runs at EL1 below it (see head.S for why), so
 * that the same code serves every way in; EL2 is only the door back.
 *
 * Why a stub rather than staying at EL2: entered at EL1 (Xen, or a
 * CPU without EL2) pvhboot must run at EL1 anyway, and staying at EL2
 * would need a second MMU and vector set-up in EL2's registers (VHE,
 * which would hide most of that, is missing from ARMv8.0 CPUs such as
 * the Cortex-A57). Linux wants to be entered at EL2 when the CPU was
 * (booting.rst: every CPU enters the kernel at the same EL, and PSCI
 * starts the secondaries at EL2), so the hand-off returns here.
 *
 * What reaches EL2 from below (HCR_EL2 routes no interrupt here):
 *  - "hvc #HVC_IMM_HANDOFF" with x1 = entry, x2 = device tree: EL1 has
 *    turned its MMU and data cache off and cleaned what the kernel
 *    reads; the kernel is entered at EL2 with x0 = tree, x1-x3 = 0;
 *  - any other HVC: answered with SMCCC's NOT_SUPPORTED (-1) in x0;
 *  - any other synchronous exception (a trap pvhboot did not expect):
 *    handed to EL1's own vectors as if it had been taken there, so the
 *    EL1 handler reports it (ESR, ELR, FAR as EL2 saw them).
 * This code uses no stack and no memory: x0 is kept in TPIDR_EL2.
 * HCR_EL2.E2H is 1 where the CPU cannot clear it (el2.c): then EL1's
 * registers are reached by their *_EL12 encodings.
 */
#include "arch/arm64/arm64.h"

/* VBAR_ELx offsets of the vector groups. */
#define VECTOR_CURRENT_SPX 0x200
#define VECTOR_LOWER_A64   0x400

/* EL1 sees the exception in its own registers (named by the arguments:
 * their *_EL1 or, with HCR_EL2.E2H = 1, their *_EL12 encodings)... */
.macro reflect esr, far, elr, spsr, vbar
    mrs x0, esr_el2
    msr \esr, x0
    mrs x0, far_el2
    msr \far, x0
    mrs x0, elr_el2
    msr \elr, x0
    mrs x0, spsr_el2
    msr \spsr, x0
    /* ...and enters the vector it would have been taken to: from EL1
     * on SP_EL0 (+0), from EL1 on SP_EL1 (+0x200), from EL0 (+0x400). */
    tbz x0, #SPSR_EL_SHIFT, 2f           /* bit 2 of the mode: EL1 (set) or EL0 */
    tbz x0, #0, 1f                       /* SPSR_SP_ELX */
    mrs x0, \vbar
    add x0, x0, #VECTOR_CURRENT_SPX
    b 3f
1:  mrs x0, \vbar
    b 3f
2:  mrs x0, \vbar
    add x0, x0, #VECTOR_LOWER_A64
3:  msr elr_el2, x0
    mov x0, #(SPSR_MODE_EL1H | SPSR_DAIF)
    msr spsr_el2, x0
    mrs x0, tpidr_el2
    eret
.endm

/* Vector slot n (0x80 bytes each) starts here: .org refuses to go back,
 * so code that outgrew the slot before fails to assemble. */
.macro slot n
    .org arm64_hyp_vectors + \n * 0x80
.endm

/*
 * Of the sixteen slots only one does work (a lower EL's synchronous
 * exception); the others park the CPU. The stub's code lies in the
 * slots' unused bytes, and what follows the last slot's branch is the
 * rest of the image's code: the table costs 0x784 bytes, not 0x800
 * and its code after it.
 */
    .section .text.hyp, "ax"
    .balign 0x800                        /* VBAR_EL2 needs 2 KiB alignment */
    .globl arm64_hyp_vectors
arm64_hyp_vectors:
    /* Slots 0-7, taken at EL2: the stub never faults. */
    slot 0
hyp_park:
    wfi
    b hyp_park

    slot 1
    b hyp_park
hyp_handoff:
    /* The exception masked D, A, I and F; EL2's MMU was never on. */
    ic iallu
    dsb nsh
    isb
    mov x16, x1
    mov x0, x2
    mov x1, xzr
    mov x2, xzr
    mov x3, xzr
    br x16

    slot 2
    b hyp_park
hyp_reflect:
    /* Where E2H is stuck at 1 (el2.c), "esr_el1" and the rest would name
     * EL2's own registers: the trap would re-enter this vector for ever. */
    mrs x0, hcr_el2
    tbnz x0, #HCR_EL2_E2H_SHIFT, hyp_reflect_el12
    reflect esr_el1, far_el1, elr_el1, spsr_el1, vbar_el1

    slot 3
    b hyp_park
hyp_reflect_el12:
    reflect ESR_EL12, FAR_EL12, ELR_EL12, SPSR_EL12, VBAR_EL12

    .irp n, 4, 5, 6, 7
    slot \n
    b hyp_park
    .endr

    slot 8                               /* lower EL, AArch64, synchronous */
    msr tpidr_el2, x0
    mrs x0, esr_el2
    ubfx x0, x0, #ESR_EC_SHIFT, #6
    cmp x0, #ESR_EC_HVC64
    b.ne hyp_reflect
    mrs x0, esr_el2
    and x0, x0, #ESR_HVC_IMM_MASK
    cmp x0, #HVC_IMM_HANDOFF
    b.eq hyp_handoff
    mov x0, #-1                          /* SMCCC NOT_SUPPORTED; ELR_EL2 is past the hvc */
    eret

    /* Lower EL IRQ/FIQ/SError (routed to EL1), AArch32: parked. */
    .irp n, 9, 10, 11, 12, 13, 14, 15
    slot \n
    b hyp_park
    .endr
