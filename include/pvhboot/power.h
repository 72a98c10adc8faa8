/*
 * Ending the program: a normal poweroff, or a fatal error.
 */
#ifndef PVHBOOT_POWER_H
#define PVHBOOT_POWER_H

#include <pvhboot/console.h>

/* Power the machine off (x86: ACPI S5 through the FADT; then the QEMU
 * isa-debug-exit port; then halt with interrupts off). Never returns. */
__attribute__((noreturn)) void pvh_poweroff(void);

/* Print "pvhboot: error: <formatted>" and stop with a failure status:
 * isa-debug-exit with a non-zero value, then halt. Never returns. */
__attribute__((noreturn)) void pvh_panic(const char *fmt, ...) PVH_PRINTF(1, 2);

/* Stop with interrupts off, forever. */
__attribute__((noreturn)) void pvh_halt(void);

#endif
