/*
 * firmware/disk/entries.c, entries_select.c: a GPT disk built in memory
 * with an ESP and an XBOOTLDR partition (FAT12), type #1 entries on both
 * and UKIs on the ESP; the order the Boot Loader Specification gives, the
 * default, pvhboot.entry=, what to load, and the console lines. Then
 * 10,000 entries, and entries that cannot boot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/disk/entries.h"
#include "firmware/disk/uki.h"
#include "tests/unit/disk_image.h"
#include "tests/unit/support.h"

#define DISK_SECTORS 8192
#define ESP_FIRST 2048
#define ESP_LAST 6143
#define XB_FIRST 6144
#define XB_LAST 8100

static struct mem_disk disk;
static struct test_fat esp, xb;
static struct pvh_disk_work *w;
static struct pvh_disk_boot boot;
static struct pvh_error err;
static unsigned short_seq;

static const char osrel[] = "PRETTY_NAME=\"Debian UKI\"\nVERSION_ID=12\nID=debian\n";
static const char uki_kernel[700] = "UKI kernel";

static void file(struct test_fat *f, uint32_t dir, const char *name, const char *text)
{
    char sname[12];

    snprintf(sname, sizeof(sname), "F%07uXXX", short_seq++);
    test_fat_file(f, dir, name, sname, text, (uint32_t)strlen(text));
}

static void uki(uint32_t dir, const char *name, bool with_cmdline)
{
    static uint8_t img[4096];
    const struct test_pe_section s[] = {
        { ".linux", uki_kernel, sizeof(uki_kernel) },
        { ".initrd", "UKI initrd", 10 },
        { ".osrel", osrel, sizeof(osrel) - 1 },
        { ".cmdline", "root=PARTLABEL=root quiet\n", 26 },
    };
    size_t size = test_pe_build(img, sizeof(img), pvh_uki_machine(), s, with_cmdline ? 4 : 2);
    char sname[12];

    snprintf(sname, sizeof(sname), "U%07uEFI", short_seq++);
    test_fat_file(&esp, dir, name, sname, img, (uint32_t)size);
}

/* The disk most tests use; default: loader.conf's "default" line, or NULL. */
static void make_disk(const char *default_line)
{
    const struct test_gpt_part parts[] = {
        { test_guid_esp, ESP_FIRST, ESP_LAST },
        { test_guid_linux, 100, 2000 },
        { test_guid_xbootldr, XB_FIRST, XB_LAST },
    };
    uint32_t loader, entries, efi, lnx;
    char conf[128];

    mem_disk_init(&disk, DISK_SECTORS);
    test_gpt_write(&disk, parts, 3);
    test_fat_format(&esp, &disk, ESP_FIRST, ESP_LAST - ESP_FIRST + 1, 12, 4);
    test_fat_format(&xb, &disk, XB_FIRST, XB_LAST - XB_FIRST + 1, 12, 4);
    file(&esp, 0, "vmlinuz-6.1", "kernel 6.1");
    file(&esp, 0, "vmlinuz-6.2", "kernel 6.2 bytes");
    file(&esp, 0, "initrd-6.1", "initrd");
    file(&esp, 0, "ucode.img", "ucode");
    loader = test_fat_mkdir(&esp, 0, "loader", "LOADER     ");
    entries = test_fat_mkdir(&esp, loader, "entries", "ENTRIES    ");
    if (default_line) {
        snprintf(conf, sizeof(conf), "timeout 0\n%s\n", default_line);
        file(&esp, loader, "loader.conf", conf);
    }
    file(&esp, entries, "debian-6.1.conf",
         "title Debian 6.1\nversion 6.1\nsort-key debian\nmachine-id m1\nlinux /vmlinuz-6.1\n"
         "initrd /ucode.img\ninitrd /initrd-6.1\noptions root=/dev/vda2\noptions ro\n");
    file(&esp, entries, "debian-6.2.conf",
         "title Debian 6.2\nversion 6.2\nsort-key debian\nmachine-id m1\nlinux /vmlinuz-6.2\n");
    file(&esp, entries, "arch.conf", "title Arch\nsort-key arch\nlinux /vmlinuz-6.1\n");
    file(&esp, entries, "zz-old.conf", "linux /vmlinuz-6.1\n");
    file(&esp, entries, "aa-old.conf", "title Old\nlinux /vmlinuz-6.1\n");
    file(&esp, entries, "missing.conf", "linux /vmlinuz-none\n");
    file(&esp, entries, "arm.conf", "architecture aa64\nlinux /vmlinuz-6.1\n");
    file(&esp, entries, "nolinux.conf", "title Nothing\n");
    file(&esp, entries, "notes.txt", "not an entry");
    efi = test_fat_mkdir(&esp, 0, "EFI", "EFI        ");
    lnx = test_fat_mkdir(&esp, efi, "Linux", "LINUX      ");
    uki(lnx, "uki-12.efi", true);
    uki(lnx, "uki-nocmd.efi", false);
    file(&xb, 0, "vmlinuz-xb", "xbootldr kernel");
    loader = test_fat_mkdir(&xb, 0, "loader", "LOADER     ");
    entries = test_fat_mkdir(&xb, loader, "entries", "ENTRIES    ");
    file(&xb, entries, "xb.conf",
         "title XB\nversion 1\nsort-key debian\nmachine-id m0\nlinux /vmlinuz-xb\n");
}

static int setup(void **state)
{
    w = malloc(sizeof(*w));
    assert_non_null(w);
    memset(&err, 0, sizeof(err));
    short_seq = 0;
    capture_start();
    return 0;
}

static int teardown(void **state)
{
    capture_stop();
    assert_int_equal(disk.bad_reads, 0);
    mem_disk_free(&disk);
    free(w);
    return 0;
}

static void assert_line(const char *line)
{
    if (!strstr(capture_text(), line))
        fail_msg("no line \"%s\" in:\n%s", line, capture_text());
}

/* sort-key first (arch < debian; within debian by machine-id "" < m0 < m1,
 * then newest version first), then by id in decreasing version order. */
static const char *const expected_order[] = {
    "arch", "uki-12", "xb", "debian-6.2", "debian-6.1", "zz-old", "uki-nocmd", "aa-old",
};

static void scan_orders_entries(void **state)
{
    unsigned i;

    make_disk(NULL);
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    assert_int_equal(w->nr_entries, 8);
    for (i = 0; i < 8; i++)
        assert_string_equal(w->entries[i].id, expected_order[i]);
    assert_line("pvhboot: disk: test sectors 8192 gpt partitions 3\n");
    assert_line("pvhboot: disk: partition 1 lba 2048 sectors 4096 esp\n");
    assert_line("pvhboot: disk: partition 3 lba 6144 sectors 1957 xbootldr\n");
    assert_line("pvhboot: disk: partition 1 esp fat12\n");
    assert_line("pvhboot: disk: partition 3 xbootldr fat12\n");
    assert_line("pvhboot: disk: entry 1 \"arch\" type 1 esp title \"Arch\" version \"\"\n");
    assert_line("pvhboot: disk: entry 2 \"uki-12\" type 2 esp title \"Debian UKI\" "
                "version \"12\"\n");
    assert_line("pvhboot: disk: entry 3 \"xb\" type 1 xbootldr title \"XB\" version \"1\"\n");
    assert_line("pvhboot: disk: entry 6 \"zz-old\" type 1 esp title \"zz-old\" version \"\"\n");
    assert_line("pvhboot: disk: skip esp:/loader/entries/missing.conf: linux /vmlinuz-none: "
                "FAT: no '/vmlinuz-none'\n");
    assert_line("pvhboot: disk: skip esp:/loader/entries/arm.conf: for another architecture\n");
    assert_line("pvhboot: disk: skip esp:/loader/entries/nolinux.conf: no 'linux' key\n");
}

static void default_pattern_picks_entry(void **state)
{
    uint8_t buf[64];

    make_disk("default debian-6.1*");
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    assert_line("pvhboot: disk: default \"debian-6.1*\"\n");
    assert_int_equal(pvh_disk_select(w, NULL, "console=ttyS0", &boot, &err), PVH_OK);
    assert_string_equal(boot.id, "debian-6.1");
    assert_int_equal(boot.type, 1);
    assert_string_equal(boot.kernel.path, "/vmlinuz-6.1");
    assert_int_equal(boot.kernel.size, strlen("kernel 6.1"));
    assert_int_equal(boot.nr_initrd, 2);
    assert_string_equal(boot.initrd[0].path, "/ucode.img");
    assert_string_equal(boot.initrd[1].path, "/initrd-6.1");
    assert_false(boot.has_devicetree);
    assert_string_equal(boot.cmdline, "root=/dev/vda2 ro console=ttyS0");
    assert_int_equal(pvh_disk_read(w, &boot.initrd[1], buf, &err), PVH_OK);
    assert_memory_equal(buf, "initrd", 6);
    assert_line("pvhboot: boot: \"debian-6.1\" type 1 title \"Debian 6.1\"\n");
    assert_line("pvhboot: boot: kernel esp:/vmlinuz-6.1 size 10\n");
    assert_line("pvhboot: boot: initrd esp:/initrd-6.1 size 6\n");
    assert_line("pvhboot: boot: cmdline \"root=/dev/vda2 ro console=ttyS0\"\n");
}

static void default_pattern_matching_nothing_boots_first(void **state)
{
    make_disk("default fedora-*");
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    assert_int_equal(pvh_disk_select(w, NULL, "", &boot, &err), PVH_OK);
    assert_string_equal(boot.id, "arch");
    assert_string_equal(boot.cmdline, "");
    assert_line("pvhboot: disk: default \"fedora-*\" matches no entry: the first in order\n");
}

static void default_on_file_name_and_xbootldr(void **state)
{
    uint8_t buf[32];

    make_disk("default xb.conf");
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    assert_int_equal(pvh_disk_select(w, NULL, NULL, &boot, &err), PVH_OK);
    assert_string_equal(boot.id, "xb");
    assert_int_equal(boot.kernel.fs, PVH_DISK_XBOOTLDR);
    assert_int_equal(pvh_disk_read(w, &boot.kernel, buf, &err), PVH_OK);
    assert_memory_equal(buf, "xbootldr kernel", 15);
    assert_line("pvhboot: boot: kernel xbootldr:/vmlinuz-xb size 15\n");
}

/* pvhboot.entry= by title: a UKI, whose .cmdline wins over the VMM's. */
static void entry_option_picks_uki(void **state)
{
    uint8_t buf[sizeof(uki_kernel)];
    char line[160];

    make_disk("default arch");
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    assert_int_equal(pvh_disk_select(w, "Debian UKI", "console=ttyS0", &boot, &err), PVH_OK);
    assert_string_equal(boot.id, "uki-12");
    assert_int_equal(boot.type, 2);
    assert_string_equal(boot.kernel.path, "/EFI/Linux/uki-12.efi");
    assert_int_equal(boot.kernel.offset, 0x400);
    assert_int_equal(boot.kernel.size, sizeof(uki_kernel));
    assert_int_equal(boot.nr_initrd, 1);
    assert_int_equal(boot.initrd[0].offset, 0x400 + 1024);
    assert_int_equal(boot.initrd[0].size, 10);
    assert_string_equal(boot.cmdline, "root=PARTLABEL=root quiet");
    assert_int_equal(pvh_disk_read(w, &boot.kernel, buf, &err), PVH_OK);
    assert_memory_equal(buf, uki_kernel, sizeof(uki_kernel));
    snprintf(line, sizeof(line), "pvhboot: boot: kernel esp:/EFI/Linux/uki-12.efi offset %u "
             "size %zu\n", 0x400, sizeof(uki_kernel));
    assert_line(line);
    /* No .cmdline: the VMM's. By file name this time. */
    assert_int_equal(pvh_disk_select(w, "uki-nocmd.efi", "console=ttyS0", &boot, &err), PVH_OK);
    assert_string_equal(boot.id, "uki-nocmd");
    assert_string_equal(boot.title, "uki-nocmd");
    assert_string_equal(boot.cmdline, "console=ttyS0");
}

static void unknown_entry_option_refused(void **state)
{
    make_disk(NULL);
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    assert_error(pvh_disk_select(w, "nothing-like-it", "", &boot, &err), &err, PVH_ENOENT,
                 "pvhboot.entry=nothing-like-it: no such entry");
}

static void no_boot_partition_refused(void **state)
{
    const struct test_gpt_part parts[] = { { test_guid_linux, 100, 2000 } };

    mem_disk_init(&disk, DISK_SECTORS);
    test_gpt_write(&disk, parts, 1);
    assert_error(pvh_disk_scan(&disk.dev, w, &err), &err, PVH_ENOENT,
                 "disk test: no ESP or XBOOTLDR partition with a FAT file system");
}

/* An XBOOTLDR partition whose FAT cannot be read: a line, and its entries are not there. */
static void broken_xbootldr_skipped(void **state)
{
    char line[160];

    make_disk(NULL);
    mem_disk_at(&disk, XB_FIRST)[11] = 0x10; /* XBOOTLDR: 4096 + 16 bytes per sector */
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    /* The line names the sectors per cluster too, as the volume has them. */
    snprintf(line, sizeof(line), "pvhboot: disk: skip partition 3: FAT: 528 bytes per sector "
             "(only 512 is read), %u sectors per cluster\n", mem_disk_at(&disk, XB_FIRST)[13]);
    assert_line(line);
    assert_int_equal(w->nr_entries, 7);
}

/* /loader/entries whose one cluster is full (no end mark) and links to
 * itself: a line, and none of its entries (not the one it holds, over
 * and over); the UKIs' directory still gives its own. */
static void entries_directory_loop_gives_none(void **state)
{
    const struct test_gpt_part parts[] = { { test_guid_esp, ESP_FIRST, ESP_LAST } };
    uint32_t loader, entries, efi, lnx;
    uint8_t *c;
    unsigned i;

    mem_disk_init(&disk, DISK_SECTORS);
    test_gpt_write(&disk, parts, 1);
    test_fat_format(&esp, &disk, ESP_FIRST, ESP_LAST - ESP_FIRST + 1, 12, 4);
    file(&esp, 0, "vmlinuz", "kernel");
    loader = test_fat_mkdir(&esp, 0, "loader", "LOADER     ");
    entries = test_fat_mkdir(&esp, loader, "entries", "ENTRIES    ");
    file(&esp, entries, "looped.conf", "linux /vmlinuz\n");
    efi = test_fat_mkdir(&esp, 0, "EFI", "EFI        ");
    lnx = test_fat_mkdir(&esp, efi, "Linux", "LINUX      ");
    uki(lnx, "uki-12.efi", true);
    c = test_fat_cluster(&esp, entries);
    for (i = 0; i < esp.spc * 512 / 32; i++)
        if (!c[32 * i])
            c[32 * i] = 0xe5;
    test_fat_set(&esp, entries, entries);
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    assert_line("pvhboot: disk: skip esp:/loader/entries: FAT: directory 'entries' longer than "
                "65536 entries (a loop?)\n");
    assert_int_equal(w->nr_seen, 1);
    assert_int_equal(w->nr_entries, 1);
    assert_string_equal(w->entries[0].id, "uki-12");
}

/* 10,000 entries e00000 .. e09999 without sort keys: the 64 newest by
 * name are kept, e09999 first; a default naming one left out boots the first. */
static void ten_thousand_entries(void **state)
{
    const struct test_gpt_part parts[] = { { test_guid_esp, 64, 64 + 12000 - 1 } };
    static const char text[] = "linux /vmlinuz\n";
    const unsigned n = 10000, slots = 2 * n + 2, dir_clusters = (slots * 32 + 511) / 512;
    uint32_t loader, entries, c, i;
    char lname[16], sname[12], want[160];
    uint8_t *p;

    mem_disk_init(&disk, 12100);
    test_gpt_write(&disk, parts, 1);
    test_fat_format(&esp, &disk, 64, 12000, 16, 1);
    file(&esp, 0, "vmlinuz", "k");
    loader = test_fat_mkdir(&esp, 0, "loader", "LOADER     ");
    file(&esp, loader, "loader.conf", "default e00001\n");
    entries = test_fat_mkdir(&esp, loader, "entries", "ENTRIES    ");
    /* The entries directory grows into the clusters that follow it. */
    assert_int_equal(esp.next_free, entries + 1);
    for (c = entries; c < entries + dir_clusters - 1; c++)
        test_fat_set(&esp, c, c + 1);
    test_fat_set(&esp, c, test_fat_eoc(&esp));
    esp.next_free = entries + dir_clusters;
    p = test_fat_cluster(&esp, entries) + 64;
    for (i = 0; i < n; i++) {
        c = esp.next_free++;
        test_fat_set(&esp, c, test_fat_eoc(&esp));
        memcpy(test_fat_cluster(&esp, c), text, sizeof(text) - 1);
        snprintf(lname, sizeof(lname), "e%05u.conf", i);
        snprintf(sname, sizeof(sname), "E%05u  CON", i);
        p += 32 * test_fat_entry_at(p, lname, sname, 0x20, c, sizeof(text) - 1);
    }
    assert_true(esp.next_free - 2 < esp.clusters);
    assert_int_equal(pvh_disk_scan(&disk.dev, w, &err), PVH_OK);
    assert_int_equal(w->nr_seen, n);
    assert_int_equal(w->nr_entries, PVH_DISK_ENTRIES_MAX);
    for (i = 0; i < PVH_DISK_ENTRIES_MAX; i++) {
        snprintf(lname, sizeof(lname), "e%05u", n - 1 - i);
        assert_string_equal(w->entries[i].id, lname);
    }
    snprintf(want, sizeof(want), "pvhboot: disk: %u entries, the first %u in order kept\n", n,
             PVH_DISK_ENTRIES_MAX);
    assert_line(want);
    assert_int_equal(pvh_disk_select(w, NULL, "", &boot, &err), PVH_OK);
    assert_string_equal(boot.id, "e09999");
    assert_line("pvhboot: disk: default \"e00001\" matches no entry: the first in order\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(scan_orders_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(default_pattern_picks_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(default_pattern_matching_nothing_boots_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(default_on_file_name_and_xbootldr, setup, teardown),
        cmocka_unit_test_setup_teardown(entry_option_picks_uki, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_entry_option_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(no_boot_partition_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(broken_xbootldr_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_directory_loop_gives_none, setup, teardown),
        cmocka_unit_test_setup_teardown(ten_thousand_entries, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
