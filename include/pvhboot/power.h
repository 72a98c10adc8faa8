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

/* The largest status pvh_exit() can hand to QEMU on x86: QEMU's exit
 * status is 8 bits, and isa-debug-exit makes a write of v exit with
 * (v << 1) | 1, so the values pvh_exit writes (status + 1, at most 127)
 * give 5, 7, ..., 255. */
#define PVH_EXIT_STATUS_MAX 126u

/* End the program with a status, as C's exit() does, where the platform
 * can carry one. Prints nothing. Never returns.
 *   0                 exactly pvh_poweroff().
 *   1..126            x86 under QEMU with isa-debug-exit on port 0xf4:
 *                     QEMU exits with 2 * status + 3 (status 1: 5,
 *                     7: 17, 126: 255). That is never 0 (a poweroff),
 *                     1 (a poweroff without ACPI) or 3 (pvh_panic).
 *   above 126         carried as 126: QEMU exits 255. Non-zero stays
 *                     non-zero, never a panic's status.
 * Where no number can be carried the status is lost, but not whether it
 * was 0:
 *   under Xen         SCHEDOP_shutdown(poweroff) for 0, (crash) for any
 *                     other status (xl's on_crash then applies).
 *   elsewhere         Firecracker, Cloud Hypervisor, hardware (no
 *                     isa-debug-exit): a poweroff, as pvh_poweroff().
 *   arm64             PSCI SYSTEM_OFF: QEMU exits 0 whatever the status.
 *                     QEMU's semihosting could carry one, but it is off
 *                     unless QEMU is given -semihosting, and its call
 *                     faults then: pvhboot does not use it. */
__attribute__((noreturn)) void pvh_exit(unsigned int status);

/* Stop with interrupts off, forever. */
__attribute__((noreturn)) void pvh_halt(void);

#endif
