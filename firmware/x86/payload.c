/* Choosing the x86 hand-off for the payload's kind. */
#include "firmware/x86/handoff.h"

#include "firmware/chainload.h"

int pvh_arch_boot_payload(struct pvh_fw *fw, struct pvh_error *err)
{
    /* Every hand-off ends in the trampoline (enter.c), which runs
     * with paging off: it can write pvhboot's memory, and read below 4 GiB. */
    fw->late_copies = true;
    fw->late_src_limit = FOUR_GIB;
    switch (fw->kind) {
    case PVH_PAYLOAD_LINUX:
        return x86_boot_linux(fw, err);
    case PVH_PAYLOAD_MULTIBOOT1:
    case PVH_PAYLOAD_MULTIBOOT2:
        return x86_boot_multiboot(fw, err);
    case PVH_PAYLOAD_PVH:
        return x86_boot_pvh(fw, err);
    default:
        return pvh_fail(err, PVH_EINVAL, "payload: x86 cannot boot this kind");
    }
}
