/*
 * SMCCC calls on the conduit the device tree's /psci names (HVC or
 * SMC), and what pvhboot uses them for: PSCI SYSTEM_OFF, CPU_ON (only
 * programs that start CPUs link it) and the hypervisor service UID
 * call that tells Xen apart (a dom0less domU's device tree has no
 * /hypervisor node). Without a /psci node there is no conduit and no
 * call is made.
 */
#include <pvhboot/console.h>
#include <pvhboot/power.h>
#include <xen/sched.h>

#include "arch/arm64/arch.h"
#include "common/boot/boot_store.h"
#include "common/boot/arch_hooks.h"

/* In the Xen part (include/pvhboot/parts.h): called only when that is
 * linked (pvh_xen_linked). */
extern void arm64_xen_shutdown(unsigned reason) __attribute__((weak));

static enum pvh_psci_conduit conduit;
static bool has_cpu_on; /* PSCI 0.2 or later: CPU_ON has its standard ID */

void arm64_psci_init(enum pvh_psci_conduit c)
{
    conduit = c;
}

void arm64_psci_set_cpu_on(bool psci_0_2)
{
    has_cpu_on = psci_0_2;
}

/* An SMCCC call with up to three arguments; x0-x3 come back in out.
 * Returns false when there is no conduit. */
static bool smccc(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t out[4])
{
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;

    /* SMCCC 1.1 preserves x4-x17 for these calls; older firmware may
     * not, so they are given as clobbered. */
    if (conduit == PVH_PSCI_HVC)
        __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
                         "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
                         "x14", "x15", "x16", "x17", "memory");
    else if (conduit == PVH_PSCI_SMC)
        __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
                         "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
                         "x14", "x15", "x16", "x17", "memory");
    else
        return false;
    out[0] = x0;
    out[1] = x1;
    out[2] = x2;
    out[3] = x3;
    return true;
}

bool arm64_xen_smccc_uid(void)
{
    uint64_t r[4];

    if (!smccc(SMCCC_HYP_CALL_UID, 0, 0, 0, r))
        return false;
    return (uint32_t)r[0] == XEN_SMCCC_UID0 && (uint32_t)r[1] == XEN_SMCCC_UID1 &&
           (uint32_t)r[2] == XEN_SMCCC_UID2 && (uint32_t)r[3] == XEN_SMCCC_UID3;
}

/* PSCI's error codes -1 (PSCI_RET_NOT_SUPPORTED) to -9
 * (PSCI_RET_INVALID_ADDRESS) by name, one after the other, then the name
 * of any other: one block of bytes, no table of pointers (each would
 * cost a relocation). */
static const char psci_errors[] = "not supported\0invalid parameters\0denied\0already on\0"
                                  "on pending\0internal failure\0not present\0disabled\0"
                                  "invalid address\0unknown error";
_Static_assert(PSCI_RET_NOT_SUPPORTED == -1 && PSCI_RET_INVALID_ADDRESS == -9,
               "psci_errors lists -1 to -9");

static const char *psci_error_name(int32_t rc)
{
    const char *p = psci_errors;
    unsigned skip = rc < 0 && rc >= PSCI_RET_INVALID_ADDRESS ? (unsigned)-rc - 1 : 9;

    for (; skip; skip--)
        while (*p++) /* past the NUL of this name */
            ;
    return p;
}

int arm64_psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context, struct pvh_error *err)
{
    uint64_t r[4];
    int32_t rc;

    if (conduit == PVH_PSCI_NONE)
        return pvh_fail(err, PVH_ENOENT, "no /psci node: no way to start a cpu");
    if (!has_cpu_on)
        return pvh_fail(err, PVH_ENOENT, "psci 0.1 (/psci not compatible with arm,psci-0.2): "
                                         "no standard CPU_ON");
    smccc(PSCI_CPU_ON_64, mpidr, entry, context, r);
    rc = (int32_t)r[0];
    if (rc)
        return pvh_fail(err, PVH_EINVAL, "psci CPU_ON: %s (%d)", psci_error_name(rc), (int)rc);
    return PVH_OK;
}

void pvh_halt(void)
{
    __asm__ volatile("msr daifset, #0xf");
    for (;;)
        __asm__ volatile("wfi");
}

/* Returns only when the call did not take effect (or cannot be made). */
static void psci_system_off(void)
{
    uint64_t r[4];

    smccc(PSCI_SYSTEM_OFF, 0, 0, 0, r);
}

void pvh_poweroff(void)
{
    if (pvh_xen_linked)
        arm64_xen_shutdown(SHUTDOWN_poweroff); /* returns when not under Xen */
    pvh_console_flush();
    psci_system_off();
    pvh_info("poweroff failed: halting");
    pvh_halt();
}

/* A fatal error: Xen is told the domain crashed; elsewhere the machine
 * is powered off (the error line already says what went wrong). */
void pvh_arch_stop_failure(void)
{
    if (pvh_xen_linked)
        arm64_xen_shutdown(SHUTDOWN_crash);
    pvh_console_flush();
    psci_system_off();
    pvh_halt();
}

const char *pvh_arch_name(void)
{
    return "arm64";
}
