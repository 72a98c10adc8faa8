/* The hostile loader's failure exit (see console.h); its output is
 * tests/payloads/serial.c. */
#include "tests/hostile/console.h"

#include <stdarg.h>

void hostile_fail(uint32_t exit_value, const char *fmt, ...)
{
    va_list ap;

    put_str("hostile: error: ");
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    put_char('\n');
    outl(X86_DEBUG_EXIT_PORT, exit_value);
    for (;;)
        __asm__ volatile("cli; hlt");
}
