/*
 * Fuzz target: a unified kernel image's PE/COFF headers and os-release
 * text (firmware/disk/uki.c).
 *
 * Input: u32 file size (the file is the input's bytes padded with zeros,
 * or cut, to it), then the file's first bytes. Seeds: UKIs made with
 * objcopy on systemd-boot's stub and the minimal PE of tools/make-disk.py
 * (their headers; tests/fuzz/disk_seeds.py).
 *
 * Checked: on success each section found lies inside the file and .linux
 * is there; os-release values are terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "firmware/disk/uki.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_section(const struct pvh_uki_section *s, uint64_t file, const char *what)
{
    if (!s->present)
        return;
    FUZZ_CHECK(s->offset <= file && s->size <= file - s->offset, "%s: %llu+%llu of %llu", what,
               (unsigned long long)s->offset, (unsigned long long)s->size,
               (unsigned long long)file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint64_t file = fuzz_u32(&in);
    size_t n = in.left < PVH_UKI_HEAD_MAX ? in.left : PVH_UKI_HEAD_MAX;
    uint8_t *head = malloc(n ? n : 1);
    struct pvh_error err;
    struct pvh_uki u;
    char v[64];

    if (!head)
        abort();
    memcpy(head, in.p, n);
    if (pvh_uki_parse(head, n, file, &u, &err) == PVH_OK) {
        FUZZ_CHECK(u.linux_.present, ".linux");
        check_section(&u.linux_, file, ".linux");
        check_section(&u.initrd, file, ".initrd");
        check_section(&u.cmdline, file, ".cmdline");
        check_section(&u.dtb, file, ".dtb");
        check_section(&u.osrel, file, ".osrel");
    }
    pvh_osrel_get((const char *)head, n, "PRETTY_NAME", v, sizeof(v));
    FUZZ_CHECK(fuzz_terminated(v, sizeof(v)), "osrel value");
    free(head);
    return 0;
}
