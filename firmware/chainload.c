/* The firmware's entry: the planner's part, then the architecture's. */
#include "firmware/chainload.h"

int pvh_firmware_boot(const struct pvh_boot *boot, struct pvh_error *err)
{
    struct pvh_fw *fw = pvh_fw_prepare(boot, err);

    if (!fw)
        return err->code;
    return pvh_arch_boot_payload(fw, err);
}
