/*
 * Choosing the entry to boot and describing what to load: pvhboot.entry=
 * first, then loader.conf's default pattern, then the first in order.
 */
#include "firmware/disk/entries.h"

#include <pvhboot/console.h>

#include "common/lib/string.h"
#include "firmware/disk/version.h"

static const char *suffix_of(const struct pvh_disk_entry *e)
{
    return e->type == 2 ? ".efi" : ".conf";
}

/* The entry's file name: its id and suffix. */
static void file_name(const struct pvh_disk_entry *e, char *out, size_t size)
{
    pvh_snprintf(out, size, "%s%s", e->id, suffix_of(e));
}

static int find_wanted(const struct pvh_disk_work *w, const char *want, struct pvh_error *err)
{
    char name[PVH_DISK_ID_MAX + 8];
    unsigned i;

    for (i = 0; i < w->nr_entries; i++) {
        file_name(&w->entries[i], name, sizeof(name));
        if (!strcmp(w->entries[i].id, want) || !strcmp(name, want))
            return (int)i;
    }
    for (i = 0; i < w->nr_entries; i++)
        if (!strcmp(w->entries[i].title, want))
            return (int)i;
    return pvh_fail(err, PVH_ENOENT, "pvhboot.entry=%s: no such entry (an id, file name or "
                    "title)", want);
}

static unsigned find_default(const struct pvh_disk_work *w)
{
    char name[PVH_DISK_ID_MAX + 8];
    unsigned i;

    if (!w->default_pattern[0])
        return 0;
    for (i = 0; i < w->nr_entries; i++) {
        file_name(&w->entries[i], name, sizeof(name));
        if (pvh_glob_match(w->default_pattern, w->entries[i].id) ||
            pvh_glob_match(w->default_pattern, name))
            return i;
    }
    pvh_info("disk: default \"%pE\" matches no entry: the first in order", w->default_pattern);
    return 0;
}

static void print_file(const char *what, const struct pvh_disk_file *f, bool range)
{
    if (range)
        pvh_info("boot: %s %s:%pE offset %llu size %llu", what, pvh_disk_fs_name(f->fs),
                 f->path, (unsigned long long)f->offset, (unsigned long long)f->size);
    else
        pvh_info("boot: %s %s:%pE size %llu", what, pvh_disk_fs_name(f->fs), f->path,
                 (unsigned long long)f->size);
}

static void print_boot(const struct pvh_disk_boot *b)
{
    unsigned i;
    bool range = b->type == 2;

    pvh_info("boot: \"%pE\" type %u title \"%pE\"", b->id, b->type, b->title);
    print_file("kernel", &b->kernel, range);
    for (i = 0; i < b->nr_initrd; i++)
        print_file("initrd", &b->initrd[i], range);
    if (b->has_devicetree)
        print_file("devicetree", &b->devicetree, range);
    pvh_info("boot: cmdline \"%pE\"", b->cmdline);
}

int pvh_disk_select(struct pvh_disk_work *w, const char *want, const char *vmm_cmdline,
                    struct pvh_disk_boot *out, struct pvh_error *err)
{
    const struct pvh_disk_entry *e;
    int i, rc;

    memset(out, 0, sizeof(*out));
    if (!w->nr_entries)
        return pvh_fail(err, PVH_ENOENT, "disk %s: no boot entries", w->dev->name);
    if (want && *want) {
        i = find_wanted(w, want, err);
        if (i < 0)
            return i;
    } else {
        i = (int)find_default(w);
    }
    e = &w->entries[i];
    memcpy(out->id, e->id, sizeof(out->id));
    memcpy(out->title, e->title, sizeof(out->title));
    out->type = e->type;
    rc = pvh_disk_entry_describe(w, e, vmm_cmdline ? vmm_cmdline : "", out, err);
    if (rc)
        return rc;
    print_boot(out);
    return PVH_OK;
}

int pvh_disk_read(struct pvh_disk_work *w, const struct pvh_disk_file *f, void *buf,
                  struct pvh_error *err)
{
    int rc;

    if (f->fs >= PVH_DISK_NR_FS || !w->mounted[f->fs])
        return pvh_fail(err, PVH_EINVAL, "%s: no such volume", f->path);
    rc = pvh_fat_lookup(&w->fs[f->fs], f->path, &w->node, err);
    if (rc == PVH_OK)
        rc = pvh_fat_read_at(&w->fs[f->fs], &w->node, f->offset, buf, f->size, err);
    return rc;
}
