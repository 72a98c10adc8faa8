/*
 * A block device as pvhboot-disk's readers see it: read-only, polled,
 * addressed in 512-byte sectors. The transports (virtio-blk over
 * virtio-mmio or virtio-pci) fill one in; the partition, FAT and boot
 * entry readers only call read().
 *
 * Sectors are 512 bytes because virtio-blk addresses its requests in
 * 512-byte units whatever its logical block size; a device whose logical
 * block size is not 512 is refused by its transport, with a message.
 */
#ifndef PVHBOOT_FIRMWARE_DISK_BLOCK_H
#define PVHBOOT_FIRMWARE_DISK_BLOCK_H

#include <stdint.h>

#define PVH_SECTOR_SIZE 512u

struct pvh_block_dev {
    /* For messages: "virtio-mmio 0xd0000000", "virtio-pci 00:03.0". */
    char name[40];
    /* Capacity in 512-byte sectors, as the device reports it. */
    uint64_t sectors;
    /* Read count sectors starting at lba into buf (count * 512 bytes).
     * Returns 0, or -1 after the transport has printed why. A read past
     * the device's end is refused here, before the device sees it. */
    int (*read)(const struct pvh_block_dev *dev, uint64_t lba, uint32_t count, void *buf);
    /* Stop the device before the hand-off, so that the kernel's driver
     * finds it as after power-on (virtio: a reset, status 0). Returns 0,
     * or -1 after printing why. NULL: nothing to stop. */
    int (*reset)(const struct pvh_block_dev *dev);
    /* The transport's own state. */
    void *ctx;
};

#endif
