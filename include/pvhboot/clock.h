/*
 * The CPU's free-running counter, for measuring: the TSC on x86, the
 * virtual counter (CNTVCT_EL0) on arm64. Its rate is the platform's;
 * pvh_clock_unit() names it so a reader knows what the ticks are.
 */
#ifndef PVHBOOT_CLOCK_H
#define PVHBOOT_CLOCK_H

#include <stdint.h>

static inline uint64_t pvh_clock_ticks(void)
{
#if defined(__x86_64__)
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
#elif defined(__aarch64__)
    uint64_t v;

    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
#else
    return 0;
#endif
}

/* "tsc" or "cntvct". */
static inline const char *pvh_clock_unit(void)
{
#if defined(__aarch64__)
    return "cntvct";
#else
    return "tsc";
#endif
}

#endif
