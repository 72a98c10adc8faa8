/*
 * firmware/multiboot.c. Multiboot 1: a video mode request (flags bit 2) is
 * refused. Multiboot 2: a required console is refused, an address tag's
 * load_addr -1 loads the file from its start. And the rule added after
 * the hostile-payload tests
 * (tests/boot/test_x86_hostile_payloads.py) found pvhboot.elf jumping to
 * a Multiboot 1 entry_addr outside the kernel it loaded, and hanging
 * there: a kernel loaded by its header's addresses (the a.out kludge)
 * must have its entry inside [load_addr, bss_end_addr).
 *
 * The image: a Multiboot 1 header at offset 0 with the a.out kludge,
 * loaded at 0x400000 (0x1000 bytes of file, bss to 0x403000).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "firmware/multiboot.h"
#include "tests/unit/support.h"

#define LOAD 0x400000u
#define FILE_SIZE 0x1000u
#define BSS_END 0x403000u

static uint8_t image[FILE_SIZE];

static void build(uint32_t entry)
{
    uint32_t h[8] = { MB1_HEADER_MAGIC, MB1_AOUT_KLUDGE, 0, LOAD, LOAD, LOAD + FILE_SIZE,
                      BSS_END, entry };

    h[2] = -(h[0] + h[1]);
    memset(image, 0, sizeof(image));
    memcpy(image, h, sizeof(h));
}

static int load_range(struct pvh_error *err)
{
    struct pvh_multiboot mb;
    uint64_t off, filesz, memsz;
    int rc;

    memset(err, 0, sizeof(*err));
    rc = pvh_multiboot_find(image, sizeof(image), 1, &mb, err);
    assert_int_equal(rc, PVH_OK);
    rc = pvh_multiboot_load_range(&mb, sizeof(image), &off, &filesz, &memsz, err);
    if (!rc) {
        assert_int_equal(off, 0);
        assert_int_equal(filesz, FILE_SIZE);
        assert_int_equal(memsz, BSS_END - LOAD);
    }
    return rc;
}

static void accepts_entry_in_the_loaded_range(void **state)
{
    struct pvh_error err;

    build(LOAD + 0x20);
    assert_int_equal(load_range(&err), PVH_OK);
    build(LOAD);
    assert_int_equal(load_range(&err), PVH_OK);
    build(BSS_END - 1); /* odd, but inside what is loaded */
    assert_int_equal(load_range(&err), PVH_OK);
}

static void rejects_entry_outside_the_kernel(void **state)
{
    struct pvh_error err;

    build(0x30000000);
    assert_error(load_range(&err), &err, PVH_EINVAL,
                 "multiboot: entry_addr 0x30000000 outside the kernel at 0x400000-0x402fff");
    build(0);
    assert_error(load_range(&err), &err, PVH_EINVAL, "multiboot: entry_addr 0x0 outside");
}

static void rejects_entry_at_either_edge(void **state)
{
    struct pvh_error err;

    build(BSS_END);
    assert_error(load_range(&err), &err, PVH_EINVAL, "outside the kernel");
    build(LOAD - 1);
    assert_error(load_range(&err), &err, PVH_EINVAL, "outside the kernel");
}

static void rejects_mb1_video_mode(void **state)
{
    struct pvh_multiboot mb;
    struct pvh_error err;
    uint32_t flags = MB1_AOUT_KLUDGE | MB1_VIDEO_MODE;

    build(LOAD + 0x20);
    memcpy(image + 4, &flags, 4);
    flags = -(MB1_HEADER_MAGIC + flags);
    memcpy(image + 8, &flags, 4);
    memset(&err, 0, sizeof(err));
    assert_error(pvh_multiboot_find(image, sizeof(image), 1, &mb, &err), &err, PVH_EINVAL,
                 "multiboot header: flags 0x10004 require a video mode (bit 2); pvhboot has "
                 "none to set");
}

/* --- Multiboot 2: a header at MB2_AT with the given tags, then the end tag. */
#define MB2_AT 0x100u
#define MB2_MAGIC 0xe85250d6u

static void build_mb2(const uint32_t *tags, unsigned words)
{
    uint32_t h[4] = { MB2_MAGIC, 0, 16 + 4 * words + 8, 0 };
    uint32_t end[2] = { 0, 8 };

    h[3] = -(h[0] + h[1] + h[2]);
    memset(image, 0, sizeof(image));
    memcpy(image + MB2_AT, h, sizeof(h));
    memcpy(image + MB2_AT + 16, tags, 4 * words);
    memcpy(image + MB2_AT + 16 + 4 * words, end, sizeof(end));
}

static int find_mb2(struct pvh_multiboot *mb, struct pvh_error *err)
{
    memset(err, 0, sizeof(*err));
    return pvh_multiboot_find(image, sizeof(image), 2, mb, err);
}

/* A console tag: u16 type 4, u16 flags, u32 size 12, u32 console flags;
 * padded to 8 bytes. */
static void console_tag(uint16_t tag_flags, uint32_t console_flags)
{
    uint32_t tags[4] = { 4u | (uint32_t)tag_flags << 16, 12, console_flags, 0 };

    build_mb2(tags, 4);
}

static void mb2_console_required_is_refused(void **state)
{
    struct pvh_multiboot mb;
    struct pvh_error err;

    console_tag(0, 1);
    assert_error(find_mb2(&mb, &err), &err, PVH_EINVAL,
                 "multiboot2: requires a console (console flags 0x1); pvhboot has none to "
                 "describe");
    console_tag(0, 3); /* EGA text supported, and a console required */
    assert_error(find_mb2(&mb, &err), &err, PVH_EINVAL, "requires a console (console flags 0x3)");
}

static void mb2_console_not_required_boots(void **state)
{
    struct pvh_multiboot mb;
    struct pvh_error err;

    console_tag(0, 2);          /* "EGA text supported": no requirement */
    assert_int_equal(find_mb2(&mb, &err), PVH_OK);
    console_tag(1, 1);          /* required console, but the tag is optional */
    assert_int_equal(find_mb2(&mb, &err), PVH_OK);
}

static void mb2_console_tag_too_short(void **state)
{
    struct pvh_multiboot mb;
    struct pvh_error err;
    uint32_t tags[2] = { 4, 8 };

    build_mb2(tags, 2);
    assert_error(find_mb2(&mb, &err), &err, PVH_EINVAL, "multiboot2: console tag of 8 bytes");
}

/* The EFI tags, required (flags 0): boot services (7, 8 bytes), the i386
 * and amd64 EFI entries (8 and 9, 12 bytes, padded). Taken into account
 * on EFI machines only: accepted and listed as ignored, and an unknown
 * required tag after them is still refused. */
static void mb2_required_efi_tags_are_ignored(void **state)
{
    struct pvh_multiboot mb;
    struct pvh_error err;
    uint32_t tags[10] = { 7, 8, 8, 12, 0x1000, 0, 9, 12, 0x2000, 0 };
    uint32_t unknown[4] = { 7, 8, 11, 8 };

    build_mb2(tags, 10);
    assert_int_equal(find_mb2(&mb, &err), PVH_OK);
    assert_int_equal(mb.efi_tags_ignored, 1u << 7 | 1u << 8 | 1u << 9);
    assert_false(mb.has_entry); /* an EFI entry is not the entry */
    build_mb2(unknown, 4);
    assert_error(find_mb2(&mb, &err), &err, PVH_EINVAL,
                 "multiboot2: required header tag 11 not understood");
}

/* An address tag (u16 2, u16 0, u32 24, header_addr, load_addr,
 * load_end_addr, bss_end_addr) and an entry tag (3, 0, 12, entry, pad). */
static void address_tag(uint32_t header_addr, uint32_t load_addr)
{
    uint32_t tags[10] = { 2, 24, header_addr, load_addr, 0, 0, 3, 12, header_addr, 0 };

    build_mb2(tags, 10);
}

static void mb2_load_addr_minus_1_loads_from_file_start(void **state)
{
    struct pvh_multiboot mb;
    struct pvh_error err;
    uint64_t off, filesz, memsz;

    address_tag(LOAD + MB2_AT, 0xffffffffu);
    assert_int_equal(find_mb2(&mb, &err), PVH_OK);
    assert_true(mb.has_address);
    assert_int_equal(mb.load_addr, LOAD);
    assert_int_equal(pvh_multiboot_load_range(&mb, sizeof(image), &off, &filesz, &memsz, &err),
                     PVH_OK);
    assert_int_equal(off, 0);
    assert_int_equal(filesz, sizeof(image));
    /* The same as naming the address outright. */
    address_tag(LOAD + MB2_AT, LOAD);
    assert_int_equal(find_mb2(&mb, &err), PVH_OK);
    assert_int_equal(mb.load_addr, LOAD);
}

static void mb2_load_addr_minus_1_below_0_is_refused(void **state)
{
    struct pvh_multiboot mb;
    struct pvh_error err;

    address_tag(MB2_AT - 1, 0xffffffffu);
    assert_error(find_mb2(&mb, &err), &err, PVH_EINVAL,
                 "multiboot2: load_addr -1 puts the file's start below 0: header_addr 0xff, "
                 "header at file offset 0x100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_entry_in_the_loaded_range),
        cmocka_unit_test(rejects_entry_outside_the_kernel),
        cmocka_unit_test(rejects_entry_at_either_edge),
        cmocka_unit_test(rejects_mb1_video_mode),
        cmocka_unit_test(mb2_console_required_is_refused),
        cmocka_unit_test(mb2_required_efi_tags_are_ignored),
        cmocka_unit_test(mb2_console_not_required_boots),
        cmocka_unit_test(mb2_console_tag_too_short),
        cmocka_unit_test(mb2_load_addr_minus_1_loads_from_file_start),
        cmocka_unit_test(mb2_load_addr_minus_1_below_0_is_refused),
    };

    return cmocka_run_group_tests_name("multiboot", tests, NULL, NULL);
}
