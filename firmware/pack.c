/*
 * The packed payload descriptor and its reader for position-independent
 * images (arm64). The x86 firmware reads its absolute descriptor against
 * the memory map (firmware/firmware.c).
 */
#include "firmware/pack.h"

#include <pvhboot/console.h>

#include "common/boot/options.h"
#include "common/lib/string.h"

const volatile struct pvh_pack pvh_pack __attribute__((section(".pvhboot_pack"), used, aligned(8))) = {
    .magic = PVH_PACK_MAGIC,
    .version = PVH_PACK_VERSION,
};

static unsigned add_range(struct pvh_range *r, unsigned n, uint64_t base, uint64_t size)
{
    uint64_t end = base + size;

    r[n] = (struct pvh_range){ base, end < base ? UINT64_MAX : end };
    return n + 1;
}

unsigned pvh_pack_ranges(struct pvh_range *r)
{
    const volatile struct pvh_pack *p = &pvh_pack;
    unsigned i, n = 0, nr;

    if (p->flags & PVH_PACK_RELATIVE)
        return 0;
    if (p->cmdline_pa)
        n = add_range(r, n, p->cmdline_pa, PVH_CMDLINE_MAX + 1);
    nr = p->nr_modules < PVH_PACK_MAX_MODULES ? p->nr_modules : PVH_PACK_MAX_MODULES;
    for (i = 0; i < nr; i++) {
        n = add_range(r, n, p->modules[i].base, p->modules[i].size);
        if (p->modules[i].cmdline_pa)
            n = add_range(r, n, p->modules[i].cmdline_pa, PVH_MODULE_CMDLINE_MAX + 1);
    }
    return n;
}

/* [off, off + size) inside the packed part [own, image_size). */
static bool in_packed_part(uint64_t off, uint64_t size, uint64_t own, uint64_t image_size)
{
    return off >= own && off <= image_size && size <= image_size - off;
}

/* A string at offset off: it must end before image_size, within max bytes. */
static int packed_string(uint64_t base, uint64_t off, uint64_t own, uint64_t image_size,
                         size_t max, const char *what, const char **out, struct pvh_error *err)
{
    const char *s = (const char *)(uintptr_t)(base + off);
    uint64_t room, n;

    if (!in_packed_part(off, 1, own, image_size))
        return pvh_fail(err, PVH_ERANGE, "packed %s at offset 0x%llx: outside the packed part "
                        "0x%llx-0x%llx of the image", what, (unsigned long long)off,
                        (unsigned long long)own, (unsigned long long)image_size);
    room = image_size - off;
    for (n = 0; n < room && n <= max; n++)
        if (!s[n]) {
            *out = s;
            return PVH_OK;
        }
    return pvh_fail(err, PVH_EINVAL, "packed %s at offset 0x%llx: not terminated within %llu bytes",
                    what, (unsigned long long)off,
                    (unsigned long long)(room < max + 1 ? room : max + 1));
}

static int packed_module(const struct pvh_pack_module *pm, unsigned i, uint64_t base, uint64_t own,
                         uint64_t image_size, struct pvh_packed *out, struct pvh_error *err)
{
    struct pvh_module *m = &out->mods[i];
    unsigned j;

    if (!pm->size)
        return pvh_fail(err, PVH_EINVAL, "packed module %u at offset 0x%llx: size 0", i,
                        (unsigned long long)pm->base);
    if (!in_packed_part(pm->base, pm->size, own, image_size))
        return pvh_fail(err, PVH_ERANGE, "packed module %u at offset 0x%llx size 0x%llx: outside "
                        "the packed part 0x%llx-0x%llx of the image", i,
                        (unsigned long long)pm->base, (unsigned long long)pm->size,
                        (unsigned long long)own, (unsigned long long)image_size);
    *m = (struct pvh_module){ .base = base + pm->base, .size = pm->size, .cmdline = "" };
    for (j = 0; j < i; j++)
        if (m->base < out->mods[j].base + out->mods[j].size &&
            out->mods[j].base < m->base + m->size)
            return pvh_fail(err, PVH_EOVERLAP, "packed module %u at offset 0x%llx overlaps "
                            "packed module %u", i, (unsigned long long)pm->base, j);
    if (pm->cmdline_pa)
        return packed_string(base, pm->cmdline_pa, own, image_size, PVH_MODULE_CMDLINE_MAX,
                             "module cmdline", &m->cmdline, err);
    return PVH_OK;
}

int pvh_pack_read_relative(const struct pvh_pack *d, uint64_t base, uint64_t own,
                           uint64_t image_size, struct pvh_packed *out, struct pvh_error *err)
{
    unsigned i;
    int rc;

    *out = (struct pvh_packed){ 0 };
    if (memcmp(d->magic, PVH_PACK_MAGIC, 8) || d->version != PVH_PACK_VERSION)
        return pvh_fail(err, PVH_EINVAL, "packed descriptor: bad magic or version %u", d->version);
    if (!d->nr_modules && !d->cmdline_pa)
        return PVH_OK;
    if (!(d->flags & PVH_PACK_RELATIVE))
        return pvh_fail(err, PVH_EINVAL, "packed descriptor: flags 0x%x, expected offsets "
                        "(0x%x) in a position-independent image", d->flags, PVH_PACK_RELATIVE);
    if (d->flags & ~(uint32_t)(PVH_PACK_KERNEL | PVH_PACK_RELATIVE | PVH_PACK_CMDLINE_MASK))
        return pvh_fail(err, PVH_EINVAL, "packed descriptor: unknown flags 0x%x", d->flags);
    if (d->nr_modules > PVH_PACK_MAX_MODULES)
        return pvh_fail(err, PVH_E2BIG, "packed descriptor: %u modules, at most %u",
                        d->nr_modules, PVH_PACK_MAX_MODULES);
    if ((d->flags & PVH_PACK_KERNEL) && !d->nr_modules)
        return pvh_fail(err, PVH_EINVAL, "packed descriptor: a kernel flagged, none packed");
    if (own > image_size)
        return pvh_fail(err, PVH_EINVAL, "image_size 0x%llx: smaller than the image's own 0x%llx",
                        (unsigned long long)image_size, (unsigned long long)own);
    if (base + image_size < base)
        return pvh_fail(err, PVH_ERANGE, "image at 0x%llx size 0x%llx: wraps past 2^64",
                        (unsigned long long)base, (unsigned long long)image_size);
    for (i = 0; i < d->nr_modules; i++) {
        rc = packed_module(&d->modules[i], i, base, own, image_size, out, err);
        if (rc)
            return rc;
    }
    if (d->cmdline_pa) {
        rc = packed_string(base, d->cmdline_pa, own, image_size, PVH_CMDLINE_MAX, "cmdline",
                           &out->cmdline, err);
        if (rc)
            return rc;
    }
    out->flags = d->flags;
    out->nr = d->nr_modules;
    return PVH_OK;
}

const char *pvh_pack_cmdline_mode_name(uint32_t flags)
{
    switch (flags & PVH_PACK_CMDLINE_MASK) {
    case PVH_PACK_CMDLINE_FALLBACK: return "fallback";
    case PVH_PACK_CMDLINE_APPEND:   return "append";
    case PVH_PACK_CMDLINE_REPLACE:  return "replace";
    }
    return NULL;
}

/* The packed cmdline and the loader's together: len bytes, more than max. */
static int too_long(struct pvh_error *err, size_t len, size_t max)
{
    return pvh_fail(err, PVH_E2BIG, "packed cmdline and the loader's: %zu bytes, longer than %zu",
                    len, max);
}

int pvh_pack_cmdline(uint32_t flags, const char *packed, const char *loader, char *out,
                     size_t size, char *buf, size_t buf_size, const char **options,
                     struct pvh_error *err)
{
    uint32_t mode = flags & PVH_PACK_CMDLINE_MASK;
    size_t theirs, ours, both;

    if (mode == PVH_PACK_CMDLINE_MASK) /* the fourth value, which has no name */
        return pvh_fail(err, PVH_EINVAL, "packed cmdline mode 0x%x: not fallback (0), append "
                        "(0x4) or replace (0x8)", mode);
    theirs = pvh_cmdline_strip_options(out, size, loader);
    if (theirs == (size_t)-1)
        return pvh_fail(err, PVH_E2BIG, "cmdline: longer than %zu bytes", size - 1);
    *options = loader;
    if (!packed || (mode == PVH_PACK_CMDLINE_FALLBACK && theirs))
        return PVH_OK;
    /* The packed words, stripped, in buf for a moment. */
    ours = pvh_cmdline_strip_options(buf, buf_size, packed);
    if (ours == (size_t)-1 || ours >= size)
        return pvh_fail(err, PVH_E2BIG, "packed cmdline: longer than %zu bytes", size - 1);
    if (mode != PVH_PACK_CMDLINE_APPEND || !theirs) {
        memcpy(out, buf, ours + 1);
    } else if (ours) {
        if (ours + 1 + theirs >= size)
            return too_long(err, ours + 1 + theirs, size - 1);
        memmove(out + ours + 1, out, theirs + 1);
        memcpy(out, buf, ours);
        out[ours] = ' ';
    }
    both = pvh_snprintf(buf, buf_size, "%s %s", packed, loader);
    if (both >= buf_size)
        return too_long(err, both, buf_size - 1);
    *options = buf;
    return PVH_OK;
}
