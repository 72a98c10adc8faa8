/*
 * Stopping the machine on x86. Under Xen: SCHEDOP_shutdown (poweroff or
 * crash). Otherwise each VMM ends a VM its own way (docs/loaders.md,
 * "Ending the VM"), so every way is tried in turn:
 *  - poweroff: ACPI S5, QEMU's isa-debug-exit, then the i8042 reset when
 *    the ACPI tables say there is no S5 (Firecracker's);
 *  - fatal error: isa-debug-exit with the failure value, ACPI S5, the
 *    same i8042 reset; or a halt when the cmdline has
 *    pvhboot.on_error=halt;
 * and a halt with interrupts off when nothing ended the VM.
 */
#include <pvhboot/console.h>
#include <pvhboot/power.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/acpi/acpi.h"
#include "common/boot/arch_hooks.h"
#include "common/boot/options.h"

#include <xen/sched.h>

/* In the Xen part (include/pvhboot/parts.h): NULL when it is not linked. */
extern void x86_xen_shutdown(unsigned reason) __attribute__((weak));

/* In the ACPI poweroff part (include/pvhboot/parts.h, arch/x86/acpi_poweroff.c):
 * NULL when it is not linked, and then there is no ACPI way off and no
 * i8042 reset (which only the tables can call for). */
extern void x86_acpi_poweroff(uint64_t rsdp, bool quiet) __attribute__((weak));
extern void x86_acpi_i8042_reset(void) __attribute__((weak));

static uint64_t acpi_rsdp;
static bool on_error_halt;

/* Only remember the RSDP: the tables are read when a poweroff needs them,
 * so boots that never power off (a firmware's hand-off) do not pay for it.
 * Called as soon as the RSDP and the cmdline are known, so that fatal
 * errors from then on can end the VM through them too. */
void x86_power_init(uint64_t rsdp, const char *cmdline)
{
    acpi_rsdp = rsdp;
    on_error_halt = pvh_option_is(cmdline, "on_error", "halt");
}

void pvh_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void pvh_poweroff(void)
{
    if (x86_xen_shutdown)
        x86_xen_shutdown(SHUTDOWN_poweroff); /* returns when not under Xen */
    pvh_console_flush();
    if (x86_acpi_poweroff)
        x86_acpi_poweroff(acpi_rsdp, false);
    /* Still here: no ACPI, or it did not work. Under QEMU with
     * isa-debug-exit this ends with status 1. */
    outl(X86_DEBUG_EXIT_PORT, 0);
    if (x86_acpi_i8042_reset)
        x86_acpi_i8042_reset();
    pvh_info("poweroff failed: halting");
    pvh_halt();
}

/*
 * A fatal error. Each way is tried at most once: a fault while trying one
 * (say, in tables that cannot be read) comes back here through the
 * exception handler and goes on with the next.
 */
void pvh_arch_stop_failure(void)
{
    static unsigned step;

    if (x86_xen_shutdown)
        x86_xen_shutdown(SHUTDOWN_crash); /* returns when not under Xen */
    switch (__atomic_fetch_add(&step, 1, __ATOMIC_SEQ_CST)) {
    case 0:
        pvh_console_flush();
        if (on_error_halt)
            pvh_halt();
        outl(X86_DEBUG_EXIT_PORT, X86_DEBUG_EXIT_FAILURE);
        __attribute__((fallthrough));
    case 1:
        if (x86_acpi_poweroff)
            x86_acpi_poweroff(acpi_rsdp, true);
        __attribute__((fallthrough));
    case 2:
        if (x86_acpi_i8042_reset)
            x86_acpi_i8042_reset();
        break;
    default:
        break;
    }
    pvh_halt();
}

const char *pvh_arch_name(void)
{
    return "x86_64";
}
