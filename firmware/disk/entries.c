/*
 * Finding a disk's boot entries: partitions, the ESP's and XBOOTLDR's
 * FAT volumes, the type #1 and type #2 entries on them, in order.
 */
#include "firmware/disk/entries.h"

#include <pvhboot/console.h>

#include "common/lib/string.h"
#include "firmware/disk/uki.h"
#include "firmware/disk/version.h"

#define ENTRIES_DIR "/loader/entries"
#define UKI_DIR "/EFI/Linux"

const char *pvh_disk_fs_name(unsigned fs)
{
    return fs == PVH_DISK_XBOOTLDR ? "xbootldr" : "esp";
}

/* The Boot Loader Specification's order: entries with a sort-key first,
 * by sort-key, machine-id, then version (newest first); then all by file
 * name, in decreasing version order. */
int pvh_disk_entry_cmp(const struct pvh_disk_entry *a, const struct pvh_disk_entry *b)
{
    bool ka = a->sort_key[0] != '\0', kb = b->sort_key[0] != '\0';
    int r;

    if (ka != kb)
        return ka ? -1 : 1;
    if (ka) {
        r = strcmp(a->sort_key, b->sort_key);
        if (!r)
            r = strcmp(a->machine_id, b->machine_id);
        if (!r)
            r = -pvh_version_cmp(a->version, b->version);
        if (r)
            return r;
    }
    r = -pvh_version_cmp(a->id, b->id);
    if (!r)
        r = strcmp(a->id, b->id);
    if (!r)
        r = (int)a->type - (int)b->type;
    return r;
}

/* Insert e in order; when the list is full, the last in order drops out. */
void pvh_disk_entry_keep(struct pvh_disk_work *w, const struct pvh_disk_entry *e)
{
    unsigned lo = 0, hi = w->nr_entries, mid;

    w->nr_seen++;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (pvh_disk_entry_cmp(&w->entries[mid], e) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == PVH_DISK_ENTRIES_MAX)
        return;
    if (w->nr_entries == PVH_DISK_ENTRIES_MAX)
        w->nr_entries--;
    memmove(&w->entries[lo + 1], &w->entries[lo],
            (w->nr_entries - lo) * sizeof(w->entries[0]));
    w->entries[lo] = *e;
    w->nr_entries++;
}

/* Does name end in suffix (any case)? Then its length without it in *n. */
static bool has_suffix(const char *name, const char *suffix, size_t *n)
{
    size_t ln = strlen(name), ls = strlen(suffix);

    *n = ln - ls;
    return ln > ls && pvh_same_name(name + *n, suffix, ls);
}

static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* One entry file, met by the scan (out NULL: its faults pass it over
 * with a line, and a good one is kept) or named by the choice (out: its
 * faults fail, and its files and command line are described in out). */
struct walk {
    struct pvh_disk_work *w;
    unsigned fs;
    const char *dir;
    struct pvh_error *err;
    bool dry;               /* the walk that only checks the directory ends */
    struct pvh_disk_boot *out;
    const char *vmm;
};

static int skip(const struct walk *k, const char *name, const char *why)
{
    char copy[sizeof(k->err->msg)];

    if (k->out) {
        copy_text(copy, sizeof(copy), why);
        return pvh_fail(k->err, PVH_EINVAL, "entry %s: %.150s", k->out->id, copy);
    }
    pvh_info("disk: skip %s:%s/%pE: %pE", pvh_disk_fs_name(k->fs), k->dir, name, why);
    return PVH_OK;
}

/* Is path there, on this volume, as a file? Then, for the choice, it is
 * the file at byte at of k->out. */
static int check_file(const struct walk *k, const char *key, const char *path,
                      const char *name, size_t at)
{
    struct pvh_fat_node *n = &k->w->node;
    char why[PVH_BLS_PATH_MAX + 64];
    int rc = pvh_fat_lookup(&k->w->fs[k->fs], path, n, k->err);

    if (rc == PVH_OK && !n->is_dir) {
        if (k->out) {
            struct pvh_disk_file *to = (struct pvh_disk_file *)(void *)((char *)k->out + at);

            to->fs = (uint8_t)k->fs;
            copy_text(to->path, sizeof(to->path), path);
            to->offset = 0;
            to->size = n->size;
        }
        return PVH_OK;
    }
    pvh_snprintf(why, sizeof(why), "%s %s: %s", key, path,
                 rc == PVH_OK ? "a directory" : k->err->msg);
    rc = skip(k, name, why);
    return rc ? rc : PVH_ENOENT;
}

/* A command line (what) of n bytes, longer than the boot's room. */
static int too_long(const struct walk *k, const char *name, const char *what, uint64_t n)
{
    pvh_fail(k->err, PVH_E2BIG, "%s: %llu bytes (at most %zu)", what, (unsigned long long)n,
             sizeof(k->out->cmdline) - 1);
    return skip(k, name, k->err->msg);
}

static int append(const struct walk *k, const char *name, const char *src)
{
    size_t total = pvh_bls_join(k->out->cmdline, sizeof(k->out->cmdline), src, strlen(src));

    return total ? too_long(k, name, "cmdline", total) : PVH_OK;
}

/* The entry file name (its id idlen bytes long) kept, its title,
 * version, machine-id and sort-key the ones in w->bls (the title the id
 * when it has none). */
_Static_assert(offsetof(struct pvh_disk_entry, sort_key) - offsetof(struct pvh_disk_entry, title) ==
               offsetof(struct pvh_bls_entry, sort_key) - offsetof(struct pvh_bls_entry, title) &&
               offsetof(struct pvh_bls_entry, sort_key) ==
               offsetof(struct pvh_bls_entry, title) + (size_t)3 * PVH_BLS_TEXT_MAX,
               "an entry's four texts lie as the BLS entry's do");
static void keep(const struct walk *k, const char *name, size_t idlen, uint8_t type)
{
    const struct pvh_bls_entry *b = &k->w->bls;
    struct pvh_disk_entry e;

    memset(&e, 0, sizeof(e));
    memcpy(e.id, name, idlen);
    memcpy((char *)&e + offsetof(struct pvh_disk_entry, title),
           (const char *)b + offsetof(struct pvh_bls_entry, title), (size_t)4 * PVH_BLS_TEXT_MAX);
    if (!e.title[0])
        copy_text(e.title, sizeof(e.title), e.id);
    e.type = type;
    e.fs = (uint8_t)k->fs;
    pvh_disk_entry_keep(k->w, &e);
}

static int conf_entry(const struct walk *k, const struct pvh_fat_node *f, size_t idlen)
{
    struct pvh_disk_work *w = k->w;
    struct pvh_bls_entry *b = &w->bls;
    struct pvh_disk_boot *out = k->out;
    uint64_t len;
    unsigned i;
    int rc;

    if (pvh_fat_read_file(&w->fs[k->fs], f, w->file, PVH_BLS_FILE_MAX, &len, k->err) ||
        pvh_bls_parse(w->file, (size_t)len, b, k->err))
        return skip(k, f->name, k->err->msg);
    if (!pvh_bls_arch_ok(b))
        return skip(k, f->name, "for another architecture");
    if (!b->linux_path[0])
        return skip(k, f->name, "no 'linux' key");
    rc = check_file(k, "linux", b->linux_path, f->name, offsetof(struct pvh_disk_boot, kernel));
    for (i = 0; rc == PVH_OK && i < b->nr_initrd; i++)
        rc = check_file(k, "initrd", b->initrd[i], f->name,
                        offsetof(struct pvh_disk_boot, initrd) + i * sizeof(out->initrd[0]));
    if (rc == PVH_OK && b->devicetree[0])
        rc = check_file(k, "devicetree", b->devicetree, f->name,
                        offsetof(struct pvh_disk_boot, devicetree));
    if (rc)
        return out ? rc : PVH_OK;
    if (out) {
        out->nr_initrd = b->nr_initrd;
        out->has_devicetree = b->devicetree[0] != '\0';
        rc = append(k, f->name, b->options);
        return rc ? rc : append(k, f->name, k->vmm);
    }
    keep(k, f->name, idlen, 1);
    return PVH_OK;
}

/* A UKI's section as a file to load: a byte range of the UKI's. */
static void section(struct pvh_disk_file *f, const struct pvh_disk_file *uki,
                    const struct pvh_uki_section *s)
{
    *f = *uki;
    f->offset = s->offset;
    f->size = s->size;
}

/* The chosen UKI's sections (out->kernel names the UKI), and its command
 * line: systemd-stub's rule with Secure Boot on, the only one pvhboot
 * can keep (it has no Secure Boot to ask): an embedded .cmdline is the
 * command line, its text up to the first NUL, trailing blanks removed;
 * the loader's is used only when there is none. */
static int uki_describe(const struct walk *k, const struct pvh_fat_node *f,
                        const struct pvh_uki *u)
{
    struct pvh_disk_boot *out = k->out;
    const struct pvh_uki_section *s = &u->cmdline;
    size_t n = (size_t)s->size;

    if (u->initrd.present)
        section(&out->initrd[out->nr_initrd++], &out->kernel, &u->initrd);
    out->has_devicetree = u->dtb.present;
    if (u->dtb.present)
        section(&out->devicetree, &out->kernel, &u->dtb);
    out->kernel.offset = u->linux_.offset;
    out->kernel.size = u->linux_.size;
    if (!s->present)
        return append(k, f->name, k->vmm);
    if (s->size >= sizeof(out->cmdline))
        return too_long(k, f->name, "UKI .cmdline", s->size);
    if (pvh_fat_read_at(&k->w->fs[k->fs], f, s->offset, out->cmdline, n, k->err))
        return skip(k, f->name, k->err->msg);
    out->cmdline[n] = '\0';
    n = strnlen(out->cmdline, n);
    while (n && (out->cmdline[n - 1] == '\n' || out->cmdline[n - 1] == ' ' ||
                 out->cmdline[n - 1] == '\r'))
        n--;
    out->cmdline[n] = '\0';
    return PVH_OK;
}

/* The os-release keys a UKI's entry takes, each after the digit of its
 * text (0 title, 1 version, 3 sort-key), a text taken only while empty:
 * systemd-boot's sort key for a UKI is IMAGE_ID, else ID. */
#define OSREL_KEYS "0PRETTY_NAME\0" "1VERSION_ID\0" "3IMAGE_ID\0" "3ID\0"
_Static_assert(offsetof(struct pvh_bls_entry, version) ==
               offsetof(struct pvh_bls_entry, title) + PVH_BLS_TEXT_MAX &&
               offsetof(struct pvh_bls_entry, sort_key) ==
               offsetof(struct pvh_bls_entry, title) + (size_t)3 * PVH_BLS_TEXT_MAX,
               "title, version and sort-key at 0, 1 and 3 texts");

static int uki_entry(const struct walk *k, const struct pvh_fat_node *f, size_t idlen)
{
    struct pvh_disk_work *w = k->w;
    struct pvh_fat *fs = &w->fs[k->fs];
    uint64_t head = f->size < PVH_UKI_HEAD_MAX ? f->size : PVH_UKI_HEAD_MAX;
    struct pvh_bls_entry *b = &w->bls;
    struct pvh_uki u;
    char *text = w->file;
    const char *key;

    if (pvh_fat_read_at(fs, f, 0, w->file, head, k->err) ||
        pvh_uki_parse((const uint8_t *)w->file, (size_t)head, f->size, &u, k->err))
        return skip(k, f->name, k->err->msg);
    if (u.machine != pvh_uki_machine())
        return skip(k, f->name, "for another architecture");
    if (k->out)
        return uki_describe(k, f, &u);
    memset(b, 0, sizeof(*b));
    if (u.osrel.present && u.osrel.size <= PVH_BLS_FILE_MAX) {
        if (pvh_fat_read_at(fs, f, u.osrel.offset, text, u.osrel.size, k->err))
            return skip(k, f->name, k->err->msg);
        for (key = OSREL_KEYS; *key; key += strlen(key) + 1) {
            char *to = (char *)b + offsetof(struct pvh_bls_entry, title) +
                       (size_t)(key[0] - '0') * PVH_BLS_TEXT_MAX;

            if (!to[0])
                pvh_osrel_get(text, (size_t)u.osrel.size, key + 1, to, PVH_BLS_TEXT_MAX);
        }
    }
    keep(k, f->name, idlen, 2);
    return PVH_OK;
}

static int one_file(void *ctx, const struct pvh_fat_node *f)
{
    struct walk *k = ctx;
    bool uki = !strcmp(k->dir, UKI_DIR);
    size_t idlen;

    if (k->dry || f->is_dir || !has_suffix(f->name, uki ? ".efi" : ".conf", &idlen))
        return PVH_OK;
    if (idlen >= PVH_DISK_ID_MAX)
        return skip(k, f->name, "name too long");
    return uki ? uki_entry(k, f, idlen) : conf_entry(k, f, idlen);
}

/* An id and its directory and suffix always fit a path. */
_Static_assert(PVH_DISK_ID_MAX + sizeof(ENTRIES_DIR "/.conf") <= PVH_BLS_PATH_MAX,
               "an entry's path fits a struct pvh_disk_file's");

int pvh_disk_entry_describe(struct pvh_disk_work *w, const struct pvh_disk_entry *e,
                            const char *vmm, struct pvh_disk_boot *out, struct pvh_error *err)
{
    const char *dir = e->type == 2 ? UKI_DIR : ENTRIES_DIR;
    struct walk k = { w, e->fs, dir, err, false, out, vmm };
    struct pvh_fat_node f;

    out->kernel.fs = e->fs;
    pvh_snprintf(out->kernel.path, sizeof(out->kernel.path), "%s/%s%s", dir, e->id,
                 e->type == 2 ? ".efi" : ".conf");
    if (pvh_fat_lookup(&w->fs[e->fs], out->kernel.path, &f, err))
        return skip(&k, e->id, err->msg);
    return e->type == 2 ? uki_entry(&k, &f, 0) : conf_entry(&k, &f, 0);
}

/* The directory's entries. It is walked twice: whole first, taking
 * nothing, so that one that does not end (a loop in its chain) gives no
 * entries, rather than the same ones again and again until the walk's
 * bound; then for its entries. */
static int walk_dir(struct pvh_disk_work *w, unsigned fs, const char *dir,
                    struct pvh_error *err)
{
    struct pvh_fat_node d;
    struct pvh_error sub;
    struct walk k = { w, fs, dir, &sub, true, NULL, NULL };
    int rc = pvh_fat_lookup(&w->fs[fs], dir, &d, err);

    if (rc == PVH_ENOENT)
        return PVH_OK;
    if (rc == PVH_OK)
        rc = pvh_fat_list(&w->fs[fs], &d, one_file, &k, err);
    k.dry = false;
    if (rc == PVH_OK)
        rc = pvh_fat_list(&w->fs[fs], &d, one_file, &k, err);
    if (rc)
        pvh_info("disk: skip %s:%s: %pE", pvh_disk_fs_name(fs), dir, err->msg);
    return PVH_OK;
}

static void mount_boot_partitions(struct pvh_disk_work *w, struct pvh_error *err)
{
    unsigned i, fs;

    for (i = 0; i < w->parts.nr; i++) {
        const struct pvh_partition *p = &w->parts.part[i];

        if (p->kind == PVH_PART_OTHER)
            continue;
        fs = p->kind == PVH_PART_ESP ? PVH_DISK_ESP : PVH_DISK_XBOOTLDR;
        if (w->mounted[fs])
            continue;
        if (pvh_fat_mount(&w->fs[fs], w->dev, p->first_lba, p->sectors, err)) {
            pvh_info("disk: skip partition %u: %pE", p->number, err->msg);
            continue;
        }
        w->mounted[fs] = true;
        pvh_info("disk: partition %u %s fat%u", p->number, pvh_disk_fs_name(fs),
                 w->fs[fs].type);
    }
}

static void read_loader_conf(struct pvh_disk_work *w, struct pvh_error *err)
{
    struct pvh_fat *fs = &w->fs[PVH_DISK_ESP];
    uint64_t len;

    if (!w->mounted[PVH_DISK_ESP] ||
        pvh_fat_lookup(fs, "/loader/loader.conf", &w->node, err) == PVH_ENOENT)
        return;
    if (pvh_fat_read_file(fs, &w->node, w->file, PVH_BLS_FILE_MAX, &len, err) ||
        pvh_bls_loader_default(w->file, (size_t)len, w->default_pattern,
                               sizeof(w->default_pattern), err)) {
        pvh_info("disk: skip %s:%s: %pE", "esp", "/loader/loader.conf", err->msg);
        w->default_pattern[0] = '\0';
        return;
    }
    if (w->default_pattern[0])
        pvh_info("disk: default \"%pE\"", w->default_pattern);
}

static void print_partitions(const struct pvh_disk_work *w)
{
    unsigned i;

    pvh_info("disk: %s sectors %llu %s partitions %u", w->dev->name,
             (unsigned long long)w->dev->sectors,
             w->parts.scheme == PVH_SCHEME_GPT ? "gpt" : "mbr", w->parts.nr_in_use);
    if (w->parts.note[0])
        pvh_info("disk: %s: %pE", w->dev->name, w->parts.note);
    for (i = 0; i < w->parts.nr; i++)
        pvh_info("disk: partition %u lba %llu sectors %llu %s", w->parts.part[i].number,
                 (unsigned long long)w->parts.part[i].first_lba,
                 (unsigned long long)w->parts.part[i].sectors,
                 pvh_part_kind_name(w->parts.part[i].kind));
}

static void print_entries(const struct pvh_disk_work *w)
{
    unsigned i;

    for (i = 0; i < w->nr_entries; i++) {
        const struct pvh_disk_entry *e = &w->entries[i];

        pvh_info("disk: entry %u \"%pE\" type %u %s title \"%pE\" version \"%pE\"", i + 1,
                 e->id, e->type, pvh_disk_fs_name(e->fs), e->title, e->version);
    }
    if (w->nr_seen > w->nr_entries)
        pvh_info("disk: %u entries, the first %u in order kept", w->nr_seen, w->nr_entries);
}

int pvh_disk_scan(const struct pvh_block_dev *dev, struct pvh_disk_work *w,
                  struct pvh_error *err)
{
    unsigned i;
    int rc;

    w->dev = dev;
    w->nr_entries = w->nr_seen = 0;
    w->default_pattern[0] = '\0';
    w->mounted[0] = w->mounted[1] = false;
    rc = pvh_partitions_read(dev, w->sector, &w->parts, err);
    if (rc)
        return rc;
    print_partitions(w);
    mount_boot_partitions(w, err);
    if (!w->mounted[PVH_DISK_ESP] && !w->mounted[PVH_DISK_XBOOTLDR])
        return pvh_fail(err, PVH_ENOENT, "disk %s: no ESP or XBOOTLDR partition with a FAT "
                        "file system", dev->name);
    /* Each volume's entries, then its UKIs. */
    for (i = 0; i < 2 * PVH_DISK_NR_FS; i++)
        if (w->mounted[i / 2])
            walk_dir(w, i / 2, i % 2 ? UKI_DIR : ENTRIES_DIR, err);
    read_loader_conf(w, err);
    print_entries(w);
    return PVH_OK;
}
