/*
 * Fuzz target: the packed payload descriptor of a position-independent
 * image (firmware/pack.c, arm64 pvhboot.bin after pvhboot-pack).
 *
 * Input: u32 own (the image's own bytes), u32 image_size (at most
 * 4 MiB), the descriptor (struct pvh_pack, missing bytes zero), then the
 * packed part's bytes, placed at offset own of a zeroed image of exactly
 * image_size bytes (ASan reports a read past it).
 *
 * Checked: an accepted descriptor gives at most PVH_PACK_MAX_MODULES
 * non-empty modules, each inside [own, image_size) of the image and
 * overlapping no other; every cmdline (module or default) lies inside
 * that part and ends there within its limit; a kernel flag comes with a
 * module; an unpacked descriptor gives nothing.
 *
 * The same descriptor is then read as the x86 firmware reads its own
 * (pvh_fw_read_pack, absolute addresses): each address below 4 GiB but 0
 * is taken as an offset into the image and made its host address (the
 * others stay as they are: past RAM, wrapping); the image is the one RAM
 * region of the map, its first own bytes pvhboot's memory. Checked: an
 * accepted descriptor gives each module inside RAM and clear of pvhboot's
 * memory, and each module cmdline a copy, within its limit, of the
 * string at the address the descriptor gives, which lies in RAM; a
 * refusal has a message.
 */
#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>

#include "firmware/firmware.h"
#include "firmware/pack.h"
#include "tests/fuzz/fuzz.h"

#define IMAGE_MAX 0x400000u
#define OFFSET_LIMIT 0x100000000ull /* addresses below: offsets into the image */

static void check_string(const char *s, const uint8_t *lo, const uint8_t *hi, size_t max,
                         const char *what)
{
    FUZZ_CHECK((const uint8_t *)s >= lo && (const uint8_t *)s < hi, "%s outside the packed part",
               what);
    FUZZ_CHECK(fuzz_terminated(s, (size_t)(hi - (const uint8_t *)s)), "%s not terminated", what);
    FUZZ_CHECK(strlen(s) <= max, "%s of %zu bytes, limit %zu", what, strlen(s), max);
}

static void check_accepted(const struct pvh_packed *out, const uint8_t *image, uint32_t own,
                           uint32_t image_size)
{
    const uint8_t *lo = image + own, *hi = image + image_size;
    unsigned i, j;

    FUZZ_CHECK(out->nr <= PVH_PACK_MAX_MODULES, "%u modules", out->nr);
    FUZZ_CHECK(!(out->flags & PVH_PACK_KERNEL) || out->nr, "a kernel flag without modules");
    for (i = 0; i < out->nr; i++) {
        const struct pvh_module *m = &out->mods[i];

        FUZZ_CHECK(m->size && m->base >= (uintptr_t)lo && m->base <= (uintptr_t)hi &&
                       m->size <= (uintptr_t)hi - m->base,
                   "module %u at %#llx size %#llx outside the packed part", i,
                   (unsigned long long)(m->base - (uintptr_t)image), (unsigned long long)m->size);
        for (j = 0; j < i; j++)
            FUZZ_CHECK(m->base >= out->mods[j].base + out->mods[j].size ||
                           out->mods[j].base >= m->base + m->size,
                       "modules %u and %u overlap", j, i);
        if (m->cmdline[0])
            check_string(m->cmdline, lo, hi, PVH_MODULE_CMDLINE_MAX, "module cmdline");
    }
    if (out->cmdline)
        check_string(out->cmdline, lo, hi, PVH_CMDLINE_MAX, "cmdline");
}

static uint64_t absolute(uint64_t v, const uint8_t *image)
{
    return v && v < OFFSET_LIMIT ? (uint64_t)(uintptr_t)image + v : v;
}

static void read_absolute(const struct pvh_pack *d, const uint8_t *image, uint32_t own,
                          uint32_t image_size)
{
    static struct pvh_fw fw; /* hundreds of KiB */
    static struct pvh_module packed[PVH_PACK_MAX_MODULES];
    uint64_t lo = (uint64_t)(uintptr_t)image, hi = lo + image_size;
    uint64_t self_end = lo + (own < image_size ? own : image_size);
    struct pvh_region map[1] = { { lo, image_size, E820_TYPE_RAM, 0 } };
    struct pvh_boot boot = { .cmdline = "", .memmap = map, .nr_memmap = 1, .self_base = lo,
                             .self_end = self_end };
    struct pvh_pack a = *d;
    struct pvh_error err = { 0 };
    unsigned i;
    int rc;

    a.cmdline_pa = absolute(d->cmdline_pa, image);
    for (i = 0; i < PVH_PACK_MAX_MODULES; i++) {
        a.modules[i].base = absolute(d->modules[i].base, image);
        a.modules[i].cmdline_pa = absolute(d->modules[i].cmdline_pa, image);
    }
    FUZZ_CHECK(pvh_fw_start(&fw, &boot, &err) == PVH_OK, "start: %s", err.msg);
    rc = pvh_fw_read_pack(&fw, &a, packed, &err);
    if (rc != PVH_OK) {
        FUZZ_CHECK(err.msg[0], "refused without a message");
        return;
    }
    FUZZ_CHECK(a.nr_modules <= PVH_PACK_MAX_MODULES, "%u modules accepted", a.nr_modules);
    for (i = 0; i < a.nr_modules; i++) {
        const struct pvh_module *m = &packed[i];
        const struct pvh_pack_module *pm = &a.modules[i];

        FUZZ_CHECK(m->base == pm->base && m->size == pm->size, "module %u changed", i);
        FUZZ_CHECK(m->base >= lo && m->base <= hi && m->size <= hi - m->base,
                   "module %u at %#llx size %#llx outside RAM", i,
                   (unsigned long long)(m->base - lo), (unsigned long long)m->size);
        FUZZ_CHECK(m->base + m->size <= lo || m->base >= self_end || !m->size,
                   "module %u at %#llx over pvhboot's %u bytes", i,
                   (unsigned long long)(m->base - lo), own);
        if (!pm->cmdline_pa) {
            FUZZ_CHECK(!m->cmdline[0], "module %u: a cmdline from nowhere", i);
            continue;
        }
        FUZZ_CHECK(pm->cmdline_pa >= lo && pm->cmdline_pa < hi, "module %u cmdline outside RAM", i);
        FUZZ_CHECK(fuzz_terminated(m->cmdline, PVH_MODULE_CMDLINE_MAX + 1),
                   "module %u cmdline not terminated within its limit", i);
        FUZZ_CHECK(fuzz_terminated((const char *)(uintptr_t)pm->cmdline_pa,
                                   (size_t)(hi - pm->cmdline_pa)) &&
                       !strcmp(m->cmdline, (const char *)(uintptr_t)pm->cmdline_pa),
                   "module %u cmdline not a copy of the packed string", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint32_t own = fuzz_u32(&in), image_size = fuzz_u32(&in) % (IMAGE_MAX + 1);
    struct pvh_pack d = { 0 };
    struct pvh_packed out;
    struct pvh_error err;
    const uint8_t *p;
    uint8_t *image;
    size_t got;
    int rc;

    p = fuzz_bytes(&in, sizeof(d), &got);
    memcpy(&d, p, got);
    image = calloc(1, image_size ? image_size : 1);
    if (!image)
        abort();
    p = fuzz_bytes(&in, in.left, &got);
    if (own < image_size)
        memcpy(image + own, p, got < image_size - own ? got : image_size - own);
    rc = pvh_pack_read_relative(&d, (uintptr_t)image, own, image_size, &out, &err);
    if (rc == PVH_OK) {
        if (own <= image_size)
            check_accepted(&out, image, own, image_size);
        else
            FUZZ_CHECK(!out.nr && !out.cmdline, "own 0x%x past image_size 0x%x accepted with pieces",
                       own, image_size);
    } else {
        FUZZ_CHECK(err.msg[0], "refused without a message");
    }
    if (image_size)
        read_absolute(&d, image, own, image_size);
    free(image);
    return 0;
}
