#include "tests/unit/disk_image.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <pvhboot/crc32.h>

#include "common/lib/bytes.h"

static int mem_read(const struct pvh_block_dev *dev, uint64_t lba, uint32_t count, void *buf)
{
    struct mem_disk *d = (struct mem_disk *)dev;

    d->reads++;
    if (lba > dev->sectors || count > dev->sectors - lba) {
        d->bad_reads++;
        return -1;
    }
    memcpy(buf, d->data + lba * PVH_SECTOR_SIZE, (size_t)count * PVH_SECTOR_SIZE);
    return 0;
}

void mem_disk_init(struct mem_disk *d, uint64_t sectors)
{
    memset(d, 0, sizeof(*d));
    strcpy(d->dev.name, "test");
    d->dev.sectors = sectors;
    d->dev.read = mem_read;
    d->data = calloc(sectors, PVH_SECTOR_SIZE);
    assert_non_null(d->data);
}

void mem_disk_free(struct mem_disk *d)
{
    free(d->data);
    d->data = NULL;
}

uint8_t *mem_disk_at(struct mem_disk *d, uint64_t lba)
{
    assert_true(lba < d->dev.sectors);
    return d->data + lba * PVH_SECTOR_SIZE;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

/* ---- GPT ---------------------------------------------------------------- */

const uint8_t test_guid_esp[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
                                    0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };
const uint8_t test_guid_xbootldr[16] = { 0xff, 0xc2, 0x13, 0xbc, 0xe6, 0x59, 0x62, 0x42,
                                         0xa3, 0x52, 0xb2, 0x75, 0xfd, 0x6f, 0x71, 0x72 };
/* 0FC63DAF-8483-4772-8E79-3D69D8477DE4, Linux filesystem data */
const uint8_t test_guid_linux[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
                                      0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };

#define GPT_ENTRIES 128
#define GPT_ARRAY_SECTORS 32

void test_mbr_entry(uint8_t *sector, unsigned i, uint8_t type, uint32_t first, uint32_t count)
{
    uint8_t *e = sector + 446 + 16 * i;

    e[4] = type;
    pvh_put_le32(e + 8, first);
    pvh_put_le32(e + 12, count);
    sector[510] = 0x55;
    sector[511] = 0xaa;
}

static void gpt_header(struct mem_disk *d, uint64_t lba, uint64_t alt, uint64_t entries)
{
    uint8_t *h = mem_disk_at(d, lba);
    uint64_t sectors = d->dev.sectors;

    memcpy(h, "EFI PART", 8);
    pvh_put_le32(h + 8, 0x00010000);
    pvh_put_le32(h + 12, 92);
    pvh_put_le64(h + 24, lba);
    pvh_put_le64(h + 32, alt);
    pvh_put_le64(h + 40, 34);
    pvh_put_le64(h + 48, sectors - 34);
    memset(h + 56, 0x42, 16);
    pvh_put_le64(h + 72, entries);
    pvh_put_le32(h + 80, GPT_ENTRIES);
    pvh_put_le32(h + 84, 128);
    test_gpt_fix_crcs(d, lba);
}

void test_gpt_fix_crcs(struct mem_disk *d, uint64_t lba)
{
    uint8_t *h = mem_disk_at(d, lba);
    uint64_t entries = get64(h + TGPT_ENTRIES_LBA);
    uint64_t bytes = (uint64_t)get32(h + TGPT_NR_ENTRIES) * get32(h + TGPT_ENTRY_SIZE);

    if (entries < d->dev.sectors && bytes <= (d->dev.sectors - entries) * PVH_SECTOR_SIZE)
        pvh_put_le32(h + 88, pvh_crc32(0, mem_disk_at(d, entries), bytes));
    pvh_put_le32(h + TGPT_HEADER_CRC, 0);
    pvh_put_le32(h + TGPT_HEADER_CRC, pvh_crc32(0, h, get32(h + 12)));
}

void test_gpt_write(struct mem_disk *d, const struct test_gpt_part *parts, unsigned n)
{
    uint64_t last = d->dev.sectors - 1, backup_entries = last - GPT_ARRAY_SECTORS;
    unsigned i;

    test_mbr_entry(mem_disk_at(d, 0), 0, 0xee, 1,
                   last > 0xffffffffu ? 0xffffffffu : (uint32_t)last);
    for (i = 0; i < n; i++) {
        uint8_t *e = mem_disk_at(d, 2) + 128 * i;

        memcpy(e, parts[i].type, 16);
        memset(e + 16, (int)(i + 1), 16);
        pvh_put_le64(e + 32, parts[i].first);
        pvh_put_le64(e + 40, parts[i].last);
    }
    memcpy(mem_disk_at(d, backup_entries), mem_disk_at(d, 2),
           GPT_ARRAY_SECTORS * PVH_SECTOR_SIZE);
    gpt_header(d, 1, last, 2);
    gpt_header(d, last, 1, backup_entries);
}

/* ---- FAT ---------------------------------------------------------------- */

static unsigned fat_type_for(uint32_t clusters)
{
    return clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
}

void test_fat_format(struct test_fat *f, struct mem_disk *d, uint64_t lba, uint32_t sectors,
                     unsigned type, unsigned spc)
{
    uint8_t *b = mem_disk_at(d, lba);
    uint32_t root_secs, i;

    memset(f, 0, sizeof(*f));
    f->d = d;
    f->lba = lba;
    f->type = type;
    f->spc = spc;
    f->nfats = 2;
    f->reserved = type == 32 ? 32 : 1;
    f->root_entries = type == 32 ? 0 : 512;
    root_secs = f->root_entries * 32 / 512;
    /* The FAT's size for the clusters left once it is counted: a few rounds. */
    f->fat_sz = 1;
    for (i = 0; i < 8; i++) {
        uint32_t data = sectors - f->reserved - f->nfats * f->fat_sz - root_secs;
        uint64_t bytes = ((uint64_t)data / spc + 2) * type / 8 + 1;

        f->fat_sz = (uint32_t)((bytes + 511) / 512);
    }
    f->root_lba = f->reserved + f->nfats * f->fat_sz;
    f->data_lba = f->root_lba + root_secs;
    f->clusters = (sectors - f->data_lba) / spc;
    assert_int_equal(fat_type_for(f->clusters), type);
    f->next_free = type == 32 ? 3 : 2;

    b[0] = 0xeb;
    b[1] = 0x3c;
    b[2] = 0x90;
    memcpy(b + 3, "PVHTEST ", 8);
    pvh_put_le16(b + 11, 512);
    b[13] = (uint8_t)spc;
    pvh_put_le16(b + 14, (uint16_t)f->reserved);
    b[16] = (uint8_t)f->nfats;
    pvh_put_le16(b + 17, (uint16_t)f->root_entries);
    if (sectors < 0x10000 && type != 32)
        pvh_put_le16(b + 19, (uint16_t)sectors);
    else
        pvh_put_le32(b + 32, sectors);
    b[21] = 0xf8;
    if (type == 32) {
        pvh_put_le32(b + 36, f->fat_sz);
        pvh_put_le32(b + 44, 2);
    } else {
        pvh_put_le16(b + 22, (uint16_t)f->fat_sz);
    }
    b[510] = 0x55;
    b[511] = 0xaa;
    test_fat_set(f, 0, 0x0ffffff8);
    test_fat_set(f, 1, 0x0fffffff);
    if (type == 32)
        test_fat_set(f, 2, test_fat_eoc(f));
}

uint32_t test_fat_eoc(const struct test_fat *f)
{
    return f->type == 12 ? 0xfff : f->type == 16 ? 0xffff : 0x0fffffff;
}

void test_fat_set(struct test_fat *f, uint32_t c, uint32_t v)
{
    unsigned n;

    for (n = 0; n < f->nfats; n++) {
        uint8_t *fat = mem_disk_at(f->d, f->lba + f->reserved + n * f->fat_sz);

        if (f->type == 12) {
            uint8_t *p = fat + c + c / 2;
            uint16_t old = (uint16_t)(p[0] | p[1] << 8);

            old = c & 1 ? (uint16_t)((old & 0x000f) | (v & 0xfff) << 4)
                        : (uint16_t)((old & 0xf000) | (v & 0xfff));
            pvh_put_le16(p, old);
        } else if (f->type == 16) {
            pvh_put_le16(fat + 2 * c, (uint16_t)v);
        } else {
            pvh_put_le32(fat + 4 * c, v & 0x0fffffff);
        }
    }
}

uint8_t *test_fat_cluster(struct test_fat *f, uint32_t c)
{
    return mem_disk_at(f->d, f->lba + f->data_lba + (uint64_t)(c - 2) * f->spc);
}

uint32_t test_fat_root(const struct test_fat *f)
{
    return f->type == 32 ? 2 : 0;
}

uint8_t *test_fat_slot(struct test_fat *f, uint32_t dir, unsigned n)
{
    uint8_t *base = dir ? test_fat_cluster(f, dir) : mem_disk_at(f->d, f->lba + f->root_lba);
    unsigned max = dir ? f->spc * 16 : f->root_entries, i;

    for (i = 0; i + n <= max; i++)
        if (base[32 * i] == 0)
            return base + 32 * i;
    fail_msg("directory full");
    return NULL;
}

uint8_t test_fat_short_checksum(const char *short11)
{
    uint8_t sum = 0;
    unsigned i;

    for (i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + (uint8_t)short11[i]);
    return sum;
}

unsigned test_fat_entry_at(uint8_t *e, const char *lname, const char *short11, uint8_t attr,
                           uint32_t cluster, uint32_t size)
{
    static const uint8_t off[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    unsigned len = lname ? (unsigned)strlen(lname) : 0, parts = (len + 12) / 13, p, i;
    uint8_t *s;

    for (p = 0; p < parts; p++) {
        unsigned ord = parts - p;
        uint8_t *l = e + 32 * p;

        l[0] = (uint8_t)(ord | (p == 0 ? 0x40 : 0));
        l[11] = 0x0f;
        l[13] = test_fat_short_checksum(short11);
        for (i = 0; i < 13; i++) {
            unsigned at = (ord - 1) * 13 + i;
            uint16_t u = at < len ? (uint8_t)lname[at] : at == len ? 0 : 0xffff;

            pvh_put_le16(l + off[i], u);
        }
    }
    s = e + 32 * parts;
    memcpy(s, short11, 11);
    s[11] = attr;
    pvh_put_le16(s + 20, (uint16_t)(cluster >> 16));
    pvh_put_le16(s + 26, (uint16_t)cluster);
    pvh_put_le32(s + 28, size);
    return parts + 1;
}

uint8_t *test_fat_entry(struct test_fat *f, uint32_t dir, const char *lname,
                        const char *short11, uint8_t attr, uint32_t cluster, uint32_t size)
{
    unsigned len = lname ? (unsigned)strlen(lname) : 0, parts = (len + 12) / 13;
    uint8_t *e = test_fat_slot(f, dir, parts + 1);

    test_fat_entry_at(e, lname, short11, attr, cluster, size);
    return e + 32 * parts;
}

uint32_t test_fat_file(struct test_fat *f, uint32_t dir, const char *lname, const char *short11,
                       const void *data, uint32_t len)
{
    uint32_t cb = f->spc * 512, n = (len + cb - 1) / cb, first = len ? f->next_free : 0, i;

    for (i = 0; i < n; i++) {
        uint32_t c = f->next_free++;

        test_fat_set(f, c, i + 1 == n ? test_fat_eoc(f) : c + 1);
        memcpy(test_fat_cluster(f, c), (const uint8_t *)data + i * cb,
               len - i * cb < cb ? len - i * cb : cb);
    }
    test_fat_entry(f, dir, lname, short11, 0x20, first, len);
    return first;
}

uint32_t test_fat_mkdir(struct test_fat *f, uint32_t dir, const char *lname,
                        const char *short11)
{
    uint32_t c = f->next_free++;

    test_fat_set(f, c, test_fat_eoc(f));
    memset(test_fat_cluster(f, c), 0, f->spc * 512);
    test_fat_entry(f, c, NULL, ".          ", 0x10, c, 0);
    test_fat_entry(f, c, NULL, "..         ", 0x10, dir == test_fat_root(f) ? 0 : dir, 0);
    test_fat_entry(f, dir, lname, short11, 0x10, c, 0);
    return c;
}

/* ---- PE ------------------------------------------------------------------- */

size_t test_pe_build(uint8_t *buf, size_t cap, uint16_t machine,
                     const struct test_pe_section *s, unsigned n)
{
    uint32_t at = 0x400, i;

    assert_true(cap >= at);
    memset(buf, 0, at);
    buf[0] = 'M';
    buf[1] = 'Z';
    pvh_put_le32(buf + 0x3c, TPE_LFANEW);
    memcpy(buf + TPE_LFANEW, "PE\0\0", 4);
    pvh_put_le16(buf + TPE_LFANEW + 4, machine);
    pvh_put_le16(buf + TPE_LFANEW + 6, (uint16_t)n);
    pvh_put_le16(buf + TPE_LFANEW + 20, 0xf0);
    pvh_put_le16(buf + TPE_LFANEW + 24, 0x20b);
    for (i = 0; i < n; i++) {
        uint8_t *h = buf + TPE_TABLE + 40 * i;
        uint32_t raw = (s[i].len + 511) & ~511u;

        assert_true(TPE_TABLE + 40 * (i + 1) <= 0x400);
        assert_true(at + raw <= cap);
        memcpy(h, s[i].name, strnlen(s[i].name, 8));
        pvh_put_le32(h + 8, s[i].len);
        pvh_put_le32(h + 12, 0x10000 * (i + 1));
        pvh_put_le32(h + 16, raw);
        pvh_put_le32(h + 20, at);
        memset(buf + at, 0, raw);
        memcpy(buf + at, s[i].data, s[i].len);
        at += raw;
    }
    return at;
}
