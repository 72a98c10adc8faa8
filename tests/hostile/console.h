/*
 * The hostile loader's output: say() on COM1 and the 0xe9 debug port
 * (tests/payloads/serial.h), each line starting "hostile: " where the
 * format says so, and its exits through QEMU's isa-debug-exit.
 */
#ifndef HOSTILE_CONSOLE_H
#define HOSTILE_CONSOLE_H

#include <stdint.h>

/* say() and port I/O: the console shared with bootdump. */
#include "tests/payloads/serial.h"

/* Exit values (QEMU exits with (v << 1) | 1): distinct from pvhboot's
 * 0 (poweroff fallback) and 1 (failure), so a loader failure cannot
 * pass for an outcome of the image under test. */
#define HOSTILE_EXIT_UNKNOWN_CASE 0x7d
#define HOSTILE_EXIT_BROKEN_SETUP 0x7e

/* "hostile: error: <what>" and an exit with the given value. */
__attribute__((noreturn)) void hostile_fail(uint32_t exit_value, const char *fmt, ...);

#endif
