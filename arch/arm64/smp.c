/*
 * The other CPUs on arm64: the hooks common/cpu/cpu_start.c asks for
 * (common/cpu/cpu_arch.h). A CPU is started with PSCI CPU_ON on the /psci
 * conduit into secondary.S, which needs, before it has a stack or a
 * cache, its start parameters: written here and cleaned to the point
 * of coherency, where its uncached reads find them.
 *
 * Only programs that start CPUs link this file: start.c, mmu.c and
 * exception.c refer to it weakly, so the firmware has none of it.
 *
 * The per-CPU area is in TPIDR_EL1 (pvhboot's C runs at EL1 on every
 * CPU, whichever EL it was entered at); an idle CPU waits in WFE, woken
 * by the SEV that follows a store to its mailbox.
 */
#include "arch/arm64/arch.h"
#include "common/cpu/cpu_arch.h"

_Static_assert(SECONDARY_CPUS_MAX == PVH_CPUS_MAX, "secondary.S bounds the CPU number");

/* Read by secondary.S, one cache-line-aligned slot per CPU. */
struct arm64_secondary_params arm64_secondary_params[PVH_CPUS_MAX]
    __attribute__((aligned(SECONDARY_PARAMS_SIZE)));

/* Each secondary CPU's SP_EL1: exceptions never run on the stack that
 * may have overflowed. Written before read: not zeroed at entry. */
static uint8_t exception_stacks[PVH_CPUS_MAX][SECONDARY_EXCEPTION_STACK_SIZE]
    __attribute__((aligned(16), section(".noinit.arm64_exception_stacks")));

static struct pvh_cpu_area boot_area;

void arm64_smp_boot_cpu_init(uint64_t hwid)
{
    boot_area = (struct pvh_cpu_area){ .cpu = 0, .hwid = hwid };
    __asm__ volatile("msr tpidr_el1, %0" : : "r"(&boot_area) : "memory");
}

struct pvh_cpu_area *pvh_arch_cpu_area(void)
{
    struct pvh_cpu_area *area;

    __asm__ volatile("mrs %0, tpidr_el1" : "=r"(area));
    return area;
}

/* For the exception report: found by MPIDR in the boot description,
 * not through TPIDR_EL1, which a fault before the area is set (or a
 * unikernel that reused the register) would make a wild pointer. */
unsigned arm64_smp_cpu_number(void)
{
    const struct pvh_boot *boot = pvh_boot_current;
    uint64_t hwid = arm64_mpidr_hwid();
    unsigned i;

    for (i = 0; boot && i < boot->nr_cpus && i < PVH_CPUS_MAX; i++)
        if (boot->cpus[i].hwid == hwid)
            return i;
    return 0;
}

uint64_t pvh_arch_cpu_hwid(void)
{
    return arm64_mpidr_hwid();
}

uint64_t pvh_arch_counter_hz(void)
{
    uint64_t v;

    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v & 0xffffffffu; /* the upper half is RES0 */
}

int pvh_arch_cpu_boot(unsigned cpu, const struct pvh_cpu *desc, uintptr_t stack_top,
                      struct pvh_cpu_area *area, const char **how, struct pvh_error *err)
{
    struct arm64_secondary_params *p = &arm64_secondary_params[cpu];

    p->stack_top = stack_top;
    p->exception_stack_top = (uintptr_t)exception_stacks[cpu] + SECONDARY_EXCEPTION_STACK_SIZE;
    p->area = (uintptr_t)area;
    __asm__ volatile("mrs %0, ttbr0_el1" : "=r"(p->ttbr0));
    __asm__ volatile("mrs %0, tcr_el1" : "=r"(p->tcr));
    __asm__ volatile("mrs %0, mair_el1" : "=r"(p->mair));
    p->inval_start = stack_top - PVH_CPU_STACK_SIZE;
    p->inval_end = stack_top;
    arm64_dcache_clean((uintptr_t)p, (uintptr_t)(p + 1));
    /* The CPU writes its stack with its MMU off (EL2's set-up): no dirty
     * line of it may be left to be written back over that (the loader's,
     * or this CPU's own from an earlier run there). */
    arm64_dcache_clean_inval(p->inval_start, p->inval_end);
    /* The image is identity-mapped: the entry's address is physical. */
    *how = "psci";
    return arm64_psci_cpu_on(desc->hwid, (uintptr_t)arm64_secondary_entry, cpu, err);
}

/* The check, then WFE: a wake between the two left the event register
 * set (SEV sets it on every CPU), so the WFE returns at once. */
void pvh_arch_cpu_wait(volatile int *word, int want)
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != want)
        __asm__ volatile("wfe" : : : "memory");
}

/* The mailbox store must be visible before the event: DSB, then SEV. */
void pvh_arch_cpu_wake(unsigned cpu, const struct pvh_cpu *desc)
{
    __asm__ volatile("dsb ish\n\tsev" : : : "memory");
}
