#include "common/boot/hypervisor.h"

#include "common/lib/string.h"

/* Names in the table, not pointers to them: no pointer, no relocation. */
static const struct {
    char sig[12];
    uint8_t kind; /* enum pvh_hv_kind */
    char name[11];
} known[] = {
    { "XenVMMXenVMM", PVH_HV_XEN, "xen" },
    { "KVMKVMKVM\0\0\0", PVH_HV_KVM, "kvm" },
    { "TCGTCGTCGTCG", PVH_HV_TCG, "tcg" },
    { "Microsoft Hv", PVH_HV_OTHER, "hyperv" },
    { "VMwareVMware", PVH_HV_OTHER, "vmware" },
    { "bhyve bhyve ", PVH_HV_OTHER, "bhyve" },
    { "ACRNACRNACRN", PVH_HV_OTHER, "acrn" },
    { "VBoxVBoxVBox", PVH_HV_OTHER, "virtualbox" },
    { " lrpepyh  vr", PVH_HV_OTHER, "parallels" },
    { "QNXQVMBSQG\0\0", PVH_HV_OTHER, "qnx" },
    { "Jailhouse\0\0\0", PVH_HV_OTHER, "jailhouse" },
};

bool pvh_hypervisor_identify(struct pvh_hypervisor *hv, const char sig[12])
{
    unsigned i;

    memcpy(hv->signature, sig, 12);
    hv->signature[12] = '\0';
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (!memcmp(sig, known[i].sig, 12)) {
            hv->kind = known[i].kind;
            hv->name = known[i].name;
            return true;
        }
    }
    hv->kind = PVH_HV_OTHER;
    hv->name = "unknown";
    return false;
}
