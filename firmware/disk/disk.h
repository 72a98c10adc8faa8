/*
 * pvhboot-disk's devices: the transports' probes add each virtio-blk
 * device they bring up to one list, which discovery fills and the disk
 * path hands to the readers' chooser (pvh_disk_boot, disk_boot.c).
 */
#ifndef PVH_FIRMWARE_DISK_DISK_H
#define PVH_FIRMWARE_DISK_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/boot.h>

#include "common/output/error.h"
#include "firmware/disk/block.h"
#include "firmware/disk/virtio_blk.h"

/* Disks pvhboot-disk drives at most; more are a fatal error. Four:
 * their state must fit in the x86 image's last free page (disk_main.c). */
#define PVH_DISK_MAX 4u

struct pvh_disk_list {
    struct pvh_virtio_blk blk[PVH_DISK_MAX];
    struct pvh_block_dev *devs[PVH_DISK_MAX]; /* &blk[i].dev, in the order found */
    unsigned n;
    unsigned nr_mmio;                         /* virtio-mmio transports probed */
};

/* A transport found a block device t: bring it up and keep it (an
 * error when the list is full). */
int pvh_disk_add(struct pvh_disk_list *list, const struct pvh_virtio_transport *t,
                 struct pvh_error *err);

/* The virtio-mmio transport at [base, base + size): a block device is
 * added, nothing else is (no device, another kind: left alone). The
 * caller probes each transport once. */
int pvh_virtio_mmio_probe(struct pvh_disk_list *list, uint64_t base, uint64_t size,
                          struct pvh_error *err);

/* Every disk the platform describes (discover_x86.c, discover_fdt.c). */
int pvh_disk_discover(const struct pvh_boot *boot, struct pvh_disk_list *list,
                      struct pvh_error *err);

/* The cmdline's virtio_mmio.device=<size>@<base>:<irq>[:<id>] words
 * (Linux's syntax; size with K, M or G), probed in order. */
int pvh_disk_discover_cmdline(const char *cmdline, struct pvh_disk_list *list,
                              struct pvh_error *err);

/*
 * The readers' chooser: find a boot entry on the disks and boot it
 * (never returns then). Until the readers are merged, disk_boot.c's
 * weak definition stops with "no bootable entry on any disk".
 */
void pvh_disk_boot(const struct pvh_boot *boot, struct pvh_block_dev *const *devs, unsigned n);

#endif
