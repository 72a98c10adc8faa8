/*
 * Running functions on the other CPUs (include/pvhboot/cpu.h): one
 * mailbox per CPU, a state word that says who may write it, and the
 * architecture's start, halt and wake.
 *
 *   OFF ──start──► STARTING ──the CPU arrives──► BUSY ──fn returns──► IDLE
 *                       │                           ▲                     │
 *                       │                           └── POSTING ◄─start───┘
 *                       └──not within START_TIMEOUT──► FAILED (for good)
 *
 * A caller writes fn and arg only while it owns the mailbox (it moved
 * the state from OFF or IDLE with a compare-and-swap); the CPU reads
 * them only in BUSY and hands the mailbox back by storing IDLE.
 */
#include <pvhboot/console.h>
#include <pvhboot/cpu.h>

#include "common/cpu/counter_rate.h"
#include "common/cpu/cpu_arch.h"
#include "common/boot/timing.h"

enum cpu_state {
    CPU_OFF,      /* never started */
    CPU_STARTING, /* asked to start, not there yet */
    CPU_BUSY,     /* running fn */
    CPU_IDLE,     /* waiting for the next fn */
    CPU_POSTING,  /* a caller is writing the next fn */
    CPU_FAILED,   /* did not arrive: never asked again */
};

/* How long a CPU may take to arrive. Under QEMU's software emulation a
 * start takes milliseconds; the bound is only there so a CPU that never
 * comes does not hang the boot. */
#define START_TIMEOUT_US 2000000u
#define US_PER_S 1000000u

struct cpu_mailbox {
    volatile int state;
    pvh_cpu_fn *volatile fn;
    void *volatile arg;
    const char *how; /* how the CPU was started; NULL: never */
    struct pvh_cpu_area area;
};

static struct cpu_mailbox mailbox[PVH_CPUS_MAX];

uint8_t pvh_cpu_stacks[PVH_CPUS_MAX][PVH_CPU_BLOCK_SIZE]
    __attribute__((aligned(PVH_CPU_GUARD_SIZE), section(".bss.pvh_cpu_stacks")));

unsigned pvh_cpu_count(const struct pvh_boot *boot)
{
    return boot->nr_cpus ? boot->nr_cpus : 1;
}

struct pvh_cpu_area *pvh_cpu_area(void)
{
    return pvh_arch_cpu_area();
}

unsigned pvh_cpu_self(void)
{
    return pvh_arch_cpu_area()->cpu;
}

uint64_t pvh_cpu_hwid(void)
{
    return pvh_arch_cpu_hwid();
}

const char *pvh_cpu_start_method(unsigned cpu)
{
    return cpu < PVH_CPUS_MAX ? mailbox[cpu].how : NULL;
}

bool pvh_cpu_busy(unsigned cpu)
{
    return cpu < PVH_CPUS_MAX && __atomic_load_n(&mailbox[cpu].state, __ATOMIC_ACQUIRE) == CPU_BUSY;
}

static bool claim(struct cpu_mailbox *m, int from, int to)
{
    int expected = from;

    return __atomic_compare_exchange_n(&m->state, &expected, to, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

/* Counter rates are at most a few GHz and waits at most seconds: the
 * product stays far below 2^64. */
uint64_t pvh_cpu_counter_ticks(uint64_t us)
{
    uint64_t hz = pvh_arch_counter_hz();

    return pvh_counter_wait_hz(hz) * us / US_PER_S;
}

/* Wait for a starting CPU to take its first call. */
static bool arrived(struct cpu_mailbox *m)
{
    uint64_t start = pvh_timestamp(), limit = pvh_cpu_counter_ticks(START_TIMEOUT_US);

    while (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == CPU_STARTING) {
        if (pvh_timestamp() - start > limit)
            return false;
        pvh_cpu_relax();
    }
    return true;
}

static void report_failed(unsigned cpu, const struct pvh_cpu *desc, const char *why)
{
#if defined(__x86_64__)
    const char *id = "apic";
#else
    const char *id = "mpidr";
#endif

    pvh_info("warning: cpu %u (%s 0x%llx) did not start%s%s", cpu, id,
             (unsigned long long)desc->hwid, why ? ": " : "", why ? why : "");
}

static int start_first(unsigned cpu, const struct pvh_cpu *desc, pvh_cpu_fn *fn, void *arg)
{
    struct cpu_mailbox *m = &mailbox[cpu];
    struct pvh_error err;
    uintptr_t stack_top = (uintptr_t)pvh_cpu_stacks[cpu] + PVH_CPU_BLOCK_SIZE;

    m->fn = fn;
    m->arg = arg;
    m->area = (struct pvh_cpu_area){ .cpu = cpu, .hwid = desc->hwid };
    if (pvh_arch_cpu_boot(cpu, desc, stack_top, &m->area, &m->how, &err)) {
        __atomic_store_n(&m->state, CPU_FAILED, __ATOMIC_RELEASE);
        report_failed(cpu, desc, err.msg);
        return PVH_CPU_EFAILED;
    }
    if (!arrived(m) && claim(m, CPU_STARTING, CPU_FAILED)) {
        report_failed(cpu, desc, NULL);
        return PVH_CPU_EFAILED;
    }
    return 0;
}

int pvh_cpu_start(unsigned cpu, pvh_cpu_fn *fn, void *arg)
{
    const struct pvh_boot *boot = pvh_boot_current;
    struct cpu_mailbox *m;

    if (!boot || cpu >= pvh_cpu_count(boot) || cpu == pvh_cpu_self() || !fn)
        return PVH_CPU_ENOENT;
    m = &mailbox[cpu];
    if (claim(m, CPU_OFF, CPU_STARTING))
        return start_first(cpu, &boot->cpus[cpu], fn, arg);
    if (!claim(m, CPU_IDLE, CPU_POSTING))
        return __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == CPU_FAILED ? PVH_CPU_EFAILED
                                                                            : PVH_CPU_EBUSY;
    m->fn = fn;
    m->arg = arg;
    __atomic_store_n(&m->state, CPU_BUSY, __ATOMIC_RELEASE);
    pvh_arch_cpu_wake(cpu, &boot->cpus[cpu]);
    return 0;
}

void pvh_cpu_secondary_main(unsigned cpu)
{
    struct cpu_mailbox *m = &mailbox[cpu];

    /* A CPU that arrives after it was given up on stays halted: its
     * state is FAILED for good and never becomes OFF. */
    if (!claim(m, CPU_STARTING, CPU_BUSY))
        for (;;)
            pvh_arch_cpu_wait(&m->state, CPU_OFF);
    for (;;) {
        m->fn(cpu, m->arg);
        __atomic_store_n(&m->state, CPU_IDLE, __ATOMIC_RELEASE);
        pvh_arch_cpu_wait(&m->state, CPU_BUSY);
    }
}
