/*
 * The 0xe9 debug port: QEMU's and Bochs' debugcon, and Xen's HVM debug
 * output (shown on Xen's console as "(d0) ..."). A byte written is a
 * byte printed; no status to poll.
 */
#include <stdbool.h>

#include <pvhboot/console.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"

static void debugcon_write(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        outb(X86_DEBUGCON_PORT, (uint8_t)buf[i]);
}

static const struct pvh_console debugcon_console = { "debugcon", debugcon_write, NULL };

/* QEMU's debugcon reads back 0xe9; with nothing there the bus reads 0xff. */
bool x86_debugcon_present(void)
{
    return inb(X86_DEBUGCON_PORT) == X86_DEBUGCON_PORT;
}

void x86_debugcon_register(void)
{
    pvh_console_register(&debugcon_console);
}

void x86_debugcon_unregister(void)
{
    pvh_console_unregister(&debugcon_console);
}
