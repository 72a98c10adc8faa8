/*
 * Ending the program: a normal poweroff, or a fatal error.
 */
#ifndef PVHBOOT_POWER_H
#define PVHBOOT_POWER_H

#include <pvhboot/console.h>

/* Power the machine off (x86: ACPI S5 through the FADT; then the QEMU
 * isa-debug-exit port; then the i8042 reset where the ACPI tables say
 * there is no S5, as Firecracker's do; then halt with interrupts off).
 * Never returns. */
__attribute__((noreturn)) void pvh_poweroff(void);

/* Print "pvhboot: error: <formatted>" and stop with a failure status:
 * x86: isa-debug-exit with a non-zero value, ACPI S5, the i8042 reset as
 * pvh_poweroff has it, then halt; or halt at once with
 * pvhboot.on_error=halt. Never returns. */
__attribute__((noreturn)) void pvh_panic(const char *fmt, ...) PVH_PRINTF(1, 2);

/* Stop with interrupts off, forever. */
__attribute__((noreturn)) void pvh_halt(void);

#endif
