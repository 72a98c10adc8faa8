/*
 * What C cannot do itself: cache maintenance by address, turning the
 * MMU on, and leaving for another kernel with the MMU off.
 */
#include "arch/arm64/arm64.h"

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

    .text
/* void arm64_dcache_clean(uint64_t start, uint64_t end): to the point of coherency */
    .globl arm64_dcache_clean
arm64_dcache_clean:
    dcache_range cvac, x0, x1, x2, x3
    ret

/* void arm64_dcache_clean_inval(uint64_t start, uint64_t end) */
    .globl arm64_dcache_clean_inval
arm64_dcache_clean_inval:
    dcache_range civac, x0, x1, x2, x3
    ret

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
    mrs x0, sctlr_el1
    ldr x1, =(SCTLR_EL1_M | SCTLR_EL1_C | SCTLR_EL1_I | SCTLR_EL1_SA)
    orr x0, x0, x1
    msr sctlr_el1, x0
    isb
    ret

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
 * EL2 through the stub (vectors.S), which takes x1 = entry, x2 = tree.
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
