/*
 * The exception vectors, one table for EL1 and EL2 (VBAR_EL1 and, when
 * pvhboot was entered at EL2, VBAR_EL2 both point here): 16 slots of
 * 0x80 bytes, 2 KiB aligned. Each slot starts by asking which EL took
 * it, x0 kept in TPIDRRO_EL0 meanwhile (a register both ELs reach that
 * pvhboot has no other use for):
 *
 * At EL1 pvhboot runs with interrupts masked and expects no exception
 * at all, so every slot does the same: save the registers in a frame on
 * SP_EL1 (the exception stack, apart from the main stack on SP_EL0, so
 * an overflow of the main stack is reported too) and call
 * arm64_exception(slot, frame), which reports and stops.
 *
 * At EL2 it is the EL2 stub: the only code pvhboot keeps at EL2 when it
 * was entered there. pvhboot itself runs at EL1 below it (see head.S
 * for why), so that the same code serves every way in; EL2 is only the
 * door back.
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
 * Everything else taken at EL2 parks the CPU: an exception at EL2
 * itself (the stub never faults) and a lower EL's IRQ, FIQ or SError.
 * The stub uses no stack and no memory. HCR_EL2.E2H is 1 where the CPU
 * cannot clear it (el2.c): then EL1's registers are reached by their
 * *_EL12 encodings.
 *
 * The code of both, the cache maintenance and MMU switches that C
 * cannot do itself, and the boot's own assembly after EL2 (head.S's and
 * secondary.S's way from EL1 to C, the relocation, smp.c's defaults
 * for programs that start no CPU) lie in the slots' unused bytes, each
 * piece in one slot and going on in another with a branch (each slot
 * placed with .org, which refuses to go back, so code that outgrew its
 * slot fails to assemble): the table is exactly 2 KiB, and the linker
 * script puts the rest of the image's code right behind it.
 */
#include "arch/arm64/asm.h"

/* Frame offsets: struct arm64_frame in arch/arm64/arch.h. */
#define FRAME_X1     8
#define FRAME_SP_EL0 248
#define FRAME_SPSR   264
#define FRAME_FAR    280

/* VBAR_ELx offsets of the vector groups. */
#define VECTOR_CURRENT_SPX 0x200
#define VECTOR_LOWER_A64   0x400

/* CurrentEL's bit that is set at EL2 (EL1: 0b01 in bits 3:2). */
#define CURRENTEL_EL2_BIT (CURRENTEL_SHIFT + 1)

/*
 * Slot n (0x80 bytes each) starts here: .org refuses to go back, so code
 * that outgrew the slot before fails to assemble. At EL1 the slot goes
 * to the report with x0 = n; at EL2 to el2, with x0 still in
 * TPIDRRO_EL0.
 */
.macro slot n, el2
    .org arm64_vectors + \n * 0x80
    msr tpidrro_el0, x0
    mrs x0, CurrentEL
    tbnz x0, #CURRENTEL_EL2_BIT, \el2
    mov x0, #\n
    b el1_exception
.endm

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
    mrs x0, tpidrro_el0
    eret
.endm

/* x\line = the smallest data cache line in bytes (CTR_EL0.DminLine). */
.macro dcache_line line, tmp
    mrs \tmp, ctr_el0
    ubfx \tmp, \tmp, #CTR_DMINLINE_SHIFT, #4
    mov \line, #4                        /* DminLine counts 4-byte words */
    lsl \line, \line, \tmp
.endm

/* Apply "dc \op" to every line of [\start, \end); clobbers \start, \line, \tmp. */
.macro dcache_range op, start, end, line, tmp
    dcache_line \line, \tmp
    sub \tmp, \line, #1
    bic \start, \start, \tmp
    cmp \start, \end
    b.hs 8f
9:  dc \op, \start
    add \start, \start, \line
    cmp \start, \end
    b.lo 9b
8:  dsb sy
.endm

    .section .text.vectors, "ax"
    .balign 0x800                        /* VBAR_ELx needs 2 KiB alignment */
    .globl arm64_vectors
arm64_vectors:
    /* Slots 0-3: current EL on SP_EL0 (at EL1 the usual case: C runs on
     * SP_EL0); sync, IRQ, FIQ, SError. */
    slot 0, hyp_park
hyp_park:
    wfi
    b hyp_park
    /* EL1: x0 = the slot, the old x0 in TPIDRRO_EL0, SP = SP_EL1. */
el1_exception:
    sub sp, sp, #EXCEPTION_FRAME_SIZE
    stp x1, x2, [sp, #FRAME_X1]
    mrs x1, tpidrro_el0
    str x1, [sp]
    stp x3, x4, [sp, #FRAME_X1 + 16]
    stp x5, x6, [sp, #FRAME_X1 + 32]
    stp x7, x8, [sp, #FRAME_X1 + 48]
    stp x9, x10, [sp, #FRAME_X1 + 64]
    stp x11, x12, [sp, #FRAME_X1 + 80]
    stp x13, x14, [sp, #FRAME_X1 + 96]
    stp x15, x16, [sp, #FRAME_X1 + 112]
    stp x17, x18, [sp, #FRAME_X1 + 128]
    stp x19, x20, [sp, #FRAME_X1 + 144]
    stp x21, x22, [sp, #FRAME_X1 + 160]
    stp x23, x24, [sp, #FRAME_X1 + 176]
    stp x25, x26, [sp, #FRAME_X1 + 192]
    stp x27, x28, [sp, #FRAME_X1 + 208]
    stp x29, x30, [sp, #FRAME_X1 + 224]
    b el1_exception_2

    slot 1, hyp_park
el1_exception_2:
    mrs x1, sp_el0
    mrs x2, elr_el1
    stp x1, x2, [sp, #FRAME_SP_EL0]
    mrs x1, spsr_el1
    mrs x2, esr_el1
    stp x1, x2, [sp, #FRAME_SPSR]
    mrs x1, far_el1
    str x1, [sp, #FRAME_FAR]
    mov x1, sp
    bl arm64_exception                   /* reports and stops: does not return */
    b hyp_park
/*
 * head.S goes on here at EL1, whichever way it came in: the exception
 * stack on SP_EL1, the vectors, then the early stack (the main stack
 * once the caches are on) on SP_EL0.
 */
    .globl arm64_boot_el1
arm64_boot_el1:
    adr_l x3, arm64_exception_stack_top
    adr_l x4, arm64_early_stack_top
    el1_enter x3, x4
    b boot_el1_2

    slot 2, hyp_park
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
boot_el1_2:
    /* The relocations (slots 12-14), linked at 0 and running at
     * __image_start: their writes bypass the caches, and arm64_mmu_early
     * (mmu.c, C on the early stack with the MMU off) cleans the range
     * they fell in, [x6, x7], out of them as it builds the early map;
     * then the MMU and caches on: from here on every write goes through
     * the caches; then C (slot 11). */
    bl arm64_relocate
    mov x0, x19
    mov x1, x6
    add x2, x7, #8                       /* [x1, x2): the words relocated (x1 > x2: none) */
    bl arm64_mmu_early                   /* x0: TTBR0 (0: none), x1: TCR */
    cbz x0, hyp_park
    ldr x2, =MAIR_VALUE
    mov x3, xzr                          /* nothing more to invalidate */
    mov x4, xzr
    bl arm64_mmu_enable
    b arm64_enter_c
    .ltorg

    slot 3, hyp_park
hyp_reflect:
    /* Where E2H is stuck at 1 (el2.c), "esr_el1" and the rest would name
     * EL2's own registers: the trap would re-enter this vector for ever. */
    mrs x0, hcr_el2
    tbnz x0, #HCR_EL2_E2H_SHIFT, hyp_reflect_el12
    reflect esr_el1, far_el1, elr_el1, spsr_el1, vbar_el1

    /* Slots 4-7: current EL on SP_ELx (at EL1 a fault while handling one). */
    slot 4, hyp_park
hyp_reflect_el12:
    reflect ESR_EL12, FAR_EL12, ELR_EL12, SPSR_EL12, VBAR_EL12

    /* The cache maintenance and MMU switches C cannot do itself (C's
     * view of them: arch.h), in the unused bytes from here on. */
    slot 5, hyp_park
secondary_el1_3:
    ldr x2, [x20, #SECONDARY_AREA]
    msr tpidr_el1, x2
    ldr x0, [x20, #SECONDARY_TTBR0]
    ldr x1, [x20, #SECONDARY_TCR]
    ldr x2, [x20, #SECONDARY_MAIR]
    ldr x3, [x20, #SECONDARY_INVAL_START]
    ldr x4, [x20, #SECONDARY_INVAL_END]
    bl arm64_mmu_enable
    mov x0, x19
    .weak pvh_cpu_secondary_main
    bl pvh_cpu_secondary_main            /* does not return */
    b hyp_park
/* void arm64_dcache_clean(uint64_t start, uint64_t end): to the point of coherency */
    .globl arm64_dcache_clean
arm64_dcache_clean:
    dcache_range cvac, x0, x1, x2, x3
    ret

    slot 6, hyp_park
secondary_el1_2:
    el1_enter x3, x4
    b secondary_el1_3
/* void arm64_dcache_clean_inval(uint64_t start, uint64_t end) */
    .globl arm64_dcache_clean_inval
arm64_dcache_clean_inval:
    dcache_range civac, x0, x1, x2, x3
    ret

    slot 7, hyp_park
/*
 * void arm64_mmu_enable(uint64_t ttbr0, uint64_t tcr, uint64_t mair,
 *                       uint64_t inval_start, uint64_t inval_end)
 * Everything in [inval_start, inval_end) (a secondary CPU's stack, which
 * its EL2 set-up wrote; empty for the boot CPU, whose early map cleaned
 * what it wrote itself) was written with the MMU off, straight to
 * memory; lines the caches may still hold from before would hide it
 * once the caches are on, so they are invalidated first. Called with the
 * MMU off.
 */
    .globl arm64_mmu_enable
arm64_mmu_enable:
    dsb sy
    dcache_range ivac, x3, x4, x5, x6
    msr mair_el1, x2
    msr tcr_el1, x1
    msr ttbr0_el1, x0
    isb
    tlbi vmalle1
    dsb nsh
    isb
    b mmu_enable_2

    /* Slots 8-11: a lower EL in AArch64 (at EL1 never: nothing runs
     * below it). At EL2 a synchronous one is EL1's HVC or a trap. */
    slot 8, hyp_sync
hyp_sync:
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
/*
 * secondary.S goes on here at EL1 (x19: the CPU's number, x20: its
 * arm64_secondary_params): its exception stack, the vectors, its stack,
 * its per-CPU area in TPIDR_EL1, then the MMU with the boot CPU's
 * tables, what EL2 wrote to the stack invalidated (slot 5), and C. Only
 * programs that start CPUs come here: the call is weak.
 */
    .globl arm64_secondary_el1
arm64_secondary_el1:
    ldr x3, [x20, #SECONDARY_EXC_STACK_TOP]
    ldr x4, [x20, #SECONDARY_STACK_TOP]
    b secondary_el1_2

    slot 9, hyp_park
mmu_enable_2:
    mrs x0, sctlr_el1
    ldr x1, =(SCTLR_EL1_M | SCTLR_EL1_C | SCTLR_EL1_I | SCTLR_EL1_SA)
    orr x0, x0, x1
    msr sctlr_el1, x0
    isb
    ret
enter_image_2:
    ic iallu
    tlbi vmalle1
    dsb nsh
    isb
    mov x0, x20
    mov x1, xzr
    mov x2, xzr
    mov x3, xzr
    cbnz x21, 1f
    br x19
1:  mov x1, x19
    mov x2, x20
    hvc #HVC_IMM_HANDOFF
    b .                                  /* the stub does not return */
    .ltorg

    slot 10, hyp_park
/*
 * void arm64_enter_image(uint64_t entry, uint64_t dtb, uint64_t own_start,
 *                        uint64_t own_end, uint64_t at_el2)  -- does not return
 * The Linux arm64 boot protocol's hand-off: MMU and data cache off, no
 * stale instruction cache lines, x0 = device tree, x1-x3 = 0. The
 * caller has cleaned what the kernel reads (its image, the tree) to the
 * point of coherency. Our own memory [own_start, own_end) is cleaned and
 * invalidated here, after the caches are off and without touching the
 * stack, so that no dirty line of ours is ever written back over the
 * kernel's data later. With at_el2 non-zero the kernel is entered at
 * EL2 through the stub (hyp_handoff above), which takes x1 = entry,
 * x2 = tree.
 */
    .globl arm64_enter_image
arm64_enter_image:
    mov x19, x0
    mov x20, x1
    mov x21, x4
    mrs x4, sctlr_el1
    mov x5, #(SCTLR_EL1_M | SCTLR_EL1_C)
    bic x4, x4, x5
    msr sctlr_el1, x4
    isb
    dcache_range civac, x2, x3, x5, x6
    b enter_image_2

    slot 11, hyp_park
/*
 * What a program that starts no CPU (the firmware) has of smp.c, which
 * start.c and exception.c call through weak references: the boot CPU's
 * set-up does nothing, and the CPU number is 0. Weak, so that smp.c's
 * own replace them where it is linked; hidden, so that the image does
 * not name them among its global symbols (the firmware must name none
 * of smp.o's: tests/boot/test_arm64_linux.py).
 */
    .weak arm64_smp_boot_cpu_init, arm64_smp_cpu_number
    .hidden arm64_smp_boot_cpu_init, arm64_smp_cpu_number
    .type arm64_smp_boot_cpu_init, %function
    .type arm64_smp_cpu_number, %function
arm64_smp_boot_cpu_init:
arm64_smp_cpu_number:
    mov w0, #0
    ret

/* head.S's last steps, once the MMU and caches are on: the main stack
 * (SP_EL0, SPSel 0), .bss zeroed (16-byte aligned and sized: the linker
 * script asserts it), then arm64_start(tree, entry EL, entry count) from
 * x19-x21; it does not return, and if it did the CPU would stop here. */
    .globl arm64_enter_c
arm64_enter_c:
    adr_l x0, arm64_stack_top
    mov sp, x0
    adr_l x0, __bss_start
    adr_l x1, __bss_end
5:  cmp x0, x1
    b.hs 6f
    stp xzr, xzr, [x0], #16
    b 5b
6:  mov x0, x19
    mov x1, x20
    mov x2, x21
    bl arm64_start
    b hyp_park

    /* Slots 12-15: a lower EL in AArch32. */
    slot 12, hyp_park
/*
 * head.S's relocation, at EL1 with the MMU off, before any stack: every
 * absolute address in the image gets the load address added. pvhboot's
 * own images list where those lie at arm64_relocs (tools/x86-relocs.py:
 * a byte per step from one to the next, the first from the image's
 * first byte; 0 ends the list); a static PIE (a unikernel linked in one
 * step with the installed flags) has an empty list and its
 * R_AARCH64_RELATIVE relocations in .rela.dyn instead. Returns the
 * lowest field written in x6 (-1: none) and the highest in x7; clobbers
 * x0-x8. A relocation it cannot apply parks the CPU.
 */
    .globl arm64_relocate
arm64_relocate:
    adr_l x0, __image_start
    adr_l x1, arm64_relocs
    mov x3, x0                           /* x3: the last field, the image's first byte first */
    mov x6, #-1
    mov x7, xzr
2:  ldrb w4, [x1], #1
    mov w5, #1                           /* w5 fields, the first w4 bytes on, the rest 8 apart */
    cmp w4, #RELOC_RUN
    b.lo 8f                              /* a step of 1 to 0xdf bytes, or the end */
    sub w5, w4, #RELOC_RUN - 1           /* a run: 1 to 31 fields, each the next word */
    mov w4, #8
    cmp w5, #RELOC_LONG - RELOC_RUN + 1
    b.ne 9f
    mov w5, #1                           /* RELOC_LONG: a step as the next 4 bytes, read */
    ldrb w4, [x1], #1                    /* one by one (the MMU is off: no unaligned */
    ldrb w8, [x1], #1                    /* access) */
    orr w4, w4, w8, lsl #8
    ldrb w8, [x1], #1
    orr w4, w4, w8, lsl #16
    ldrb w8, [x1], #1
    orr w4, w4, w8, lsl #24
8:  cbz w4, 3f                           /* the end */
    b 9f

    slot 13, hyp_park
9:  add x3, x3, x4
    ldr x8, [x3]
    add x8, x8, x0
    str x8, [x3]
    cmp x3, x6
    csel x6, x3, x6, lo
    mov x7, x3                           /* the list goes up */
    mov w4, #8
    subs w5, w5, #1
    b.ne 9b
    b 2b
    /* A static PIE's .rela.dyn (empty in pvhboot's own images). */
3:  adr_l x1, __rela_start
    adr_l x2, __rela_end
    b 10f

    slot 14, hyp_park
10: cmp x1, x2
    b.hs 4f
    ldp x3, x4, [x1]                     /* r_offset, r_info */
    ldr x5, [x1, #16]                    /* r_addend */
    add x1, x1, #RELA_SIZE
    cbz x4, 10b                          /* R_AARCH64_NONE: left by the link, nothing to do */
    cmp x4, #R_AARCH64_RELATIVE          /* type in the low word, no symbol */
    b.ne hyp_park                        /* the link made something we cannot apply */
    add x5, x5, x0
    add x3, x3, x0
    str x5, [x3]
    cmp x3, x6
    csel x6, x3, x6, lo
    cmp x3, x7
    csel x7, x3, x7, hs
    b 10b
4:  ret

    slot 15, hyp_park
    /* The rest of the image's code follows (the linker script). */
