/* The list of disks the transports fill (disk.h). */
#include "firmware/disk/disk.h"

#include "common/lib/string.h"

int pvh_disk_add(struct pvh_disk_list *list, const struct pvh_virtio_transport *t,
                 struct pvh_error *err)
{
    struct pvh_virtio_blk *b = &list->blk[list->n];
    int rc;

    if (list->n == PVH_DISK_MAX)
        return pvh_fail(err, PVH_E2BIG, "disks: more than %u", PVH_DISK_MAX);
    memset(b, 0, sizeof(*b));
    b->t = *t;
    rc = pvh_virtio_blk_init(b, err);
    if (rc)
        return rc;
    list->devs[list->n++] = &b->dev;
    return PVH_OK;
}
