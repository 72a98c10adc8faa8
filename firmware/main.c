/*
 * pvhboot.elf: the firmware (arm64's pvhboot.bin has its own,
 * firmware/arm64/main.c). A PVH boot of pvhboot itself whose
 * "unikernel" boots the real kernel. Not part of the library: a
 * unikernel that wants to chainload calls pvh_firmware_boot() itself.
 */
#include <pvhboot/boot.h>
#include <pvhboot/parts.h>
#include <pvhboot/power.h>

#include "common/boot/timing.h"
#include "firmware/chainload.h"

/* The timing report comes just before the jump (pvh_fw_finish). */
const _Bool pvh_timing_at_handoff = 1;
/* The kernel finds and starts its CPUs itself: no CPU list part
 * (include/pvhboot/parts.h). */
PVHBOOT_PARTS(PVH_PART_XEN, PVH_PART_ACPI_POWEROFF);

void pvh_main(const struct pvh_boot *boot)
{
    struct pvh_error err;

    pvh_firmware_boot(boot, &err);
    pvh_panic("%s", err.msg);
}
