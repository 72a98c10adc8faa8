/*
 * The arm64 entry: a Linux arm64 Image header, then the way from
 * whatever state the loader left to C with a stack.
 *
 * Ways in (all follow the Linux arm64 boot protocol):
 *  - QEMU's -kernel on bare virt: EL1, or EL2 with virtualization=on;
 *  - Xen, the image as dom0 or as a dom0less domU: EL1;
 *  - a firmware or bootloader on hardware: EL2 or EL1.
 * What the protocol promises at entry:
 *  - x0 = physical address of the device tree, x1 = x2 = x3 = 0;
 *  - MMU off, data cache off (the image cleaned to the point of
 *    coherency), interrupts masked;
 *  - the image at a 2 MiB-aligned base + text_offset (0 here), and
 *    image_size bytes from there free for it (bss and stacks).
 * Nothing else is known: not where the image is (the loaders place it
 * differently), nor any memory but the image's own. So the code is
 * position-independent (adrp/add) and adds where it runs to the absolute
 * addresses in it before C runs; no stack exists until the image's own is
 * set up.
 *
 * Entered at EL2, EL2 is set up for EL1 below it (el2.c: nothing the
 * CPU has is trapped), its vectors become the stub of vectors.S (the way
 * back to EL2 for a kernel's hand-off), and the rest runs at EL1.
 *
 * What C (arm64_start) is given: EL1 with SP_EL0 as its stack (SP_EL1 is
 * the exception stack, so a stack overflow is still reported), the
 * vectors installed, relocations applied, the early map on (mmu.c: the
 * image, the device tree as Device memory) with the caches, .bss zeroed,
 * and the counter's value at the entry.
 */
#include "arch/arm64/asm.h"

    .section .text.head, "ax"
    .globl _head
_head:
    /* --- the Image header: 64 bytes the loader reads ----------------- */
    b primary_entry                      /* code0: the entry is the image's first byte */
    .long 0                              /* code1 */
    .quad 0                              /* text_offset: the image starts at the 2 MiB base */
    .quad __image_size                   /* image_size: file, .bss, tables and stacks */
    .quad IMAGE_FLAGS                    /* little-endian, 4 KiB pages, anywhere in RAM */
    .quad 0, 0, 0                        /* reserved */
    .long IMAGE_MAGIC                    /* "ARM\x64" */
    .long 0                              /* reserved (PE header offset: none) */

IMAGE_FLAGS = (IMAGE_FLAG_PAGE_4K << IMAGE_FLAG_PAGE_SHIFT) | IMAGE_FLAG_ANYWHERE

primary_entry:
    isb
    mrs x21, cntvct_el0                  /* x21: when we came in (at EL2, see below) */
    mov x19, x0                          /* the device tree: kept until C */
    mrs x20, CurrentEL
    lsr x20, x20, #CURRENTEL_SHIFT       /* x20: the EL we were entered at */
    cmp x20, #CURRENTEL_EL2
    b.ne 1f
    /* At EL2 the virtual count has whatever offset CNTVOFF_EL2 holds:
     * the physical count is the entry time (el2.c zeroes the offset, so
     * EL1's virtual count goes on from it). */
    mrs x21, cntpct_el0
    /* The loader cleaned the file to the point of coherency, but nothing
     * past it (booting.rst): a dirty line it left there could be written
     * back over what is written below with the MMU off, straight to
     * memory (the early map and the early stack, .mmu_off). So that range
     * is cleaned and invalidated first, before the stack exists (a leaf
     * call: no memory). The main stack is used only once the caches are
     * on, where stale lines are the caches' own business. */
1:  adr_l x0, __mmu_off_start
    adr_l x1, __mmu_off_end
    bl arm64_dcache_clean_inval
    cmp x20, #CURRENTEL_EL2
    b.eq from_el2
    cmp x20, #CURRENTEL_EL1
    b.eq arm64_boot_el1
    b park                               /* EL3 or EL0: not a state the protocol allows */

    /* --- EL2 with no hypervisor above: set it up, keep a stub, go to EL1.
     * pvhboot runs at EL1 whichever way it came in (vectors.S says why);
     * arm64_el2_setup (el2.c) leaves nothing trapped that the CPU has,
     * and is C that touches no global, so it runs before relocation on
     * the early stack (SP_EL2 here; EL1 sets up its own below). */
from_el2:
    adr_l x2, arm64_early_stack_top
    mov sp, x2
    el2_to_el1 arm64_boot_el1

    /* --- EL1, relocation, the early map, the MMU and caches on, C: in
     * the vector table's unused bytes (vectors.S: arm64_boot_el1). */

park:
    msr daifset, #0xf
7:  wfi
    b 7b

    .ltorg

/* The end of the relocation list, after the one tools/x86-relocs.py wrote
 * (the linker script puts it there): all a static PIE's list has. */
    .section .pvhboot_relocs_end, "aw", @progbits
    .byte 0
