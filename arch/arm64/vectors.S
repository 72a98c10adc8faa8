/*
 * EL1 exception vectors. pvhboot runs with interrupts masked and
 * expects no exception at all, so every vector does the same: save the
 * registers in a frame on SP_EL1 (the exception stack, apart from the
 * main stack on SP_EL0, so an overflow of the main stack is reported
 * too) and call arm64_exception(vector, frame), which reports and stops.
 */
#include "arch/arm64/arm64.h"

/* Frame offsets: struct arm64_frame in arch/arm64/arch.h. */
#define FRAME_X30    240
#define FRAME_SP_EL0 248
#define FRAME_ELR    256
#define FRAME_SPSR   264
#define FRAME_ESR    272
#define FRAME_FAR    280

.macro vector_start index
    .balign 0x80
    sub sp, sp, #EXCEPTION_FRAME_SIZE
    stp x0, x1, [sp, #0]
    mov x0, #\index
.endm
.macro vector index
    vector_start \index
    b exception_common
.endm

    .section .text.vectors, "ax"
    .balign 0x800                        /* VBAR_EL1 needs 2 KiB alignment */
    .globl arm64_vectors
arm64_vectors:
    vector 0   /* current EL, SP_EL0: synchronous (the usual case: C runs on SP_EL0) */
    vector 1   /* current EL, SP_EL0: IRQ */
    vector 2   /* current EL, SP_EL0: FIQ */
    vector 3   /* current EL, SP_EL0: SError */
    vector 4   /* current EL, SP_EL1: synchronous (a fault while handling one) */
    vector 5   /* current EL, SP_EL1: IRQ */
    vector 6   /* current EL, SP_EL1: FIQ */
    vector 7   /* current EL, SP_EL1: SError */
    vector 8   /* lower EL, AArch64 (never: nothing runs below us) */
    vector 9
    vector 10
    vector 11
    vector 12  /* lower EL, AArch32 */
    vector 13
    vector 14
    /* The last vector runs on into the common code, which fits in the
     * rest of its slot: the table ends 2 KiB after it begins, so the
     * linker script can put the EL2 table (2 KiB aligned too) right
     * behind it with no padding. */
    vector_start 15

exception_common:
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x19, [sp, #144]
    stp x20, x21, [sp, #160]
    stp x22, x23, [sp, #176]
    stp x24, x25, [sp, #192]
    stp x26, x27, [sp, #208]
    stp x28, x29, [sp, #224]
    str x30, [sp, #FRAME_X30]
    mrs x1, sp_el0
    str x1, [sp, #FRAME_SP_EL0]
    mrs x1, elr_el1
    str x1, [sp, #FRAME_ELR]
    mrs x1, spsr_el1
    str x1, [sp, #FRAME_SPSR]
    mrs x1, esr_el1
    str x1, [sp, #FRAME_ESR]
    mrs x1, far_el1
    str x1, [sp, #FRAME_FAR]
    mov x1, sp
    bl arm64_exception                   /* reports and stops: does not return */
1:  wfi
    b 1b
    /* Exactly 2 KiB: an error if the code above outgrew the last slot. */
    .org arm64_vectors + 0x800
