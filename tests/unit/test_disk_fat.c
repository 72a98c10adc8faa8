/*
 * firmware/disk/fat.c, fat_dir.c: FAT12/16/32 volumes built in memory
 * (tests/unit/disk_image.c), read through the block interface; then
 * broken: chains that loop, end early or leave the volume, directories
 * without an end, long names whose checksum or order is wrong, BPBs
 * whose numbers do not fit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/disk/fat.h"
#include "tests/unit/disk_image.h"
#include "tests/unit/support.h"

static struct mem_disk disk;
static struct test_fat tf;
static struct pvh_fat fs;
static struct pvh_fat_node node;
static struct pvh_error err;

#define PART_LBA 64

static int teardown(void **state)
{
    assert_int_equal(disk.bad_reads, 0);
    mem_disk_free(&disk);
    return 0;
}

/* A volume of the type with the fewest sectors that give it, one sector a cluster. */
static void make(unsigned type)
{
    uint32_t sectors = type == 12 ? 2000 : type == 16 ? 5000 : 70000;

    memset(&err, 0, sizeof(err));
    mem_disk_init(&disk, PART_LBA + sectors);
    test_fat_format(&tf, &disk, PART_LBA, sectors, type, 1);
}

static void mount(void)
{
    assert_int_equal(pvh_fat_mount(&fs, &disk.dev, PART_LBA, disk.dev.sectors - PART_LBA, &err),
                     PVH_OK);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
    size_t i;

    for (i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

/* /loader/entries/<long name>: the BLS layout, and its contents back. */
static void tree_and_read(unsigned type)
{
    uint8_t data[3000], out[3000];
    uint32_t loader, entries;
    uint64_t len = 0;

    make(type);
    fill(data, sizeof(data), type);
    loader = test_fat_mkdir(&tf, test_fat_root(&tf), "loader", "LOADER     ");
    entries = test_fat_mkdir(&tf, loader, "entries", "ENTRIES    ");
    test_fat_file(&tf, entries, "debian-6.1.0-amd64.conf", "DEBIAN~1CON", data, sizeof(data));
    mount();
    assert_int_equal(fs.type, type);
    assert_int_equal(fs.clusters, tf.clusters);
    assert_int_equal(pvh_fat_lookup(&fs, "/Loader/ENTRIES/Debian-6.1.0-AMD64.conf", &node, &err),
                     PVH_OK);
    assert_string_equal(node.name, "debian-6.1.0-amd64.conf");
    assert_string_equal(node.short_name, "DEBIAN~1.CON");
    assert_int_equal(node.size, sizeof(data));
    assert_int_equal(pvh_fat_read_file(&fs, &node, out, sizeof(out), &len, &err), PVH_OK);
    assert_int_equal(len, sizeof(data));
    assert_memory_equal(out, data, sizeof(data));
    /* A range across a cluster boundary, starting and ending inside sectors. */
    memset(out, 0, sizeof(out));
    assert_int_equal(pvh_fat_read_at(&fs, &node, 500, out, 1100, &err), PVH_OK);
    assert_memory_equal(out, data + 500, 1100);
    /* By the short name too. */
    assert_int_equal(pvh_fat_lookup(&fs, "loader/entries/debian~1.con", &node, &err), PVH_OK);
    assert_string_equal(node.name, "debian-6.1.0-amd64.conf");
}

static void fat12_tree_and_read(void **state)
{
    tree_and_read(12);
}

static void fat16_tree_and_read(void **state)
{
    tree_and_read(16);
}

static void fat32_tree_and_read(void **state)
{
    tree_and_read(32);
}

struct listing {
    char names[8][64];
    unsigned n;
};

static int collect(void *ctx, const struct pvh_fat_node *e)
{
    struct listing *l = ctx;

    assert_true(l->n < 8);
    snprintf(l->names[l->n++], 64, "%.40s%s %u", e->name, e->is_dir ? "/" : "", e->size);
    return 0;
}

static void list_in_order_without_dots_and_deleted(void **state)
{
    struct listing l = { .n = 0 };
    struct pvh_fat_node root;
    uint8_t *gone;

    make(12);
    test_fat_entry(&tf, 0, NULL, "PVHDISK    ", 0x08, 0, 0); /* volume label */
    test_fat_file(&tf, 0, "First File.txt", "FIRSTF~1TXT", "abc", 3);
    gone = test_fat_entry(&tf, 0, "deleted-one", "DELETE~1   ", 0x20, 0, 0);
    gone[0] = 0xe5;
    test_fat_mkdir(&tf, 0, NULL, "EFI        ");
    test_fat_entry(&tf, 0, NULL, "README  TXT", 0x20, 0, 0)[12] = 0x18; /* lower case */
    /* A name starting with a space, which the specification forbids (the
     * fuzzer found it listed with an empty name): not a file. */
    test_fat_entry(&tf, 0, NULL, "           ", 0x20, 0, 0);
    mount();
    pvh_fat_root(&fs, &root);
    assert_int_equal(pvh_fat_list(&fs, &root, collect, &l, &err), PVH_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.names[0], "First File.txt 3");
    assert_string_equal(l.names[1], "EFI/ 0");
    assert_string_equal(l.names[2], "readme.txt 0");
}

static void file_bigger_than_buffer_refused(void **state)
{
    uint8_t data[1000], out[999];
    uint64_t len = 1;

    make(16);
    fill(data, sizeof(data), 1);
    test_fat_file(&tf, 0, "big.bin", "BIG     BIN", data, sizeof(data));
    mount();
    assert_int_equal(pvh_fat_lookup(&fs, "/big.bin", &node, &err), PVH_OK);
    assert_error(pvh_fat_read_file(&fs, &node, out, sizeof(out), &len, &err), &err, PVH_E2BIG,
                 "FAT: 'big.bin' is 1000 bytes, the buffer holds 999");
    assert_int_equal(len, 0);
}

static void scattered_chain_read(void **state)
{
    uint8_t data[2048], out[2048];
    uint32_t c;
    uint64_t len;

    make(32);
    fill(data, sizeof(data), 3);
    c = test_fat_file(&tf, test_fat_root(&tf), "s.bin", "S       BIN", data, sizeof(data));
    /* Move cluster c + 1's contents to c + 10 and relink: c, c+10, c+2, c+3. */
    memcpy(test_fat_cluster(&tf, c + 10), test_fat_cluster(&tf, c + 1), 512);
    memset(test_fat_cluster(&tf, c + 1), 0, 512);
    test_fat_set(&tf, c, c + 10);
    test_fat_set(&tf, c + 10, c + 2);
    test_fat_set(&tf, c + 1, 0);
    mount();
    assert_int_equal(pvh_fat_lookup(&fs, "/S.BIN", &node, &err), PVH_OK);
    assert_int_equal(pvh_fat_read_file(&fs, &node, out, sizeof(out), &len, &err), PVH_OK);
    assert_memory_equal(out, data, sizeof(data));
}

static uint8_t big_out[64 * 1024];

static void chain_loop_refused(void **state)
{
    uint8_t data[1536];
    uint64_t len;
    uint32_t c;

    make(16);
    c = test_fat_file(&tf, 0, "loop.bin", "LOOP    BIN", data, sizeof(data));
    test_fat_set(&tf, c + 2, c); /* the last cluster links back to the first */
    mount();
    assert_int_equal(pvh_fat_lookup(&fs, "/loop.bin", &node, &err), PVH_OK);
    assert_error(pvh_fat_read_file(&fs, &node, big_out, sizeof(big_out), &len, &err), &err,
                 PVH_EINVAL, "chain goes on past its size 1536");
    /* A range that ends before the loop (a UKI's section, a kernel read
     * at boot): the whole chain is checked all the same. */
    assert_error(pvh_fat_read_at(&fs, &node, 0, big_out, 100, &err), &err, PVH_EINVAL,
                 "chain goes on past its size 1536 (cluster");
    /* A loop that a size bigger than the chain runs into. */
    test_fat_set(&tf, c + 1, c);
    fs.fat_cached = UINT64_MAX;
    node.size = 40000;
    assert_error(pvh_fat_read_file(&fs, &node, big_out, sizeof(big_out), &len, &err), &err,
                 PVH_EINVAL, "chain goes on past its size 40000");
    /* Read whole through pvh_fat_read_at, as a kernel is: refused, not the
     * loop's two clusters read again and again. */
    assert_error(pvh_fat_read_at(&fs, &node, 0, big_out, 40000, &err), &err, PVH_EINVAL,
                 "chain goes on past its size 40000");
}

/* A chain checked whole once is not walked past a later read's range
 * (a UKI is read several times); each step inside the range is still
 * checked, and another file (or size) is checked whole. */
static void checked_chain_walked_only_to_the_range(void **state)
{
    uint8_t data[1536];
    uint64_t len;
    unsigned reads;
    uint32_t c;
    char want[96];

    make(16);
    fill(data, sizeof(data), 5);
    c = test_fat_file(&tf, 0, "k.bin", "K       BIN", data, sizeof(data));
    mount();
    assert_int_equal(pvh_fat_lookup(&fs, "/k.bin", &node, &err), PVH_OK);
    assert_int_equal(pvh_fat_read_file(&fs, &node, big_out, sizeof(big_out), &len, &err), PVH_OK);
    /* A loop past the first cluster, the FAT sector not cached: reading
     * the first 100 bytes reads their sector alone, no FAT sector. */
    test_fat_set(&tf, c + 2, c);
    fs.fat_cached = UINT64_MAX;
    reads = disk.reads;
    assert_int_equal(pvh_fat_read_at(&fs, &node, 0, big_out, 100, &err), PVH_OK);
    assert_int_equal(disk.reads - reads, 1);
    assert_memory_equal(big_out, data, 100);
    /* The same first cluster with another size: checked whole again. */
    node.size = 1000;
    assert_error(pvh_fat_read_at(&fs, &node, 0, big_out, 100, &err), &err, PVH_EINVAL,
                 "chain goes on past its size 1000");
    /* Inside the range, a step is checked however the chain was before. */
    node.size = sizeof(data);
    test_fat_set(&tf, c + 2, test_fat_eoc(&tf));
    assert_int_equal(pvh_fat_read_file(&fs, &node, big_out, sizeof(big_out), &len, &err), PVH_OK);
    test_fat_set(&tf, c, 0xfff0);
    fs.fat_cached = UINT64_MAX;
    snprintf(want, sizeof(want), "cluster %u links to cluster 0xfff0", c);
    assert_error(pvh_fat_read_at(&fs, &node, 600, big_out, 100, &err), &err, PVH_ERANGE, want);
}

static void chain_shorter_than_size_refused(void **state)
{
    uint8_t data[1536];
    uint64_t len;
    uint32_t c;

    make(12);
    c = test_fat_file(&tf, 0, "short.bin", "SHORT   BIN", data, sizeof(data));
    test_fat_set(&tf, c + 1, test_fat_eoc(&tf));
    mount();
    assert_int_equal(pvh_fat_lookup(&fs, "/short.bin", &node, &err), PVH_OK);
    assert_error(pvh_fat_read_file(&fs, &node, big_out, sizeof(big_out), &len, &err), &err,
                 PVH_EINVAL, "chain ends after 2 clusters, its size 1536 needs 3");
}

static void cluster_out_of_range_refused(void **state)
{
    uint8_t data[1024];
    uint64_t len;
    uint32_t c;
    char want[96];

    make(16);
    c = test_fat_file(&tf, 0, "far.bin", "FAR     BIN", data, sizeof(data));
    test_fat_set(&tf, c, 0xfff0);
    mount();
    assert_int_equal(pvh_fat_lookup(&fs, "/far.bin", &node, &err), PVH_OK);
    snprintf(want, sizeof(want), "cluster %u links to cluster 0xfff0 (2..%u)", c,
             tf.clusters + 1);
    assert_error(pvh_fat_read_file(&fs, &node, big_out, sizeof(big_out), &len, &err), &err,
                 PVH_ERANGE, want);
    /* A free entry inside a chain: cluster 0. */
    test_fat_set(&tf, c, 0);
    fs.fat_cached = UINT64_MAX;
    assert_error(pvh_fat_read_file(&fs, &node, big_out, sizeof(big_out), &len, &err), &err,
                 PVH_ERANGE, "links to cluster 0x0");
    /* A first cluster past the volume. */
    node.cluster = tf.clusters + 2;
    assert_error(pvh_fat_read_file(&fs, &node, big_out, sizeof(big_out), &len, &err), &err,
                 PVH_ERANGE, "first cluster");
}

/* A subdirectory whose one cluster links to itself and holds no end entry. */
static void directory_without_end_refused(void **state)
{
    uint32_t d;
    unsigned i;
    uint8_t *c;

    make(32);
    d = test_fat_mkdir(&tf, test_fat_root(&tf), "loop", "LOOP       ");
    c = test_fat_cluster(&tf, d);
    for (i = 2; i < 16; i++)
        c[32 * i] = 0xe5;
    test_fat_set(&tf, d, d);
    mount();
    assert_error(pvh_fat_lookup(&fs, "/loop/x.conf", &node, &err), &err, PVH_E2BIG,
                 "directory 'loop' longer than 65536 entries");
    assert_true(disk.reads < 5000);
}

/* The fixed root full of deleted entries: it ends with the root area. */
static void fixed_root_without_end(void **state)
{
    uint8_t *root;
    unsigned i;

    make(16);
    root = mem_disk_at(&disk, PART_LBA + tf.root_lba);
    for (i = 0; i < tf.root_entries; i++)
        root[32 * i] = 0xe5;
    mount();
    assert_error(pvh_fat_lookup(&fs, "/x", &node, &err), &err, PVH_ENOENT, "FAT: no '/x'");
}

static void lfn_checksum_mismatch_uses_short_name(void **state)
{
    uint8_t *s;

    make(12);
    s = test_fat_entry(&tf, 0, "Long Name.conf", "LONGNA~1CON", 0x20, 0, 0);
    s[-32 + 13] ^= 0xff; /* the checksum of the LFN piece before the short entry */
    s[-64 + 13] ^= 0xff; /* and of the first piece */
    mount();
    assert_error(pvh_fat_lookup(&fs, "/Long Name.conf", &node, &err), &err, PVH_ENOENT,
                 "no '/Long Name.conf'");
    assert_int_equal(pvh_fat_lookup(&fs, "/longna~1.con", &node, &err), PVH_OK);
    assert_string_equal(node.name, "LONGNA~1.CON");
}

static void lfn_pieces_out_of_order_use_short_name(void **state)
{
    uint8_t *s, tmp[32];

    make(12);
    s = test_fat_entry(&tf, 0, "A long name of 30 characters.x", "ALONGN~1X  ", 0x20, 0, 0);
    /* Three pieces: swap the second and third (ordinals 2 and 1). */
    memcpy(tmp, s - 32, 32);
    memcpy(s - 32, s - 64, 32);
    memcpy(s - 64, tmp, 32);
    mount();
    assert_int_equal(pvh_fat_lookup(&fs, "/alongn~1.x", &node, &err), PVH_OK);
    assert_string_equal(node.name, "ALONGN~1.X");
}

static void lfn_utf16_to_utf8(void **state)
{
    uint8_t *s;

    make(12);
    s = test_fat_entry(&tf, 0, "caf_.txt", "CAF_~1  TXT", 0x20, 0, 0);
    /* Unit 3 (byte offsets 7..8 of the piece) becomes U+00E9. */
    s[-32 + 7] = 0xe9;
    s[-32 + 8] = 0x00;
    mount();
    assert_int_equal(pvh_fat_lookup(&fs, "/caf\xc3\xa9.txt", &node, &err), PVH_OK);
    assert_string_equal(node.name, "caf\xc3\xa9.txt");
}

static void mount_with_bpb(unsigned off, unsigned size, uint32_t value, int code,
                           const char *want)
{
    uint8_t *b;

    make(16);
    b = mem_disk_at(&disk, PART_LBA);
    memcpy(b + off, &value, size);
    assert_error(pvh_fat_mount(&fs, &disk.dev, PART_LBA, disk.dev.sectors - PART_LBA, &err),
                 &err, code, want);
    mem_disk_free(&disk);
}

static void bad_bpbs_refused(void **state)
{
    mount_with_bpb(11, 2, 4096, PVH_EINVAL, "FAT: 4096 bytes per sector (only 512 is read)");
    mount_with_bpb(13, 1, 3, PVH_EINVAL, "FAT: 512 bytes per sector (only 512 is read), 3 "
                   "sectors per cluster");
    mount_with_bpb(16, 1, 0, PVH_ERANGE, "0 FATs");
    mount_with_bpb(19, 2, 6000, PVH_ERANGE, "6000 sectors in a partition of 5000");
    mount_with_bpb(22, 2, 2, PVH_ERANGE, "a FAT of 2 sectors for");
    mount_with_bpb(17, 2, 0, PVH_EINVAL, "make FAT16, but the BPB has 0 root entries");
    mount_with_bpb(510, 2, 0, PVH_EINVAL, "no boot sector at LBA 64");
    mount_with_bpb(14, 2, 60000, PVH_ERANGE, "sectors before the data area");
    memset(&disk, 0, sizeof(disk));
}

static void fat32_root_cluster_out_of_range_refused(void **state)
{
    uint32_t bad = 0x0fffff00;

    make(32);
    memcpy(mem_disk_at(&disk, PART_LBA) + 44, &bad, 4);
    assert_error(pvh_fat_mount(&fs, &disk.dev, PART_LBA, disk.dev.sectors - PART_LBA, &err),
                 &err, PVH_ERANGE, "FAT32: root cluster 268435200");
}

/* A random tree of files, each read back: FAT12 chains cross FAT sector
 * boundaries (entries 341 and 682 straddle them). */
static void fat12_many_files(void **state)
{
    static uint8_t data[40][1600], out[1600];
    char lname[32], sname[12];
    unsigned i;
    uint64_t len;

    make(12);
    rng_seed(26);
    for (i = 0; i < 40; i++) {
        unsigned n = (unsigned)rng_below(1600);

        fill(data[i], n, i);
        snprintf(lname, sizeof(lname), "file number %u.dat", i);
        snprintf(sname, sizeof(sname), "FILE%04uDAT", i);
        test_fat_file(&tf, 0, lname, sname, data[i], n);
    }
    mount();
    rng_seed(26);
    for (i = 0; i < 40; i++) {
        unsigned n = (unsigned)rng_below(1600);

        snprintf(lname, sizeof(lname), "/FILE NUMBER %u.DAT", i);
        assert_int_equal(pvh_fat_lookup(&fs, lname, &node, &err), PVH_OK);
        assert_int_equal(node.size, n);
        assert_int_equal(pvh_fat_read_file(&fs, &node, out, sizeof(out), &len, &err), PVH_OK);
        assert_memory_equal(out, data[i], n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(fat12_tree_and_read, teardown),
        cmocka_unit_test_teardown(fat16_tree_and_read, teardown),
        cmocka_unit_test_teardown(fat32_tree_and_read, teardown),
        cmocka_unit_test_teardown(list_in_order_without_dots_and_deleted, teardown),
        cmocka_unit_test_teardown(file_bigger_than_buffer_refused, teardown),
        cmocka_unit_test_teardown(scattered_chain_read, teardown),
        cmocka_unit_test_teardown(chain_loop_refused, teardown),
        cmocka_unit_test_teardown(checked_chain_walked_only_to_the_range, teardown),
        cmocka_unit_test_teardown(chain_shorter_than_size_refused, teardown),
        cmocka_unit_test_teardown(cluster_out_of_range_refused, teardown),
        cmocka_unit_test_teardown(directory_without_end_refused, teardown),
        cmocka_unit_test_teardown(fixed_root_without_end, teardown),
        cmocka_unit_test_teardown(lfn_checksum_mismatch_uses_short_name, teardown),
        cmocka_unit_test_teardown(lfn_pieces_out_of_order_use_short_name, teardown),
        cmocka_unit_test_teardown(lfn_utf16_to_utf8, teardown),
        cmocka_unit_test_teardown(bad_bpbs_refused, teardown),
        cmocka_unit_test_teardown(fat32_root_cluster_out_of_range_refused, teardown),
        cmocka_unit_test_teardown(fat12_many_files, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
