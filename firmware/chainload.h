/*
 * The firmware's entry: plan with the planner (firmware/firmware.h), then
 * hand over through the architecture's code. The one place the two meet,
 * so that the planner never calls the hand-off.
 */
#ifndef PVH_FIRMWARE_CHAINLOAD_H
#define PVH_FIRMWARE_CHAINLOAD_H

#include <pvhboot/boot.h>

#include "common/output/error.h"
#include "firmware/firmware.h"

/* Boot the payload the boot describes. Returns only on failure. */
int pvh_firmware_boot(const struct pvh_boot *boot, struct pvh_error *err);

/* Provided by the architecture (firmware/x86/payload.c): boot the prepared
 * payload (never returns on success). The kinds an architecture cannot
 * boot are an error. */
int pvh_arch_boot_payload(struct pvh_fw *fw, struct pvh_error *err);

#endif
