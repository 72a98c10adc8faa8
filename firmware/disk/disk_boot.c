/*
 * The readers' chooser, until they are merged: a weak stand-in that
 * says there is nothing to boot. The partition, FAT, Boot Loader
 * Specification and UKI readers define pvh_disk_boot (disk.h) and
 * replace it; nothing else changes.
 */
#include <pvhboot/power.h>

#include "firmware/disk/disk.h"

__attribute__((weak)) void pvh_disk_boot(const struct pvh_boot *boot,
                                         struct pvh_block_dev *const *devs, unsigned n)
{
    (void)boot;
    (void)devs;
    pvh_panic("no bootable entry on any disk: disks %u (no readers in this build)", n);
}
