#include "common/boot/hypervisor.h"

#include "common/lib/string.h"

/* The signatures pvhboot knows, in the order of their names below. The
 * first three name their own kind (enum pvh_hv_kind's order), the rest
 * PVH_HV_OTHER. Bytes, not pointers: no pointer, no relocation. */
static const char sigs[][12] = {
    "XenVMMXenVMM", "KVMKVMKVM\0\0\0", "TCGTCGTCGTCG", "Microsoft Hv",
    "VMwareVMware", "bhyve bhyve ",   "ACRNACRNACRN", "VBoxVBoxVBox",
    " lrpepyh  vr", "QNXQVMBSQG\0\0", "Jailhouse\0\0\0",
};

/* Each name ended by its NUL, walked to the one wanted; the last one
 * (past the signatures) names what none of them is. */
static const char names[] = "xen\0kvm\0tcg\0hyperv\0vmware\0bhyve\0acrn\0virtualbox\0"
                            "parallels\0qnx\0jailhouse\0unknown";

_Static_assert(PVH_HV_XEN == 1 && PVH_HV_KVM == 2 && PVH_HV_TCG == 3 && PVH_HV_OTHER == 4,
               "the first three signatures are the kinds from PVH_HV_XEN on");

bool pvh_hypervisor_identify(struct pvh_hypervisor *hv, const char sig[12])
{
    const char *name = names;
    unsigned i;

    memcpy(hv->signature, sig, 12);
    hv->signature[12] = '\0';
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]) && memcmp(sig, sigs[i], 12); i++)
        name += strlen(name) + 1;
    hv->kind = i < PVH_HV_OTHER - PVH_HV_XEN ? PVH_HV_XEN + i : PVH_HV_OTHER;
    hv->name = name;
    return i < sizeof(sigs) / sizeof(sigs[0]);
}
