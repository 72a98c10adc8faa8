/*
 * virtio-mmio devices in a DSDT (QEMU's microvm with ACPI on): a walk
 * over the table's static Device() declarations, not an AML
 * interpreter. A device counts when its body opens with Name() objects
 * (Name(_HID, "LNRO0005"), Name(_CRS, ResourceTemplate() { Memory32Fixed
 * (...) })): the shape QEMU writes. Devices built by methods at run time
 * are not seen. Every offset is checked against the table's length.
 */
#ifndef PVH_FIRMWARE_DISK_DSDT_MMIO_H
#define PVH_FIRMWARE_DISK_DSDT_MMIO_H

#include <stdint.h>

#include "common/output/error.h"

/* The _HID of a virtio-mmio transport in ACPI (Linux's virtio_mmio driver). */
#define PVH_VIRTIO_MMIO_HID "LNRO0005"

/* Call found(ctx, base, size) for each such device in the DSDT t[0, len)
 * (header included), in table order; stops at found's first error. */
int pvh_dsdt_virtio_mmio(const uint8_t *t, uint32_t len,
                         int (*found)(void *ctx, uint64_t base, uint64_t size,
                                      struct pvh_error *err),
                         void *ctx, struct pvh_error *err);

#endif
