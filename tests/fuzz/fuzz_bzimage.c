/*
 * Fuzz target: a Linux bzImage's setup header (firmware/bzimage.c).
 *
 * Input: a sparse image (fuzz.h): u32 length, then pieces. Seeds carry
 * the first page of Debian's bzImage at its real length.
 *
 * Checked: detect() is exactly the boot flag and "HdrS"; parse() never
 * accepts what detect() refuses, leaves its output alone on failure, and
 * on success returns fields that are the header's and that satisfy every
 * rule it promises (protocol 2.10+, sizes inside the image, the 64-bit
 * entry exactly when 2.12+ xloadflags say so,
 * power-of-two alignments, init_size covering the kernel, a usable fixed
 * address).
 */
#include <string.h>

#include "common/lib/bytes.h"
#include "firmware/bzimage.h"
#include "firmware/linux_boot.h"
#include "tests/fuzz/fuzz.h"

static void check_accepted(const uint8_t *img, uint64_t len, const struct pvh_bzimage *b)
{
    unsigned sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;

    FUZZ_CHECK(b->version >= PVH_BZIMAGE_MIN_VERSION && b->version == pvh_le16(img + HDR_VERSION),
               "protocol 0x%x", b->version);
    FUZZ_CHECK(b->header_end >= HDR_END_MIN && b->header_end <= 0x290 && b->header_end <= len,
               "header_end 0x%x", b->header_end);
    FUZZ_CHECK(b->setup_size == (sects + 1) * SECTOR_SIZE && b->setup_size < len,
               "setup_size 0x%x for %u sectors, image %llu", b->setup_size, sects,
               (unsigned long long)len);
    FUZZ_CHECK(b->pm_size == len - b->setup_size, "pm_size %llu", (unsigned long long)b->pm_size);
    /* syssize is rounded up to a paragraph: up to 15 bytes past the image. */
    FUZZ_CHECK((uint64_t)pvh_le32(img + HDR_SYSSIZE) * 16 <= b->pm_size + 15,
               "syssize past the image");
    FUZZ_CHECK(b->loadflags & LOADED_HIGH, "loadflags 0x%x", b->loadflags);
    /* xloadflags exist from 2.12; the 64-bit entry is its bit 0. */
    FUZZ_CHECK(b->xloadflags == (b->version >= PVH_BZIMAGE_XLOADFLAGS_VERSION
                                     ? pvh_le16(img + HDR_XLOADFLAGS) : 0) &&
                   b->entry64 == !!(b->xloadflags & XLF_KERNEL_64),
               "xloadflags 0x%x entry64 %d, protocol 0x%x", b->xloadflags, b->entry64, b->version);
    FUZZ_CHECK(b->kernel_alignment >= 4096 && !(b->kernel_alignment & (b->kernel_alignment - 1)),
               "kernel_alignment 0x%x", b->kernel_alignment);
    FUZZ_CHECK(b->min_alignment && !(b->min_alignment & (b->min_alignment - 1)) &&
                   b->min_alignment <= b->kernel_alignment,
               "min_alignment 0x%x", b->min_alignment);
    FUZZ_CHECK(b->init_size >= b->pm_size, "init_size 0x%x < pm_size", b->init_size);
    /* A fixed address need not be aligned (memtest86+), only at or above 1 MiB. */
    FUZZ_CHECK(b->relocatable || b->pref_address >= 0x100000,
               "fixed address 0x%llx", (unsigned long long)b->pref_address);
    FUZZ_CHECK(b->init_size == pvh_le32(img + HDR_INIT_SIZE) &&
                   b->cmdline_size == pvh_le32(img + HDR_CMDLINE_SIZE) &&
                   b->initrd_addr_max == pvh_le32(img + HDR_INITRD_ADDR_MAX) &&
                   b->pref_address == pvh_le64(img + HDR_PREF_ADDRESS),
               "a field differs from the header");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct pvh_bzimage b, untouched;
    struct pvh_error err;
    uint64_t len;
    const uint8_t *img = fuzz_image_from_input(&in, &len);
    bool detected = pvh_bzimage_detect(img, len);
    int rc;

    FUZZ_CHECK(detected == (len >= HDR_MAGIC + 4 && pvh_le16(img + HDR_BOOT_FLAG) == 0xaa55 &&
                            pvh_le32(img + HDR_MAGIC) == HDR_MAGIC_VALUE),
               "detect() says %d", detected);
    memset(&b, 0xa5, sizeof(b));
    untouched = b;
    rc = pvh_bzimage_parse(img, len, &b, &err);
    if (rc) {
        FUZZ_CHECK(rc == PVH_EINVAL && err.code == rc, "rc %d", rc);
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");
        FUZZ_CHECK(!memcmp(&b, &untouched, sizeof(b)), "a refused image changed the output");
        return 0;
    }
    FUZZ_CHECK(detected, "parse() accepted what detect() refuses");
    check_accepted(img, len, &b);
    return 0;
}
