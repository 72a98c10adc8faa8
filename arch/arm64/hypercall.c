/*
 * Xen hypercalls on arm64: "hvc #0xEA1", the hypercall number in x16,
 * arguments in x0-x4, the result in x0; Xen may clobber x0-x4 and x16.
 * Until Xen is known to be there every call returns -XEN_ENOSYS: an
 * HVC with no hypervisor to take it is undefined at EL1.
 */
#include <xen/xen.h>

#include "arch/arm64/arch.h"
#include "common/xen/xen.h"

static bool enabled;

void arm64_hypercalls_enable(void)
{
    enabled = true;
}

long pvh_arch_hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = a1;
    register uint64_t x1 __asm__("x1") = a2;
    register uint64_t x2 __asm__("x2") = a3;
    register uint64_t x16 __asm__("x16") = nr;

    if (!enabled)
        return -XEN_ENOSYS;
    __asm__ volatile("hvc %[tag]"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x16)
                     : [tag] "i"(XEN_HYPERCALL_TAG)
                     : "x3", "x4", "memory");
    return (long)x0;
}
