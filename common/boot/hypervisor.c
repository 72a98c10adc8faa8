#include "common/boot/hypervisor.h"

#include "common/lib/string.h"

/*
 * The names as one string, each ended by its NUL, built up a name at a
 * time so that sizeof of each step is where the next name starts: a
 * signature's entry holds that offset (one byte), not a pointer (eight,
 * and on arm64 a relocation) nor a fixed-width name (eleven).
 */
#define NAMES_1 "xen"
#define NAMES_2 NAMES_1 "\0kvm"
#define NAMES_3 NAMES_2 "\0tcg"
#define NAMES_4 NAMES_3 "\0hyperv"
#define NAMES_5 NAMES_4 "\0vmware"
#define NAMES_6 NAMES_5 "\0bhyve"
#define NAMES_7 NAMES_6 "\0acrn"
#define NAMES_8 NAMES_7 "\0virtualbox"
#define NAMES_9 NAMES_8 "\0parallels"
#define NAMES_10 NAMES_9 "\0qnx"
#define NAMES_11 NAMES_10 "\0jailhouse"

static const char names[] = NAMES_11 "\0unknown";

static const struct {
    char sig[12];
    uint8_t kind; /* enum pvh_hv_kind */
    uint8_t name; /* offset in names */
} known[] = {
    { "XenVMMXenVMM", PVH_HV_XEN, 0 },
    { "KVMKVMKVM\0\0\0", PVH_HV_KVM, sizeof(NAMES_1) },
    { "TCGTCGTCGTCG", PVH_HV_TCG, sizeof(NAMES_2) },
    { "Microsoft Hv", PVH_HV_OTHER, sizeof(NAMES_3) },
    { "VMwareVMware", PVH_HV_OTHER, sizeof(NAMES_4) },
    { "bhyve bhyve ", PVH_HV_OTHER, sizeof(NAMES_5) },
    { "ACRNACRNACRN", PVH_HV_OTHER, sizeof(NAMES_6) },
    { "VBoxVBoxVBox", PVH_HV_OTHER, sizeof(NAMES_7) },
    { " lrpepyh  vr", PVH_HV_OTHER, sizeof(NAMES_8) },
    { "QNXQVMBSQG\0\0", PVH_HV_OTHER, sizeof(NAMES_9) },
    { "Jailhouse\0\0\0", PVH_HV_OTHER, sizeof(NAMES_10) },
};

bool pvh_hypervisor_identify(struct pvh_hypervisor *hv, const char sig[12])
{
    unsigned i;

    memcpy(hv->signature, sig, 12);
    hv->signature[12] = '\0';
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (!memcmp(sig, known[i].sig, 12)) {
            hv->kind = known[i].kind;
            hv->name = names + known[i].name;
            return true;
        }
    }
    hv->kind = PVH_HV_OTHER;
    hv->name = names + sizeof(NAMES_11);
    return false;
}
