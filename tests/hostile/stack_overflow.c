/*
 * stack-overflow.elf: a unikernel that recurses until its stack runs
 * into the guard page below it. pvhboot must report the fault (a double
 * fault, handled on its own stack, with cr2 in the guard page) instead
 * of the machine resetting. It prints where the stack is first, for the
 * test to check cr2 against.
 */
#include <stdint.h>

#include <pvhboot/pvhboot.h>

extern char x86_stack_guard[], x86_stack_top[];

/* Deeper than any stack: the recursion ends only in the guard page. */
static volatile unsigned depth_limit = ~0u;

/* Each call keeps a page-sized frame alive, so every level touches a
 * new page of stack; the volatile buffer cannot be optimised away. */
__attribute__((noinline)) static unsigned dive(unsigned depth)
{
    volatile uint8_t frame[4096];

    if (depth == depth_limit)
        return 0;
    frame[0] = (uint8_t)depth;
    frame[sizeof(frame) - 1] = (uint8_t)depth;
    return dive(depth + 1) + frame[0] + frame[sizeof(frame) - 1];
}

void pvh_main(const struct pvh_boot *boot)
{
    (void)boot;
    pvh_info("stack guard 0x%llx top 0x%llx", (unsigned long long)(uintptr_t)x86_stack_guard,
             (unsigned long long)(uintptr_t)x86_stack_top);
    pvh_info("stack overflow: recursing %u", dive(0));
}
