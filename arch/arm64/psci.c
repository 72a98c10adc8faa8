/*
 * SMCCC calls on the conduit the device tree's /psci names (HVC or
 * SMC), and what pvhboot uses them for: PSCI SYSTEM_OFF and the
 * hypervisor service UID call that tells Xen apart (a dom0less domU's
 * device tree has no /hypervisor node). Without a /psci node there is
 * no conduit and no call is made.
 */
#include <pvhboot/console.h>
#include <pvhboot/power.h>
#include <xen/sched.h>

#include "arch/arm64/arch.h"
#include "common/arch_hooks.h"

static enum pvh_psci_conduit conduit;

void arm64_psci_init(enum pvh_psci_conduit c)
{
    conduit = c;
}

/* An SMCCC call with no arguments; x0-x3 come back in out. Returns
 * false when there is no conduit. */
static bool smccc(uint32_t fn, uint64_t a1, uint64_t out[4])
{
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = 0;
    register uint64_t x3 __asm__("x3") = 0;

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

    if (!smccc(SMCCC_HYP_CALL_UID, 0, r))
        return false;
    return (uint32_t)r[0] == XEN_SMCCC_UID0 && (uint32_t)r[1] == XEN_SMCCC_UID1 &&
           (uint32_t)r[2] == XEN_SMCCC_UID2 && (uint32_t)r[3] == XEN_SMCCC_UID3;
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

    smccc(PSCI_SYSTEM_OFF, 0, r);
}

void pvh_poweroff(void)
{
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
    arm64_xen_shutdown(SHUTDOWN_crash);
    pvh_console_flush();
    psci_system_off();
    pvh_halt();
}

const char *pvh_arch_name(void)
{
    return "arm64";
}
