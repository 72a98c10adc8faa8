/*
 * The counter rate a bounded wait is computed with (common/cpu/cpu_start.c,
 * arch/x86/smp.c's delays, arch/x86/lapic.c's send timeout).
 */
#ifndef PVH_COMMON_CPU_COUNTER_RATE_H
#define PVH_COMMON_CPU_COUNTER_RATE_H

#include <stdint.h>

/* Faster than any counter pvh_timestamp() reads where its rate is not
 * stated: x86's TSC runs at the part's nominal rate (Intel) or its P0
 * rate (AMD), which stay below 5 GHz on parts made so far. */
#define PVH_COUNTER_HZ_BOUND 6000000000ull

/* known_hz (pvh_arch_counter_hz()) where the architecture knows it,
 * else PVH_COUNTER_HZ_BOUND: a wait computed with it is never shorter
 * than meant, only longer where the counter is slower. */
static inline uint64_t pvh_counter_wait_hz(uint64_t known_hz)
{
    return known_hz ? known_hz : PVH_COUNTER_HZ_BOUND;
}

#endif
