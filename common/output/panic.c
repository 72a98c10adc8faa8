/* Fatal errors: one line saying what was wrong, then a failure stop. */
#include <pvhboot/power.h>

#include <stdbool.h>
#include <stdint.h>

#include "common/boot/arch_hooks.h"

/* Weak: a program that never starts another CPU (the firmware) links
 * none of the CPU code, and has the boot CPU alone. */
extern uint64_t pvh_arch_cpu_hwid(void) __attribute__((weak));

/* How long a CPU that panics while another CPU's report is going out
 * waits for that CPU to stop the machine before stopping it itself. */
#define OTHER_PANIC_SPINS 100000000u

/* The hardware ID + 1 of the CPU whose panic is being reported; 0: none. */
static uint64_t panicking;

void pvh_panic(const char *fmt, ...)
{
    uint64_t me = (pvh_arch_cpu_hwid ? pvh_arch_cpu_hwid() : 0) + 1, owner = 0;
    va_list ap;

    if (!__atomic_compare_exchange_n(&panicking, &owner, me, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        /* A panic while panicking (say, a console that faults): just
         * stop. Another CPU's report: let it finish its line first; the
         * first report is the one that says what went wrong. */
        if (owner != me)
            for (unsigned i = 0; i < OTHER_PANIC_SPINS; i++)
                __asm__ volatile("" ::: "memory");
        pvh_arch_stop_failure();
    }
    va_start(ap, fmt);
    pvh_vinfo("error: ", fmt, ap);
    va_end(ap);
    pvh_arch_stop_failure();
}
