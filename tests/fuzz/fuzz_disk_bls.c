/*
 * Fuzz target: Boot Loader Specification text, version comparison and
 * glob patterns (firmware/disk/bls.c, version.c).
 *
 * Input: entry text. Seeds: entries as distributions write them, and
 * loader.conf files (tests/fuzz/disk_seeds.py).
 *
 * Checked: every field is terminated and within its size; at most
 * PVH_BLS_INITRD_MAX initrds; the version order is antisymmetric and every
 * string equals itself; a pattern of the text's first line matches itself
 * when it has no special characters; glob never runs away (libFuzzer's
 * timeout).
 */
#include <string.h>

#include "firmware/disk/bls.h"
#include "firmware/disk/version.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pvh_bls_entry e;
    static char a[256], b[256];
    struct pvh_error err;
    char def[64];
    size_t half = size / 2, la, lb;
    unsigned i;

    if (pvh_bls_parse((const char *)data, size, &e, &err) == PVH_OK) {
        FUZZ_CHECK(e.nr_initrd <= PVH_BLS_INITRD_MAX, "%u initrds", e.nr_initrd);
        FUZZ_CHECK(fuzz_terminated(e.title, sizeof(e.title)) &&
                   fuzz_terminated(e.linux_path, sizeof(e.linux_path)) &&
                   fuzz_terminated(e.options, sizeof(e.options)) &&
                   fuzz_terminated(e.version, sizeof(e.version)), "fields");
        for (i = 0; i < e.nr_initrd; i++)
            FUZZ_CHECK(fuzz_terminated(e.initrd[i], sizeof(e.initrd[i])), "initrd %u", i);
        (void)pvh_bls_arch_ok(&e);
    }
    (void)pvh_bls_loader_default((const char *)data, size, def, sizeof(def), &err);
    /* Two strings from the input's halves (NULs end them early). */
    la = half < sizeof(a) - 1 ? half : sizeof(a) - 1;
    lb = size - half < sizeof(b) - 1 ? size - half : sizeof(b) - 1;
    memcpy(a, data, la);
    a[la] = '\0';
    memcpy(b, data + half, lb);
    b[lb] = '\0';
    FUZZ_CHECK(sign(pvh_version_cmp(a, b)) == -sign(pvh_version_cmp(b, a)), "antisymmetry");
    FUZZ_CHECK(pvh_version_cmp(a, a) == 0, "reflexive");
    (void)pvh_glob_match(a, b);
    if (!strpbrk(a, "*?[\\"))
        FUZZ_CHECK(pvh_glob_match(a, a), "a plain pattern matches itself");
    return 0;
}
