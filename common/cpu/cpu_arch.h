/*
 * What common/cpu/cpu_start.c asks of each architecture to run the other CPUs.
 * Only programs that call the CPU API link any of it: the firmware,
 * which leaves every CPU as the loader left it, links none.
 */
#ifndef PVH_COMMON_CPU_ARCH_H
#define PVH_COMMON_CPU_ARCH_H

#include <stdint.h>

#include <pvhboot/boot.h>
#include <pvhboot/cpu.h>

#include "common/output/error.h"

/* Each secondary CPU's stack block: an unmapped guard page, then the
 * stack. Block i belongs to CPU i; block 0 (the boot CPU has its own
 * stack) is unused. The architecture's page tables leave each guard
 * unmapped (they find the array through a weak reference). */
#define PVH_CPU_GUARD_SIZE 0x1000u
#define PVH_CPU_BLOCK_SIZE (PVH_CPU_GUARD_SIZE + PVH_CPU_STACK_SIZE)
extern uint8_t pvh_cpu_stacks[PVH_CPUS_MAX][PVH_CPU_BLOCK_SIZE];

/* In a loop that polls memory another CPU writes: let that CPU (or its
 * hyperthread sibling) run. */
static inline void pvh_cpu_relax(void)
{
#if defined(__x86_64__)
    __asm__ volatile("pause" ::: "memory");
#elif defined(__aarch64__)
    __asm__ volatile("yield" ::: "memory");
#else
    __asm__ volatile("" ::: "memory");
#endif
}

/* us microseconds in ticks of the counter (pvh_clock_ticks()), for
 * waits with a bound (common/cpu/cpu_start.c). Where the architecture does
 * not know the counter's rate, a rate above any part's is assumed
 * (common/cpu/counter_rate.h): the wait is longer, never shorter than
 * meant. */
uint64_t pvh_cpu_counter_ticks(uint64_t us);

/* The boot description the CPU list comes from (set by pvh_boot_finish). */
extern const struct pvh_boot *pvh_boot_current;

/*
 * Start CPU cpu, described by desc, so that it runs
 * pvh_cpu_secondary_main(cpu) on the stack ending at stack_top, with
 * the architecture's exception handling and pvh_arch_cpu_area()
 * returning area. Returns 0 once the platform took the request (the CPU
 * may still fail to arrive: common code waits for it), or an error. Sets
 * *how to the way it tried (pvh_cpu_start_method()).
 */
int pvh_arch_cpu_boot(unsigned cpu, const struct pvh_cpu *desc, uintptr_t stack_top,
                      struct pvh_cpu_area *area, const char **how, struct pvh_error *err);

/* Wait, halted rather than spinning, until *word == want. Must not miss
 * a pvh_arch_cpu_wake() that comes between the check and the halt. */
void pvh_arch_cpu_wait(volatile int *word, int want);

/* Wake CPU cpu out of pvh_arch_cpu_wait(). */
void pvh_arch_cpu_wake(unsigned cpu, const struct pvh_cpu *desc);

/* The calling CPU's per-CPU area (the boot CPU's is set at entry). */
struct pvh_cpu_area *pvh_arch_cpu_area(void);

/* pvh_cpu_hwid(): the calling CPU's ID, read from the hardware. */
uint64_t pvh_arch_cpu_hwid(void);

/* Ticks per second of pvh_timestamp() (common/boot/timing.h); 0 if unknown. */
uint64_t pvh_arch_counter_hz(void);

/* The secondary CPU's C entry, called by the architecture's start code. */
__attribute__((noreturn)) void pvh_cpu_secondary_main(unsigned cpu);

#endif
