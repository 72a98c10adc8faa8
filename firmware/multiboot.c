#include "firmware/multiboot.h"

#include "common/lib/bytes.h"
#include "common/lib/string.h"
#include "firmware/opaque.h"

/* Multiboot 1 header layout. */
#define MB1_FLAGS 4
#define MB1_CHECKSUM 8
#define MB1_HEADER_ADDR 12
#define MB1_AOUT_SIZE 32 /* the header with the a.out kludge fields */

/* Multiboot 2 header and tag layout. */
#define MB2_ARCH 4
#define MB2_LENGTH 8
#define MB2_CHECKSUM 12
#define MB2_FIXED 16
#define MB2_TAG_END 0
#define MB2_TAG_INFO_REQUEST 1
#define MB2_TAG_ADDRESS 2
#define MB2_TAG_ENTRY 3
#define MB2_TAG_CONSOLE 4
#define MB2_TAG_FRAMEBUFFER 5
#define MB2_TAG_MODULE_ALIGN 6
#define MB2_TAG_EFI_BS 7         /* may be started with EFI boot services running */
#define MB2_TAG_ENTRY_EFI32 8    /* entry point for an EFI i386 machine */
#define MB2_TAG_ENTRY_EFI64 9    /* entry point for an EFI amd64 machine */
#define MB2_TAG_RELOCATABLE 10
#define MB2_TAG_OPTIONAL 1 /* flags bit 0: the loader may ignore the tag */
#define MB2_CONSOLE_REQUIRED 1 /* console tag's flags bit 0: a console must be described */
#define MB2_LOAD_FROM_START 0xffffffffu /* address tag's load_addr: load the file from offset 0 */

/* Information tags pvhboot provides (the boot information's tag types). */
#define MB2_INFO_CMDLINE 1
#define MB2_INFO_LOADER_NAME 2
#define MB2_INFO_MODULE 3
#define MB2_INFO_BASIC_MEMINFO 4
#define MB2_INFO_MMAP 6
#define MB2_INFO_ACPI_OLD 14
#define MB2_INFO_ACPI_NEW 15

/*
 * On x86_64, whole blocks of the image are looked at with SSE2 first
 * (firmware/x86/header_scan.asm): four or eight positions to a compare,
 * where the loop below takes several instructions for each. Host builds
 * (unit tests, fuzzing) and arm64 take the loop alone;
 * tests/unit/test_header_scan.c holds the assembly to the same answers.
 */
#define PVH_SCAN_BLOCK 256u
#if defined(__x86_64__) && !__STDC_HOSTED__
#define FAST_SCAN 1
uint64_t x86_scan_le32(const uint8_t *p, uint64_t nblocks, uint32_t magic, unsigned step);
#else
#define FAST_SCAN 0
static uint64_t x86_scan_le32(const uint8_t *p, uint64_t nblocks, uint32_t magic, unsigned step)
{
    (void)p, (void)magic, (void)step;
    return nblocks;
}
#endif

/* The first offset, a multiple of step, where magic starts with room
 * bytes of header in [0, end); end when there is none. This is most of
 * what identifying a kernel costs (up to 6144 positions for an image
 * without multiboot headers). */
static uint64_t find_magic(const uint8_t *img, uint64_t end, uint64_t step, uint32_t magic,
                           uint64_t room)
{
    uint64_t off = 0, last;

    if (end < room)
        return end;
    last = end - room; /* the last offset a header fits at */
    /* Whole blocks inside [0, end), where the image is 16-byte aligned
     * (a module or packed kernel is page aligned): skip those without
     * the magic; the loop then finds it, or goes on past the blocks. */
    if (FAST_SCAN && !((uintptr_t)img & 15))
        off = x86_scan_le32(img, end / PVH_SCAN_BLOCK, magic, (unsigned)step) * PVH_SCAN_BLOCK;
    for (; off <= last; off += step)
        if (pvh_le32(img + off) == magic)
            return off;
    return end;
}

static int check_mb1(const uint8_t *h, uint64_t off, uint64_t len, struct pvh_multiboot *mb,
                     struct pvh_error *err)
{
    uint32_t flags = pvh_le32(h + MB1_FLAGS);

    if (flags & 0xffffu & ~MB1_KNOWN_REQUIRED)
        return pvh_fail(err, PVH_EINVAL, "multiboot header: required flags 0x%x not "
                        "understood", flags & 0xffffu & ~MB1_KNOWN_REQUIRED);
    /* Bits 0-15 are requirements: a loader that cannot meet one must
     * not boot the kernel. QEMU only warns ("multiboot knows VBE. we
     * don't.") and boots it without the video fields it asked for. */
    if (flags & MB1_VIDEO_MODE)
        return pvh_fail(err, PVH_EINVAL, "multiboot header: flags 0x%x require a video mode "
                        "(bit 2); pvhboot has none to set", flags);
    mb->flags = flags;
    mb->page_align_modules = flags & MB1_PAGE_ALIGN;
    if (flags & MB1_AOUT_KLUDGE) {
        if (off + MB1_AOUT_SIZE > len)
            return pvh_fail(err, PVH_EINVAL, "multiboot header: a.out fields truncated");
        mb->has_address = mb->has_entry = true;
        mb->header_addr = pvh_le32(h + MB1_HEADER_ADDR);
        mb->load_addr = pvh_le32(h + MB1_HEADER_ADDR + 4);
        mb->load_end_addr = pvh_le32(h + MB1_HEADER_ADDR + 8);
        mb->bss_end_addr = pvh_le32(h + MB1_HEADER_ADDR + 12);
        mb->entry_addr = pvh_le32(h + MB1_HEADER_ADDR + 16);
    }
    return PVH_OK;
}

static bool info_provided(uint32_t type)
{
    switch (type) {
    case MB2_INFO_CMDLINE: case MB2_INFO_LOADER_NAME: case MB2_INFO_MODULE:
    case MB2_INFO_BASIC_MEMINFO: case MB2_INFO_MMAP: case MB2_INFO_ACPI_OLD:
    case MB2_INFO_ACPI_NEW:
        return true;
    default:
        return false;
    }
}

static int mb2_tag(const uint8_t *t, uint16_t type, uint16_t flags, uint32_t size,
                   struct pvh_multiboot *mb, struct pvh_error *err)
{
    /* The fields read from the tags that have any: their sizes. */
    static const uint8_t min_size[] = { [MB2_TAG_ADDRESS] = 24, [MB2_TAG_ENTRY] = 12,
                                        [MB2_TAG_CONSOLE] = 12 };
    /* aligned(1): x86's ABI would align these 40 bytes to 16 (rodata padding). */
    static const char names[][8] __attribute__((aligned(1))) = {
        [MB2_TAG_ADDRESS] = "address", [MB2_TAG_ENTRY] = "entry", [MB2_TAG_CONSOLE] = "console"
    };
    bool optional = flags & MB2_TAG_OPTIONAL;
    uint32_t i;

    if (type < sizeof(min_size) && size < min_size[type])
        return pvh_fail(err, PVH_EINVAL, "multiboot2: %s tag of %u bytes", names[type], size);
    switch (type) {
    case MB2_TAG_INFO_REQUEST:
        for (i = 8; i + 4 <= size; i += 4)
            if (!optional && !info_provided(pvh_le32(t + i)))
                return pvh_fail(err, PVH_EINVAL, "multiboot2: requires information tag %u",
                                pvh_le32(t + i));
        return PVH_OK;
    case MB2_TAG_ADDRESS:
        mb->has_address = true;
        mb->header_addr = pvh_le32(t + 8);
        mb->load_addr = pvh_le32(t + 12);
        mb->load_end_addr = pvh_le32(t + 16);
        mb->bss_end_addr = pvh_le32(t + 20);
        return PVH_OK;
    case MB2_TAG_ENTRY:
        mb->has_entry = true;
        mb->entry_addr = pvh_le32(t + 8);
        return PVH_OK;
    case MB2_TAG_MODULE_ALIGN:
        mb->page_align_modules = true;
        return PVH_OK;
    case MB2_TAG_FRAMEBUFFER:
        mb->wants_video = true;
        if (!optional)
            return pvh_fail(err, PVH_EINVAL, "multiboot2: requires a framebuffer");
        return PVH_OK;
    case MB2_TAG_CONSOLE:
        /* The kernel needs a console described in the boot information
         * (an EGA text or framebuffer tag); pvhboot describes none. */
        if (!optional && (pvh_le32(t + 8) & MB2_CONSOLE_REQUIRED))
            return pvh_fail(err, PVH_EINVAL, "multiboot2: requires a console (console flags "
                            "0x%x); pvhboot has none to describe", pvh_le32(t + 8));
        return PVH_OK;
    case MB2_TAG_RELOCATABLE:
        return PVH_OK; /* loading where the kernel asks is allowed */
    case MB2_TAG_EFI_BS: case MB2_TAG_ENTRY_EFI32: case MB2_TAG_ENTRY_EFI64:
        /* The specification takes these into account on EFI platforms
         * only, required or not (GRUB for BIOS skips them too); pvhboot
         * enters kernels with no EFI: noted, never refused. */
        mb->efi_tags_ignored |= 1u << type;
        return PVH_OK;
    default:
        if (!optional)
            return pvh_fail(err, PVH_EINVAL, "multiboot2: required header tag %u not "
                            "understood", type);
        return PVH_OK;
    }
}

/* load_addr -1: the file is loaded from its first byte, which lands
 * header_offset bytes below header_addr. */
static int mb2_resolve_load_addr(struct pvh_multiboot *mb, struct pvh_error *err)
{
    if (!mb->has_address || mb->load_addr != MB2_LOAD_FROM_START)
        return PVH_OK;
    if (mb->header_addr < mb->header_offset)
        return pvh_fail(err, PVH_EINVAL, "multiboot2: load_addr -1 puts the file's start below 0: "
                        "header_addr 0x%x, header at file offset 0x%llx", mb->header_addr,
                        (unsigned long long)mb->header_offset);
    mb->load_addr = mb->header_addr - (uint32_t)mb->header_offset;
    return PVH_OK;
}

static int parse_mb2(const uint8_t *h, uint32_t length, struct pvh_multiboot *mb,
                     struct pvh_error *err)
{
    uint32_t at = MB2_FIXED;

    while (at + 8 <= length) {
        uint16_t type = pvh_le16(h + at), flags = pvh_le16(h + at + 2);
        uint32_t size = pvh_le32(h + at + 4);
        int rc;

        if (size < 8 || size > length - at)
            return pvh_fail(err, PVH_EINVAL, "multiboot2: tag at +%u has size %u", at, size);
        if (type == MB2_TAG_END)
            return mb2_resolve_load_addr(mb, err);
        rc = mb2_tag(h + at, type, flags, size, mb, err);
        if (rc)
            return rc;
        at += (size + 7) & ~7u;
    }
    return pvh_fail(err, PVH_EINVAL, "multiboot2: header tags have no end tag");
}

static int check_mb2(const uint8_t *h, uint64_t off, uint64_t len, struct pvh_multiboot *mb,
                     struct pvh_error *err)
{
    uint32_t arch = pvh_le32(h + MB2_ARCH), length = pvh_le32(h + MB2_LENGTH);

    if (arch != MB2_ARCH_I386)
        return pvh_fail(err, PVH_EINVAL, "multiboot2 header: architecture %u", arch);
    if (length < MB2_FIXED + 8 || length > len - off)
        return pvh_fail(err, PVH_EINVAL, "multiboot2 header: length %u", length);
    return parse_mb2(h, length, mb, err);
}

/* Where each version's header may lie, and what its checksum covers: the
 * magic and the words after it, up to and with the checksum. */
static const struct {
    uint16_t search;   /* in the first this many bytes */
    uint8_t step;      /* at a multiple of this */
    uint8_t words;     /* the checksum's own word, and those before it */
    uint32_t magic;
    char name[11];
} headers[2] __attribute__((aligned(4))) = { /* the type's own: not 16, as x86's ABI would */
    { MB1_SEARCH, 4, 3, MB1_HEADER_MAGIC, "multiboot" },
    { MB2_SEARCH, 8, 4, MB2_HEADER_MAGIC, "multiboot2" },
};

int pvh_multiboot_find(const uint8_t *img, uint64_t len, unsigned version,
                       struct pvh_multiboot *out, struct pvh_error *err)
{
    struct pvh_multiboot found = { .version = version == 2 ? 2 : 1 };
    struct pvh_multiboot *mb = PVH_OPAQUE(&found); /* out is written only on success */
    unsigned v = found.version - 1, i;
    uint64_t end = len < headers[v].search ? len : headers[v].search, off;
    uint32_t sum = 0;
    int rc;

    off = find_magic(img, end, headers[v].step, headers[v].magic, v ? MB2_FIXED : 12);
    if (off >= end)
        return pvh_fail(err, PVH_ENOENT, "no %s header", headers[v].name);
    for (i = 0; i < headers[v].words; i++)
        sum += pvh_le32(img + off + 4ull * i);
    if (sum)
        return pvh_fail(err, PVH_EINVAL, "%s header at 0x%llx: bad checksum", headers[v].name,
                        (unsigned long long)off);
    mb->header_offset = off;
    rc = v ? check_mb2(img + off, off, len, mb, err) : check_mb1(img + off, off, len, mb, err);
    if (!rc)
        *out = found;
    return rc;
}

int pvh_multiboot_load_range(const struct pvh_multiboot *mb, uint64_t len, uint64_t *file_off,
                             uint64_t *file_size, uint64_t *mem_size, struct pvh_error *err)
{
    uint64_t before = (uint64_t)mb->header_addr - mb->load_addr;
    uint64_t end;

    /* The header's own address tells where the file's bytes go: the
     * header at header_offset lands at header_addr. */
    if (mb->header_addr < mb->load_addr || before > mb->header_offset)
        return pvh_fail(err, PVH_EINVAL, "multiboot: header_addr 0x%x and load_addr 0x%x do "
                        "not fit the header at file offset 0x%llx", mb->header_addr,
                        mb->load_addr, (unsigned long long)mb->header_offset);
    *file_off = mb->header_offset - before;
    end = mb->load_end_addr ? mb->load_end_addr : mb->load_addr + (len - *file_off);
    if (end < mb->load_addr || end - mb->load_addr > len - *file_off)
        return pvh_fail(err, PVH_EINVAL, "multiboot: load_end_addr 0x%llx is past the %llu-byte "
                        "file", (unsigned long long)end, (unsigned long long)len);
    *file_size = end - mb->load_addr;
    *mem_size = *file_size;
    if (mb->bss_end_addr) {
        if (mb->bss_end_addr < end)
            return pvh_fail(err, PVH_EINVAL, "multiboot: bss_end_addr 0x%x before load end 0x%llx",
                            mb->bss_end_addr, (unsigned long long)end);
        *mem_size = mb->bss_end_addr - (uint64_t)mb->load_addr;
    }
    if (!mb->has_entry)
        return pvh_fail(err, PVH_EINVAL, "multiboot: loaded by address but no entry address");
    /* An entry outside what is loaded would run whatever lies there. */
    if (mb->entry_addr < mb->load_addr || mb->entry_addr - (uint64_t)mb->load_addr >= *mem_size)
        return pvh_fail(err, PVH_EINVAL, "multiboot: entry_addr 0x%x outside the kernel at "
                        "0x%x-0x%llx", mb->entry_addr, mb->load_addr,
                        (unsigned long long)(mb->load_addr + *mem_size - 1));
    return PVH_OK;
}
