/*
 * pvh_exit() on arm64: PSCI has no status to carry, so only whether it
 * was 0 survives, and only under Xen (crash for any other); elsewhere
 * every status is a poweroff (include/pvhboot/power.h).
 */
#include <pvhboot/power.h>
#include <xen/sched.h>

#include "arch/arm64/arch.h"
#include "common/boot/boot_store.h"

/* In the Xen part (include/pvhboot/parts.h): called only when that is
 * linked (pvh_xen_linked). */
extern void arm64_xen_shutdown(unsigned reason) __attribute__((weak));

void pvh_exit(unsigned int status)
{
    if (status && pvh_xen_linked)
        arm64_xen_shutdown(SHUTDOWN_crash); /* returns when not under Xen */
    pvh_poweroff();
}
