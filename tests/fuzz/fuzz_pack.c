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
 */
#include <stdlib.h>
#include <string.h>

#include "firmware/pack.h"
#include "tests/fuzz/fuzz.h"

#define IMAGE_MAX 0x400000u

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
    free(image);
    return 0;
}
