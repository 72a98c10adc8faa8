/*
 * firmware/disk/partition.c, gpt.c, mbr.c: partition tables read through
 * the block interface, every number checked against the disk's size.
 * The disks are built here (tests/unit/disk_image.c) and then broken
 * field by field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "firmware/disk/partition.h"
#include "tests/unit/disk_image.h"
#include "tests/unit/support.h"

#define DISK_SECTORS 4096

static struct mem_disk disk;
static uint8_t sector[PVH_SECTOR_SIZE];
static struct pvh_part_table table;
static struct pvh_error err;

static const struct test_gpt_part three[] = {
    { test_guid_esp, 2048, 2559 },
    { test_guid_linux, 2560, 3071 },
    { test_guid_xbootldr, 3072, 4000 },
};

static int setup(void **state)
{
    mem_disk_init(&disk, DISK_SECTORS);
    memset(&err, 0, sizeof(err));
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(disk.bad_reads, 0);
    mem_disk_free(&disk);
    return 0;
}

static void assert_three(void)
{
    unsigned i;

    assert_int_equal(table.scheme, PVH_SCHEME_GPT);
    assert_int_equal(table.nr, 3);
    assert_int_equal(table.nr_in_use, 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(table.part[i].number, i + 1);
        assert_int_equal(table.part[i].first_lba, three[i].first);
        assert_int_equal(table.part[i].sectors, three[i].last - three[i].first + 1);
    }
    assert_int_equal(table.part[0].kind, PVH_PART_ESP);
    assert_int_equal(table.part[1].kind, PVH_PART_OTHER);
    assert_int_equal(table.part[2].kind, PVH_PART_XBOOTLDR);
}

static void gpt_finds_esp_and_xbootldr(void **state)
{
    test_gpt_write(&disk, three, 3);
    assert_int_equal(pvh_partitions_read(&disk.dev, sector, &table, &err), PVH_OK);
    assert_three();
    assert_string_equal(table.note, "");
}

static void gpt_bad_header_crc_uses_backup(void **state)
{
    test_gpt_write(&disk, three, 3);
    mem_disk_at(&disk, 1)[TGPT_HEADER_CRC] ^= 1;
    assert_int_equal(pvh_partitions_read(&disk.dev, sector, &table, &err), PVH_OK);
    assert_three();
    assert_non_null(strstr(table.note, "GPT header at LBA 1: header CRC32"));
    assert_non_null(strstr(table.note, "using the backup at LBA 4095"));
}

static void gpt_bad_entries_crc_uses_backup(void **state)
{
    test_gpt_write(&disk, three, 3);
    mem_disk_at(&disk, 2)[40] ^= 1; /* entry 1's last LBA; CRCs left alone */
    assert_int_equal(pvh_partitions_read(&disk.dev, sector, &table, &err), PVH_OK);
    assert_three();
    assert_non_null(strstr(table.note, "entry array at LBA 2: CRC32"));
}

static void gpt_both_headers_bad_refused(void **state)
{
    test_gpt_write(&disk, three, 3);
    mem_disk_at(&disk, 1)[0] = 'X';
    mem_disk_at(&disk, DISK_SECTORS - 1)[TGPT_HEADER_CRC] ^= 1;
    assert_error(pvh_partitions_read(&disk.dev, sector, &table, &err), &err, PVH_EINVAL,
                 "no usable GPT: backup GPT header at LBA 4095: header CRC32");
    assert_string_equal(table.note, "");
}

/* An entry past the disk, with every CRC right: refused, in both copies. */
static void gpt_entry_outside_disk_refused(void **state)
{
    const struct test_gpt_part bad[] = { { test_guid_esp, 2048, 2559 },
                                         { test_guid_linux, 2560, DISK_SECTORS + 100 } };

    test_gpt_write(&disk, bad, 2);
    assert_error(pvh_partitions_read(&disk.dev, sector, &table, &err), &err, PVH_ERANGE,
                 "GPT entry 2: LBAs 2560-4196 outside the usable 34-4062");
}

static void gpt_entry_array_past_end_refused(void **state)
{
    test_gpt_write(&disk, three, 3);
    memcpy(mem_disk_at(&disk, 1) + TGPT_ENTRIES_LBA, &(uint64_t){ DISK_SECTORS - 8 }, 8);
    test_gpt_fix_crcs(&disk, 1);
    assert_int_equal(pvh_partitions_read(&disk.dev, sector, &table, &err), PVH_OK);
    assert_non_null(strstr(table.note, "entry array at LBA 4088, 32 sectors"));
    assert_three();
}

static void gpt_huge_entry_count_refused(void **state)
{
    uint32_t n = 0x01000000;

    test_gpt_write(&disk, three, 3);
    memcpy(mem_disk_at(&disk, 1) + TGPT_NR_ENTRIES, &n, 4);
    test_gpt_fix_crcs(&disk, 1);
    memcpy(mem_disk_at(&disk, DISK_SECTORS - 1) + TGPT_NR_ENTRIES, &n, 4);
    test_gpt_fix_crcs(&disk, DISK_SECTORS - 1);
    assert_error(pvh_partitions_read(&disk.dev, sector, &table, &err), &err, PVH_EINVAL,
                 "16777216 entries of 128 bytes");
}

static void gpt_odd_entry_size_refused(void **state)
{
    uint32_t size = 96;

    test_gpt_write(&disk, three, 3);
    memcpy(mem_disk_at(&disk, 1) + TGPT_ENTRY_SIZE, &size, 4);
    test_gpt_fix_crcs(&disk, 1);
    assert_int_equal(pvh_partitions_read(&disk.dev, sector, &table, &err), PVH_OK);
    assert_non_null(strstr(table.note, " entries of 96 bytes (each 128 * 2^n"));
}

/* Entries of 256 bytes: only every other 128 bytes starts one. */
static void gpt_256_byte_entries(void **state)
{
    uint32_t size = 256, n = 64;
    uint8_t *a;

    test_gpt_write(&disk, three, 3);
    a = mem_disk_at(&disk, 2);
    memmove(a + 512, a + 256, 128);
    memset(a + 256, 0, 128);
    memmove(a + 256, a + 128, 128);
    memset(a + 128, 0, 128);
    memcpy(mem_disk_at(&disk, 1) + TGPT_ENTRY_SIZE, &size, 4);
    memcpy(mem_disk_at(&disk, 1) + TGPT_NR_ENTRIES, &n, 4);
    test_gpt_fix_crcs(&disk, 1);
    assert_int_equal(pvh_partitions_read(&disk.dev, sector, &table, &err), PVH_OK);
    assert_string_equal(table.note, "");
    assert_three();
}

static void mbr_primary_and_logical(void **state)
{
    uint8_t *mbr = mem_disk_at(&disk, 0), *ebr;

    test_mbr_entry(mbr, 0, 0xef, 2048, 512);
    test_mbr_entry(mbr, 1, 0x83, 2560, 256);
    test_mbr_entry(mbr, 2, 0x05, 3000, 1000);
    ebr = mem_disk_at(&disk, 3000);
    test_mbr_entry(ebr, 0, 0xea, 10, 100);
    test_mbr_entry(ebr, 1, 0x05, 200, 300);
    ebr = mem_disk_at(&disk, 3200);
    test_mbr_entry(ebr, 0, 0x83, 10, 50);
    assert_int_equal(pvh_partitions_read(&disk.dev, sector, &table, &err), PVH_OK);
    assert_int_equal(table.scheme, PVH_SCHEME_MBR);
    assert_int_equal(table.nr, 4);
    assert_int_equal(table.part[0].kind, PVH_PART_ESP);
    assert_int_equal(table.part[0].first_lba, 2048);
    assert_int_equal(table.part[1].kind, PVH_PART_OTHER);
    assert_int_equal(table.part[2].kind, PVH_PART_XBOOTLDR);
    assert_int_equal(table.part[2].first_lba, 3010);
    assert_int_equal(table.part[2].number, 5);
    assert_int_equal(table.part[3].first_lba, 3210);
    assert_int_equal(table.part[3].sectors, 50);
    assert_int_equal(table.part[3].number, 6);
}

static void mbr_ebr_loop_ends(void **state)
{
    uint8_t *mbr = mem_disk_at(&disk, 0), *ebr;

    test_mbr_entry(mbr, 0, 0x0f, 3000, 1000);
    ebr = mem_disk_at(&disk, 3100);
    test_mbr_entry(ebr, 0, 0x83, 10, 10);
    test_mbr_entry(ebr, 1, 0x05, 100, 1);  /* links to itself */
    test_mbr_entry(mem_disk_at(&disk, 3000), 1, 0x05, 100, 1);
    assert_error(pvh_partitions_read(&disk.dev, sector, &table, &err), &err, PVH_E2BIG,
                 "more than 64 logical partitions");
    assert_true(disk.reads <= 64 + 2);
}

static void mbr_partition_past_disk_refused(void **state)
{
    test_mbr_entry(mem_disk_at(&disk, 0), 1, 0xef, 4000, 200);
    assert_error(pvh_partitions_read(&disk.dev, sector, &table, &err), &err, PVH_ERANGE,
                 "MBR partition 2: LBA 4000, 200 sectors, on a disk of 4096 sectors");
}

static void no_signature_is_no_table(void **state)
{
    assert_error(pvh_partitions_read(&disk.dev, sector, &table, &err), &err, PVH_ENOENT,
                 "no partition table: signature 0x0000");
}

/* More partitions than kept: the ESP still is. */
static void esp_kept_past_the_limit(void **state)
{
    struct test_gpt_part many[20];
    unsigned i;

    for (i = 0; i < 20; i++) {
        many[i].type = i == 19 ? test_guid_esp : test_guid_linux;
        many[i].first = 100 + 10 * i;
        many[i].last = 109 + 10 * i;
    }
    test_gpt_write(&disk, many, 20);
    assert_int_equal(pvh_partitions_read(&disk.dev, sector, &table, &err), PVH_OK);
    assert_int_equal(table.nr, PVH_PART_MAX);
    assert_int_equal(table.nr_in_use, 20);
    assert_int_equal(table.part[PVH_PART_MAX - 1].kind, PVH_PART_ESP);
    assert_int_equal(table.part[PVH_PART_MAX - 1].number, 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(gpt_finds_esp_and_xbootldr, setup, teardown),
        cmocka_unit_test_setup_teardown(gpt_bad_header_crc_uses_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(gpt_bad_entries_crc_uses_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(gpt_both_headers_bad_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(gpt_entry_outside_disk_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(gpt_entry_array_past_end_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(gpt_huge_entry_count_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(gpt_odd_entry_size_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(gpt_256_byte_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(mbr_primary_and_logical, setup, teardown),
        cmocka_unit_test_setup_teardown(mbr_ebr_loop_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(mbr_partition_past_disk_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(no_signature_is_no_table, setup, teardown),
        cmocka_unit_test_setup_teardown(esp_kept_past_the_limit, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
