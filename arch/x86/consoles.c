#include "arch/x86/arch.h"

void x86_consoles_init(const struct pvh_hypervisor *hv)
{
    x86_uart_init();
    /* Xen shows port 0xe9 writes on its own console but does not answer
     * reads with 0xe9 as QEMU's debugcon does. */
    if (x86_debugcon_present() || hv->kind == PVH_HV_XEN)
        x86_debugcon_register();
}
