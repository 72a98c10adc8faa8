/*
 * Fuzz target: Multiboot 1 and 2 kernel headers and the load range of an
 * address-loaded kernel (firmware/multiboot.c).
 *
 * Input: a sparse image (fuzz.h). Seeds: Xen's xen.elf (both headers),
 * the bootdump test payloads (a.out kludge, entry tag).
 *
 * Checked, for both versions on every image: a header is found only at a
 * properly aligned offset inside the search area, with its magic and a
 * good checksum; the a.out kludge and address tag are what they say;
 * load_range() gives file bytes inside the image, a memory size covering
 * them, and places the header where header_addr says.
 */
#include <string.h>

#include "common/lib/bytes.h"
#include "firmware/multiboot.h"
#include "tests/fuzz/fuzz.h"

static void check_load_range(const struct pvh_multiboot *mb, uint64_t len)
{
    uint64_t off = 0, fsize = 0, msize = 0;
    struct pvh_error err;
    int rc = pvh_multiboot_load_range(mb, len, &off, &fsize, &msize, &err);

    if (rc) {
        FUZZ_CHECK(rc == PVH_EINVAL, "load_range rc %d", rc);
        return;
    }
    FUZZ_CHECK(mb->has_entry, "load_range accepted a kernel without an entry address");
    FUZZ_CHECK(off <= len && fsize <= len - off, "file bytes 0x%llx+0x%llx outside %llu",
               (unsigned long long)off, (unsigned long long)fsize, (unsigned long long)len);
    FUZZ_CHECK(msize >= fsize, "memory size 0x%llx < file size 0x%llx", (unsigned long long)msize,
               (unsigned long long)fsize);
    /* The header's file offset lands at header_addr. */
    FUZZ_CHECK(off <= mb->header_offset &&
                   mb->load_addr + (mb->header_offset - off) == mb->header_addr,
               "header at file 0x%llx does not land at 0x%x", (unsigned long long)mb->header_offset,
               mb->header_addr);
}

static void check_version(const uint8_t *img, uint64_t len, unsigned version)
{
    struct pvh_multiboot mb, untouched;
    struct pvh_error err;
    uint64_t search = version == 2 ? MB2_SEARCH : MB1_SEARCH, o;
    int rc;

    memset(&mb, 0x5a, sizeof(mb));
    untouched = mb;
    rc = pvh_multiboot_find(img, len, version, &mb, &err);
    if (rc) {
        FUZZ_CHECK(rc == PVH_EINVAL || rc == PVH_ENOENT, "find rc %d", rc);
        FUZZ_CHECK(!memcmp(&mb, &untouched, sizeof(mb)), "a refused header changed the output");
        return;
    }
    o = mb.header_offset;
    FUZZ_CHECK(mb.version == version, "version %u", mb.version);
    FUZZ_CHECK(o % (version == 2 ? 8 : 4) == 0 && o < search && o + 12 <= len,
               "header at 0x%llx", (unsigned long long)o);
    if (version == 1) {
        FUZZ_CHECK(pvh_le32(img + o) == MB1_HEADER_MAGIC, "no magic at the header");
        FUZZ_CHECK((uint32_t)(pvh_le32(img + o) + pvh_le32(img + o + 4) + pvh_le32(img + o + 8)) == 0,
                   "bad checksum accepted");
        FUZZ_CHECK(mb.has_address == !!(mb.flags & MB1_AOUT_KLUDGE), "a.out kludge");
        FUZZ_CHECK(!mb.has_address || o + 32 <= len, "a.out fields outside the image");
    } else {
        uint32_t length = pvh_le32(img + o + 8);

        FUZZ_CHECK(pvh_le32(img + o) == MB2_HEADER_MAGIC, "no magic at the header");
        FUZZ_CHECK(pvh_le32(img + o + 4) == MB2_ARCH_I386, "architecture");
        FUZZ_CHECK(length >= 24 && length <= len - o, "header length %u", length);
    }
    if (mb.has_address)
        check_load_range(&mb, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint64_t len;
    const uint8_t *img = fuzz_image_from_input(&in, &len);

    check_version(img, len, 1);
    check_version(img, len, 2);
    return 0;
}
