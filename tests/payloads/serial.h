/*
 * The 32-bit test kernels' console: every character goes to COM1 and to
 * QEMU's 0xe9 debug port, with a small formatter. Used by bootdump
 * (tests/payloads/bootdump.c) and the hostile loader (tests/hostile/).
 *
 * Test code only, not an interface: it changes with what the tests print.
 */
#ifndef TESTS_PAYLOADS_SERIAL_H
#define TESTS_PAYLOADS_SERIAL_H

#include <stdarg.h>
#include <stdint.h>

/* pvhboot's own port I/O and port numbers (X86_DEBUG_EXIT_PORT for the
 * exits): in and out are the same instructions in 32-bit code. Named
 * relative to this file, so each image keeps its own include flags
 * (bootdump is built without -I.). */
#include "../../arch/x86/io.h"
#include "../../arch/x86/x86.h"

void put_char(char c);
void put_str(const char *s);

/*
 * say("module %u base %llx crc32 %x cmdline %q\n", ...): %u and %x take
 * a uint32_t, %llx a uint64_t, %s a string, %q a string printed quoted
 * and escaped as pvhboot prints strings (\xNN for bytes below 0x20,
 * 0x7f and above, '"' and '\'; NULL prints ""). Hex is printed with its
 * 0x. No 64-bit division in 32-bit freestanding code, so 64-bit values
 * are printed in hex only. Any other conversion is printed as written.
 */
void say(const char *fmt, ...);
void vsay(const char *fmt, va_list ap);

#endif
