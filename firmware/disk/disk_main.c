/*
 * pvhboot-disk: the firmware plus booting from a disk. Given a payload
 * (one packed into the image, or a loader's module) it is pvhboot's
 * firmware exactly (pvh_firmware_main: firmware/main.c or
 * firmware/arm64/main.c, built under that name for this image). Given
 * none, it finds the virtio-blk disks the platform describes
 * (pvh_disk_discover), prints one line per disk with the CRC-32 of its
 * sector 0 (proof that reads work), and hands the list to the readers'
 * chooser, pvh_disk_boot().
 */
#include <pvhboot/boot.h>
#include <pvhboot/console.h>
#include <pvhboot/crc32.h>
#include <pvhboot/power.h>

#include "firmware/disk/disk.h"
#include "firmware/pack.h"

void pvh_firmware_main(const struct pvh_boot *boot);

/* The disk path's state: the devices, their rings, a sector. In .bss,
 * which shares the data page's last 3 KiB with nothing else: on x86
 * the image must end below 2 MiB, which pvhboot's own buffers fill
 * (docs/disk.md); PVH_DISK_MAX is sized for that room. */
static struct {
    struct pvh_disk_list list;
    uint8_t sector0[PVH_SECTOR_SIZE];
} state;

void pvh_main(const struct pvh_boot *boot)
{
    __typeof__(state) *s = &state;
    struct pvh_error err;
    unsigned i;

    if (pvh_pack.nr_modules || boot->nr_modules)
        pvh_firmware_main(boot);
    if (pvh_disk_discover(boot, &s->list, &err))
        pvh_panic("%s", err.msg);
    if (!s->list.n)
        pvh_panic("no payload and no disk: nothing packed, no module, no virtio-blk device");
    for (i = 0; i < s->list.n; i++) {
        if (pvh_virtio_blk_read(&s->list.blk[i], 0, 1, s->sector0, &err))
            pvh_panic("%s", err.msg);
        pvh_info("disk: %s %llu sectors crc32 0x%08x", s->list.devs[i]->name,
                 (unsigned long long)s->list.devs[i]->sectors,
                 pvh_crc32(0, s->sector0, sizeof(s->sector0)));
    }
    pvh_disk_boot(boot, s->list.devs, s->list.n);
}
