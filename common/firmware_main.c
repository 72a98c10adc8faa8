/*
 * pvhboot.elf / pvhboot.bin: the firmware. A PVH (or Image) boot of
 * pvhboot itself whose "unikernel" boots the real kernel. Not part of
 * the library: a unikernel that wants to chainload calls
 * pvh_firmware_boot() itself.
 */
#include <pvhboot/boot.h>
#include <pvhboot/power.h>

#include "common/firmware.h"
#include "common/timing.h"

/* The timing report comes just before the jump (pvh_fw_finish). */
const _Bool pvh_timing_at_handoff = 1;

void pvh_main(const struct pvh_boot *boot)
{
    struct pvh_error err;

    pvh_firmware_boot(boot, &err);
    pvh_panic("%s", err.msg);
}
