/*
 * The hostile loader's output: COM1 and the 0xe9 debug port, every line
 * starting "hostile: ", and its exits through QEMU's isa-debug-exit.
 */
#ifndef HOSTILE_CONSOLE_H
#define HOSTILE_CONSOLE_H

#include <stdint.h>

/* Exit values (QEMU exits with (v << 1) | 1): distinct from pvhboot's
 * 0 (poweroff fallback) and 1 (failure), so a loader failure cannot
 * pass for an outcome of the image under test. */
#define HOSTILE_EXIT_UNKNOWN_CASE 0x7d
#define HOSTILE_EXIT_BROKEN_SETUP 0x7e

/*
 * say("module %u base %llx crc32 %x cmdline %q\n", ...): %u and %x take
 * a uint32_t, %llx a uint64_t, %s a string, %q a string printed quoted
 * and escaped as pvhboot prints strings (\xNN for bytes below 0x20,
 * 0x7f and above, '"' and '\'). Hex is printed with its 0x. A line
 * starts with "hostile: " only where the format says so.
 */
void say(const char *fmt, ...);

/* "hostile: error: <what>" and an exit with the given value. */
__attribute__((noreturn)) void hostile_fail(uint32_t exit_value, const char *fmt, ...);

#endif
