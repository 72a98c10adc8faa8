/* Naming a hypervisor from its CPUID signature. */
#ifndef PVH_COMMON_HYPERVISOR_H
#define PVH_COMMON_HYPERVISOR_H

#include <pvhboot/boot.h>

/* Fill hv->kind, hv->name and hv->signature from the 12 signature bytes
 * (EBX, ECX, EDX of the hypervisor's base leaf). Returns whether the
 * signature is one pvhboot knows; an unknown one is named "unknown". */
bool pvh_hypervisor_identify(struct pvh_hypervisor *hv, const char sig[12]);

#endif
