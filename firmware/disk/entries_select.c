/*
 * Choosing the entry to boot and describing what to load: pvhboot.entry=
 * first, then loader.conf's default pattern, then the first in order.
 */
#include "firmware/disk/entries.h"

#include <pvhboot/console.h>

#include "common/lib/string.h"
#include "firmware/disk/uki.h"
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

static int set_path(struct pvh_disk_file *f, unsigned fs, const char *fmt, const char *a,
                    const char *b, struct pvh_error *err)
{
    f->fs = (uint8_t)fs;
    if (pvh_snprintf(f->path, sizeof(f->path), fmt, a, b) >= sizeof(f->path))
        return pvh_fail(err, PVH_E2BIG, "path %s%s: too long", a, b);
    return PVH_OK;
}

/* The whole of the file at f->path: its size. */
static int whole_file(struct pvh_disk_work *w, struct pvh_disk_file *f, const char *path,
                      struct pvh_error *err)
{
    int rc = set_path(f, f->fs, "%s%s", path, "", err);

    if (rc == PVH_OK)
        rc = pvh_fat_lookup(&w->fs[f->fs], f->path, &w->node, err);
    if (rc == PVH_OK && w->node.is_dir)
        rc = pvh_fail(err, PVH_EINVAL, "%s: a directory", f->path);
    f->offset = 0;
    f->size = w->node.size;
    return rc;
}

static int append(char *dst, size_t size, const char *src, struct pvh_error *err)
{
    size_t have = strlen(dst), n = strlen(src), sep = have && n ? 1 : 0;

    if (have + sep + n >= size)
        return pvh_fail(err, PVH_E2BIG, "cmdline: %zu bytes (at most %zu)", have + sep + n,
                        size - 1);
    if (sep)
        dst[have++] = ' ';
    memcpy(dst + have, src, n + 1);
    return PVH_OK;
}

static int describe_conf(struct pvh_disk_work *w, const struct pvh_disk_entry *e,
                         const char *vmm, struct pvh_disk_boot *out, struct pvh_error *err)
{
    struct pvh_bls_entry *b = &w->bls;
    struct pvh_fat *fs = &w->fs[e->fs];
    char path[PVH_BLS_PATH_MAX];
    uint64_t len;
    unsigned i;
    int rc;

    pvh_snprintf(path, sizeof(path), "/loader/entries/%s.conf", e->id);
    rc = pvh_fat_lookup(fs, path, &w->node, err);
    if (rc == PVH_OK)
        rc = pvh_fat_read_file(fs, &w->node, w->file, PVH_BLS_FILE_MAX, &len, err);
    if (rc == PVH_OK)
        rc = pvh_bls_parse(w->file, (size_t)len, b, err);
    out->kernel.fs = e->fs;
    if (rc == PVH_OK)
        rc = whole_file(w, &out->kernel, b->linux_path, err);
    for (i = 0; rc == PVH_OK && i < b->nr_initrd; i++) {
        out->initrd[i].fs = e->fs;
        rc = whole_file(w, &out->initrd[i], b->initrd[i], err);
        out->nr_initrd = i + 1;
    }
    out->devicetree.fs = e->fs;
    out->has_devicetree = b->devicetree[0] != '\0';
    if (rc == PVH_OK && out->has_devicetree)
        rc = whole_file(w, &out->devicetree, b->devicetree, err);
    if (rc == PVH_OK)
        rc = append(out->cmdline, sizeof(out->cmdline), b->options, err);
    if (rc == PVH_OK)
        rc = append(out->cmdline, sizeof(out->cmdline), vmm, err);
    return rc;
}

static void section(struct pvh_disk_file *f, const struct pvh_disk_file *uki,
                    const struct pvh_uki_section *s)
{
    *f = *uki;
    f->offset = s->offset;
    f->size = s->size;
}

/* A UKI's .cmdline: its text up to the first NUL, trailing blanks removed. */
static int uki_cmdline(struct pvh_disk_work *w, const struct pvh_disk_file *kernel,
                       const struct pvh_uki_section *s, char *out, size_t size,
                       struct pvh_error *err)
{
    size_t n = s->size < size - 1 ? (size_t)s->size : size;
    int rc;

    if (n >= size)
        return pvh_fail(err, PVH_E2BIG, "UKI .cmdline: %llu bytes (at most %zu)",
                        (unsigned long long)s->size, size - 1);
    rc = pvh_fat_read_at(&w->fs[kernel->fs], &w->node, s->offset, out, n, err);
    out[rc == PVH_OK ? n : 0] = '\0';
    n = strnlen(out, n);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '\r'))
        n--;
    out[n] = '\0';
    return rc;
}

static int describe_uki(struct pvh_disk_work *w, const struct pvh_disk_entry *e, const char *vmm,
                        struct pvh_disk_boot *out, struct pvh_error *err)
{
    struct pvh_fat *fs = &w->fs[e->fs];
    struct pvh_disk_file uki;
    struct pvh_uki u;
    uint64_t head;
    int rc;

    uki.fs = e->fs;
    rc = set_path(&uki, e->fs, "/EFI/Linux/%s%s", e->id, ".efi", err);
    if (rc == PVH_OK)
        rc = pvh_fat_lookup(fs, uki.path, &w->node, err);
    head = w->node.size < PVH_UKI_HEAD_MAX ? w->node.size : PVH_UKI_HEAD_MAX;
    if (rc == PVH_OK)
        rc = pvh_fat_read_at(fs, &w->node, 0, w->file, head, err);
    if (rc == PVH_OK)
        rc = pvh_uki_parse((const uint8_t *)w->file, (size_t)head, w->node.size, &u, err);
    if (rc)
        return rc;
    section(&out->kernel, &uki, &u.linux_);
    if (u.initrd.present)
        section(&out->initrd[out->nr_initrd++], &uki, &u.initrd);
    out->has_devicetree = u.dtb.present;
    if (u.dtb.present)
        section(&out->devicetree, &uki, &u.dtb);
    /* systemd-stub's rule with Secure Boot on, the only one pvhboot can
     * keep (it has no Secure Boot to ask): an embedded .cmdline is the
     * command line; the loader's is used only when there is none. */
    if (u.cmdline.present)
        return uki_cmdline(w, &uki, &u.cmdline, out->cmdline, sizeof(out->cmdline), err);
    return append(out->cmdline, sizeof(out->cmdline), vmm, err);
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
    char why[sizeof(err->msg)];
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
    rc = e->type == 2 ? describe_uki(w, e, vmm_cmdline ? vmm_cmdline : "", out, err)
                      : describe_conf(w, e, vmm_cmdline ? vmm_cmdline : "", out, err);
    if (rc) {
        memcpy(why, err->msg, sizeof(why));
        return pvh_fail(err, rc, "entry %s: %.150s", e->id, why);
    }
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
