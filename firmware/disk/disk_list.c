/* The list of disks the transports fill (disk.h). */
#include "firmware/disk/disk.h"

#include "common/lib/string.h"

struct pvh_virtio_blk *pvh_disk_slot(struct pvh_disk_list *list, struct pvh_error *err)
{
    if (list->n == PVH_DISK_MAX)
        return pvh_fail(err, PVH_E2BIG, "disks: more than %u", PVH_DISK_MAX), NULL;
    memset(&list->blk[list->n], 0, sizeof(list->blk[list->n]));
    return &list->blk[list->n];
}

int pvh_disk_add(struct pvh_disk_list *list, struct pvh_error *err)
{
    struct pvh_virtio_blk *b = &list->blk[list->n];
    int rc = pvh_virtio_blk_init(b, err);

    if (rc)
        return rc;
    list->devs[list->n++] = &b->dev;
    return PVH_OK;
}
