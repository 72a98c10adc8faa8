/*
 * The other CPUs: how many the platform offers, and running a function
 * on one of them.
 *
 * pvhboot finds the CPUs while it reads the boot description (x86: the
 * ACPI MADT, Xen's included; arm64: the device tree's /cpus) and lists
 * them in struct pvh_boot, the boot CPU first. It starts none of them
 * by itself: a CPU comes up the first time pvh_cpu_start() asks for it,
 * on its own stack (PVH_CPU_STACK_SIZE, with an unmapped guard page
 * below), with pvhboot's exception handling (a fault is reported with
 * the CPU's number, then the machine stops) and with its per-CPU area
 * in place. When the function returns, the CPU waits, halted, for the
 * next pvh_cpu_start().
 *
 *     static volatile unsigned ran;
 *     static void work(unsigned cpu, void *arg) { __atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST); }
 *
 *     void pvh_main(const struct pvh_boot *boot)
 *     {
 *         for (unsigned cpu = 1; cpu < pvh_cpu_count(boot); cpu++)
 *             pvh_cpu_start(cpu, work, NULL);
 *         ...
 *     }
 *
 * Stability: this interface is young; see boot.h.
 */
#ifndef PVHBOOT_CPU_H
#define PVHBOOT_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/boot.h>

/* The most CPUs pvhboot lists and starts, the boot CPU included; a
 * platform that offers more gets a warning and runs with these. */
#define PVH_CPUS_MAX 16u
/* Each secondary CPU's stack, in bytes. */
#define PVH_CPU_STACK_SIZE 0x4000u

/* What pvh_cpu_start() returns besides 0. */
#define PVH_CPU_ENOENT   (-1) /* no such CPU, or it is the calling one */
#define PVH_CPU_EBUSY    (-2) /* it is still running the last function */
#define PVH_CPU_EFAILED  (-3) /* it did not come up when asked (reported once) */

typedef void pvh_cpu_fn(unsigned cpu, void *arg);

/* Run fn(cpu, arg) on CPU cpu (1 .. pvh_cpu_count() - 1), starting the
 * CPU first if it has never run. Returns once the CPU has taken the
 * call (not when fn returns). Callable from any CPU. */
int pvh_cpu_start(unsigned cpu, pvh_cpu_fn *fn, void *arg);

/* The calling CPU's number: 0 for the boot CPU. */
unsigned pvh_cpu_self(void);

/* The calling CPU's hardware ID, read from the CPU itself (x86: its
 * x2APIC or APIC ID from CPUID; arm64: MPIDR_EL1's affinity bits), to
 * compare with boot->cpus[pvh_cpu_self()].hwid. */
uint64_t pvh_cpu_hwid(void);

/* How many CPUs pvhboot can run, the boot CPU included (boot->nr_cpus). */
unsigned pvh_cpu_count(const struct pvh_boot *boot);

/* How pvhboot started CPU cpu: "init-sipi" (x86: the local APIC's INIT
 * and start-up IPIs), "xen-vcpu-op" (x86 under Xen: VCPUOP_initialise
 * and VCPUOP_up), "psci" (arm64: PSCI CPU_ON); NULL for the boot CPU and
 * a CPU never started. Set once the start was tried, also when the CPU
 * then did not come. */
const char *pvh_cpu_start_method(unsigned cpu);

/* Is the CPU running a function now? (false once fn has returned) */
bool pvh_cpu_busy(unsigned cpu);

/* The per-CPU area: pvhboot fills the first fields; user[] is the
 * unikernel's, zero at start. pvh_cpu_area() is the calling CPU's. */
struct pvh_cpu_area {
    unsigned cpu;          /* pvh_cpu_self() */
    uint64_t hwid;         /* x86: APIC ID; arm64: MPIDR affinity bits */
    void *user[4];
};
struct pvh_cpu_area *pvh_cpu_area(void);

#endif
