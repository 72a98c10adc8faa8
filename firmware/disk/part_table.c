/*
 * The partition table's bookkeeping, shared by the GPT and MBR readers:
 * which partitions are kept when there are more than PVH_PART_MAX, and
 * the names of their kinds.
 */
#include "firmware/disk/partition.h"

const char *pvh_part_kind_name(unsigned kind)
{
    switch (kind) {
    case PVH_PART_ESP:
        return "esp";
    case PVH_PART_XBOOTLDR:
        return "xbootldr";
    default:
        return "other";
    }
}

void pvh_part_keep(struct pvh_part_table *out, const struct pvh_partition *p)
{
    unsigned i;

    out->nr_in_use++;
    if (out->nr < PVH_PART_MAX) {
        out->part[out->nr++] = *p;
        return;
    }
    /* Full: an ESP or XBOOTLDR still gets a place, over a plain one. */
    if (p->kind == PVH_PART_OTHER)
        return;
    for (i = PVH_PART_MAX; i-- > 0;) {
        if (out->part[i].kind == PVH_PART_OTHER) {
            out->part[i] = *p;
            return;
        }
    }
}
