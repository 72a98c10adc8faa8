/*
 * pvh_exit() on x86: the status through QEMU's isa-debug-exit, where it
 * is; whether it was 0 through Xen's shutdown reason; otherwise a plain
 * poweroff (include/pvhboot/power.h has the whole mapping).
 */
#include <pvhboot/power.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"

#include <xen/sched.h>

/* In the Xen part (include/pvhboot/parts.h): NULL when it is not linked. */
extern void x86_xen_shutdown(unsigned reason) __attribute__((weak));

void pvh_exit(unsigned int status)
{
    if (status == 0)
        pvh_poweroff();
    if (status > PVH_EXIT_STATUS_MAX)
        status = PVH_EXIT_STATUS_MAX;
    /* Xen has no number to carry, but a crash tells the toolstack it was
     * not a success. Returns when not under Xen. */
    if (x86_xen_shutdown)
        x86_xen_shutdown(SHUTDOWN_crash);
    pvh_console_flush();
    /* Ends QEMU when the device is there; a write to an absent port is
     * dropped (Firecracker, Cloud Hypervisor, hardware), and the status
     * with it: then power off, so the machine stops all the same. */
    outl(X86_DEBUG_EXIT_PORT, X86_DEBUG_EXIT_STATUS_BASE + status);
    pvh_poweroff();
}
