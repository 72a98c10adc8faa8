/*
 * stack-overflow.elf: a unikernel that recurses until its stack runs
 * into the guard page below it. pvhboot must report the fault (a double
 * fault, handled on its own stack, with cr2 in the guard page) instead
 * of the machine resetting. It prints where the stack is first, for the
 * test to check cr2 against. With "on-cpu-1" on the cmdline the
 * recursion runs on the second CPU instead, into that CPU's own guard
 * page, and the report must name the CPU.
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

static void dive_here(unsigned cpu, void *arg)
{
    volatile uint8_t marker = 0;

    (void)arg;
    pvh_info("stack overflow: cpu %u recursing from 0x%llx", cpu,
             (unsigned long long)(uintptr_t)&marker);
    pvh_info("stack overflow: recursing %u", dive(0) + marker);
}

static int has_word(const char *s, const char *w)
{
    for (const char *p = s; *p;) {
        unsigned n = 0;

        while (w[n] && p[n] == w[n])
            n++;
        if (!w[n] && (p[n] == ' ' || !p[n]))
            return 1;
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    return 0;
}

void pvh_main(const struct pvh_boot *boot)
{
    if (has_word(boot->cmdline, "on-cpu-1")) {
        int rc = pvh_cpu_start(1, dive_here, NULL);

        if (rc)
            pvh_panic("stack overflow: cpu 1 did not take the call (%d)", rc);
        for (;;) /* the fault report stops the machine */
            __asm__ volatile("pause");
    }
    pvh_info("stack guard 0x%llx top 0x%llx", (unsigned long long)(uintptr_t)x86_stack_guard,
             (unsigned long long)(uintptr_t)x86_stack_top);
    dive_here(0, NULL);
}
