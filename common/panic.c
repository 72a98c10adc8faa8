/* Fatal errors: one line saying what was wrong, then a failure stop. */
#include <pvhboot/power.h>

#include "common/arch_hooks.h"

void pvh_panic(const char *fmt, ...)
{
    static int nesting;
    va_list ap;

    /* A panic while panicking (say, a console that faults): just stop. */
    if (nesting++)
        pvh_arch_stop_failure();
    pvh_printf("pvhboot: error: ");
    va_start(ap, fmt);
    pvh_vprintf(fmt, ap);
    va_end(ap);
    pvh_printf("\n");
    pvh_arch_stop_failure();
}
