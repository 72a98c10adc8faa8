#include "firmware/bzimage.h"

#include "common/lib/bytes.h"
#include "firmware/linux_boot.h"
#include "firmware/opaque.h"

#define SETUP_SECTS_DEFAULT 4 /* setup_sects 0 means 4, for very old images */
#define HDR_LIMIT 0x290       /* boot_params' setup header ends before edd_mbr_sig_buffer */
#define SYSSIZE_UNIT 16       /* syssize counts 16-byte paragraphs */

bool pvh_bzimage_detect(const uint8_t *img, uint64_t len)
{
    return len >= HDR_MAGIC + 4 && pvh_le16(img + HDR_BOOT_FLAG) == BOOT_FLAG_VALUE &&
           pvh_le32(img + HDR_MAGIC) == HDR_MAGIC_VALUE;
}

static bool power_of_two(uint64_t v)
{
    return v && !(v & (v - 1));
}

static int check_sizes(const uint8_t *img, uint64_t len, struct pvh_bzimage *b,
                       struct pvh_error *err)
{
    unsigned sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : SETUP_SECTS_DEFAULT;
    uint64_t syssize_bytes = (uint64_t)pvh_le32(img + HDR_SYSSIZE) * SYSSIZE_UNIT;

    b->header_end = 0x202u + img[HDR_JUMP + 1];
    if (b->header_end < HDR_END_MIN || b->header_end > HDR_LIMIT || b->header_end > len)
        return pvh_fail(err, PVH_EINVAL, "bzImage: setup header ends at 0x%x", b->header_end);
    b->setup_size = (sects + 1) * SECTOR_SIZE;
    if (b->setup_size >= len)
        return pvh_fail(err, PVH_EINVAL, "bzImage: truncated: %llu bytes, setup alone is %u",
                        (unsigned long long)len, b->setup_size);
    b->pm_size = len - b->setup_size;
    /* syssize is rounded up to whole paragraphs by Linux's build tool, and
     * GRUB and QEMU load the file's bytes without checking it: up to 15
     * bytes short is a whole kernel (memtest86+ 7 is 8 bytes short). */
    if (syssize_bytes > b->pm_size + SYSSIZE_UNIT - 1)
        return pvh_fail(err, PVH_EINVAL,
                        "bzImage: truncated: kernel is %llu bytes, the header says %llu",
                        (unsigned long long)b->pm_size, (unsigned long long)syssize_bytes);
    return PVH_OK;
}

static int check_layout(struct pvh_bzimage *b, const uint8_t *img, struct pvh_error *err)
{
    b->relocatable = img[HDR_RELOCATABLE] != 0;
    b->kernel_alignment = pvh_le32(img + HDR_KERNEL_ALIGNMENT);
    b->min_alignment = img[HDR_MIN_ALIGNMENT] < 32 ? 1u << img[HDR_MIN_ALIGNMENT] : 0;
    b->pref_address = pvh_le64(img + HDR_PREF_ADDRESS);
    b->init_size = pvh_le32(img + HDR_INIT_SIZE);
    b->initrd_addr_max = pvh_le32(img + HDR_INITRD_ADDR_MAX);
    b->cmdline_size = pvh_le32(img + HDR_CMDLINE_SIZE);

    if (!power_of_two(b->kernel_alignment) || b->kernel_alignment < 4096)
        return pvh_fail(err, PVH_EINVAL, "bzImage: kernel_alignment 0x%x is not a power of two "
                        ">= 4096", b->kernel_alignment);
    if (!b->min_alignment || b->min_alignment > b->kernel_alignment)
        b->min_alignment = b->kernel_alignment;
    if (b->init_size < b->pm_size)
        return pvh_fail(err, PVH_EINVAL, "bzImage: init_size 0x%x is smaller than the kernel "
                        "(%llu bytes)", b->init_size, (unsigned long long)b->pm_size);
    /* kernel_alignment binds a loader that moves the kernel; a kernel that
     * is not relocatable runs at pref_address, aligned or not (memtest86+
     * at 1 MiB says 2 MiB alignment). */
    if (!b->relocatable && b->pref_address < 0x100000)
        return pvh_fail(err, PVH_EINVAL, "bzImage: fixed load address 0x%llx is unusable",
                        (unsigned long long)b->pref_address);
    return PVH_OK;
}

int pvh_bzimage_parse(const uint8_t *img, uint64_t len, struct pvh_bzimage *out,
                      struct pvh_error *err)
{
    struct pvh_bzimage bz = { 0 }, *b = PVH_OPAQUE(&bz); /* out is written only on success */
    int rc;

    if (len < HDR_END_MIN)
        return pvh_fail(err, PVH_EINVAL, "bzImage: %llu bytes, too short for a setup header",
                        (unsigned long long)len);
    if (pvh_le16(img + HDR_BOOT_FLAG) != BOOT_FLAG_VALUE)
        return pvh_fail(err, PVH_EINVAL, "bzImage: boot sector flag 0x%x, expected 0xaa55",
                        pvh_le16(img + HDR_BOOT_FLAG));
    if (pvh_le32(img + HDR_MAGIC) != HDR_MAGIC_VALUE)
        return pvh_fail(err, PVH_EINVAL, "bzImage: no HdrS setup header: magic 0x%x",
                        pvh_le32(img + HDR_MAGIC));
    b->version = pvh_le16(img + HDR_VERSION);
    if (b->version < PVH_BZIMAGE_MIN_VERSION)
        return pvh_fail(err, PVH_EINVAL, "bzImage: boot protocol %u.%02u, at least 2.10 needed "
                        "(older headers have no pref_address and init_size)",
                        b->version >> 8, b->version & 0xff);
    rc = check_sizes(img, len, b, err);
    if (rc)
        return rc;
    b->loadflags = img[HDR_LOADFLAGS];
    /* Before 2.12 those bytes are padding. */
    b->xloadflags = b->version >= PVH_BZIMAGE_XLOADFLAGS_VERSION ? pvh_le16(img + HDR_XLOADFLAGS) : 0;
    b->entry64 = b->xloadflags & XLF_KERNEL_64;
    if (!(b->loadflags & LOADED_HIGH))
        return pvh_fail(err, PVH_EINVAL, "bzImage: loadflags 0x%x: not loaded high (a zImage)",
                        b->loadflags);
    rc = check_layout(b, img, err);
    if (rc)
        return rc;
    *out = bz;
    return PVH_OK;
}
