/*
 * common/acpi/acpi.c: finding how to power off in the ACPI tables (RSDP ->
 * RSDT/XSDT -> FADT -> DSDT's \_S5).
 *
 * Each table lives in its own simulated-memory segment, a heap buffer
 * of exactly the table's size at the physical address below, so ASan
 * reports any read past the end of a table:
 *
 *   0xf5a40    RSDP (20 bytes for revision 0, 36 for revision 2)
 *   0x7fe0000  RSDT          0x7fe3000  DSDT
 *   0x7fe1000  XSDT          0x7fe4000  a second FADT or DSDT
 *   0x7fe2000  FADT          0x7fe5000  another table (APIC)
 *
 * Offsets are written here from the ACPI 6.5 specification, not taken
 * from acpi.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/acpi/acpi.h"
#include "tests/unit/support.h"

#define RSDP_PA 0xf5a40ull
#define RSDT_PA 0x7fe0000ull
#define XSDT_PA 0x7fe1000ull
#define FADT_PA 0x7fe2000ull
#define DSDT_PA 0x7fe3000ull
#define OTHER_PA 0x7fe4000ull
#define APIC_PA 0x7fe5000ull

/* RSDP (5.2.5.3). */
#define RSDP_CHECKSUM 8
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_LENGTH 20
#define RSDP_XSDT 24
#define RSDP_EXT_CHECKSUM 32

/* Every system description table's header (5.2.6). */
#define SDT_LENGTH 4
#define SDT_CHECKSUM 9
#define SDT_HEADER 36

/* FADT (5.2.9). */
#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_FLAGS 112
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define FADT_SLEEP_CONTROL 244
#define FADT_LEN_6 276  /* ACPI 6 FADT */
#define FADT_LEN_1 116  /* ACPI 1.0 FADT: ends after the flags */
#define HW_REDUCED_ACPI (1u << 20)

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct sim_mem M;
static struct pvh_error err;
static struct pvh_acpi_poweroff off;

static int setup(void **state)
{
    sim_init(&M);
    memset(&err, 0, sizeof(err));
    memset(&off, 0x5a, sizeof(off)); /* garbage: what is not set shows */
    return 0;
}

static int teardown(void **state)
{
    sim_free(&M);
    return 0;
}

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}

static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}


/* A table of len bytes with its header filled in but not yet summed. */
static uint8_t *new_table(const char sig[4], size_t len)
{
    uint8_t *t = calloc(1, len);

    assert_non_null(t);
    assert_true(len >= 8);
    memcpy(t, sig, 4);
    le32(t + SDT_LENGTH, (uint32_t)len);
    if (len >= SDT_HEADER) {
        t[8] = 1; /* revision */
        memcpy(t + 10, "PVHTST", 6);
        memcpy(t + 16, "UNITTEST", 8);
    }
    return t;
}

/* Checksum t and place it in simulated memory at pa (exactly len bytes). */
static void add_table(uint64_t pa, uint8_t *t, size_t len)
{
    if (len >= SDT_HEADER)
        fix_checksum(t, len, SDT_CHECKSUM);
    sim_add_copy(&M, pa, t, len);
    free(t);
}

static void add_rsdp(unsigned revision, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t r[36] = "RSD PTR ";
    size_t len = revision >= 2 ? 36 : 20;

    memcpy(r + 9, "PVHTST", 6);
    r[RSDP_REVISION] = (uint8_t)revision;
    le32(r + RSDP_RSDT, rsdt);
    if (revision >= 2) {
        le32(r + RSDP_LENGTH, 36);
        le64(r + RSDP_XSDT, xsdt);
    }
    fix_checksum(r, 20, RSDP_CHECKSUM);
    if (revision >= 2)
        fix_checksum(r, 36, RSDP_EXT_CHECKSUM);
    sim_add_copy(&M, RSDP_PA, r, len);
}

static void add_rsdt(uint64_t pa, const uint32_t *entries, unsigned n)
{
    uint8_t *t = new_table("RSDT", SDT_HEADER + 4 * n);
    unsigned i;

    for (i = 0; i < n; i++)
        le32(t + SDT_HEADER + 4 * i, entries[i]);
    add_table(pa, t, SDT_HEADER + 4 * n);
}

static void add_xsdt(uint64_t pa, const uint64_t *entries, unsigned n)
{
    uint8_t *t = new_table("XSDT", SDT_HEADER + 8 * n);
    unsigned i;

    for (i = 0; i < n; i++)
        le64(t + SDT_HEADER + 8 * i, entries[i]);
    add_table(pa, t, SDT_HEADER + 8 * n);
}

/* A FADT of len bytes pointing at DSDT_PA with PM1a control at I/O port
 * 0x604 (QEMU's q35), for the test to change before add_table(). */
static uint8_t *new_fadt(size_t len)
{
    uint8_t *f = new_table("FACP", len);

    le32(f + FADT_DSDT, DSDT_PA);
    le32(f + FADT_PM1A_CNT, 0x604);
    return f;
}

/* A Generic Address Structure (5.2.3.2). */
static void put_gas(uint8_t *p, uint8_t space, uint8_t width, uint8_t offset, uint8_t access,
                    uint64_t address)
{
    p[0] = space;
    p[1] = width;
    p[2] = offset;
    p[3] = access;
    le64(p + 4, address);
}

static void add_dsdt(uint64_t pa, const uint8_t *aml, size_t len)
{
    uint8_t *t = new_table("DSDT", SDT_HEADER + len);

    if (len)
        memcpy(t + SDT_HEADER, aml, len);
    add_table(pa, t, SDT_HEADER + len);
}

/* Name(_S5, Package(4){0, 0, 0, 0}), as QEMU's pc machine writes it. */
static const uint8_t s5_zero[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };

/* Some AML before \_S5: a scope, a method, a device. Not decoded. */
static const uint8_t filler_aml[] = {
    0x10, 0x0c, 0x5c, 0x5f, 0x53, 0x42, 0x5f, 0x14, 0x06, 'P', 'I', 'C', '_', 0x01,
    0x5b, 0x82, 0x05, 'P', 'C', 'I', '0',
};

/* RSDP revision 0 -> RSDT -> the FADT at FADT_PA. */
static void add_v1_tables(void)
{
    const uint32_t rsdt[] = { FADT_PA };

    add_rsdp(0, RSDT_PA, 0);
    add_rsdt(RSDT_PA, rsdt, 1);
}

static void add_standard_platform(void)
{
    add_v1_tables();
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
}

static int find(void)
{
    return pvh_acpi_find_poweroff(&M.phys, RSDP_PA, &off, &err);
}

static void expect_gas(const struct pvh_acpi_gas *g, uint8_t space, uint8_t width,
                       uint8_t offset, uint8_t access, uint64_t address)
{
    assert_int_equal(g->space, space);
    assert_int_equal(g->bit_width, width);
    assert_int_equal(g->bit_offset, offset);
    assert_int_equal(g->access_size, access);
    assert_int_equal(g->address, address);
}

/* ---- finding PM1 control ---------------------------------------------------- */

static void finds_pm1_through_rsdp_v1_and_rsdt(void **state)
{
    add_standard_platform();
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.kind, PVH_ACPI_OFF_PM1);
    expect_gas(&off.pm1a_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x604);
    assert_int_equal(off.pm1b_cnt.address, 0);
    assert_int_equal(off.slp_typ_a, 0);
    assert_int_equal(off.slp_typ_b, 0);
    assert_int_equal(off.sleep_ctl.address, 0);
}

static void finds_pm1b_when_present(void **state)
{
    uint8_t *f = new_fadt(FADT_LEN_6);

    le32(f + FADT_PM1B_CNT, 0x684);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);
    expect_gas(&off.pm1a_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x604);
    expect_gas(&off.pm1b_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x684);
}

/* RSDP revision 2 with an XSDT: the XSDT wins over the RSDT. */
static void finds_fadt_through_rsdp_v2_and_xsdt(void **state)
{
    const uint32_t rsdt[] = { OTHER_PA };
    const uint64_t xsdt[] = { FADT_PA };
    uint8_t *other = new_fadt(FADT_LEN_6);

    le32(other + FADT_PM1A_CNT, 0xb004);
    add_rsdp(2, RSDT_PA, XSDT_PA);
    add_rsdt(RSDT_PA, rsdt, 1);
    add_xsdt(XSDT_PA, xsdt, 1);
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_table(OTHER_PA, other, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);
    expect_gas(&off.pm1a_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x604);
}

/* The tables for the next three tests: the RSDT leads to a FADT with
 * PM1a at 0xb004, the XSDT (when used) to one with 0x604. */
static void add_rsdt_and_xsdt_tables(void)
{
    const uint32_t rsdt[] = { OTHER_PA };
    const uint64_t xsdt[] = { FADT_PA };
    uint8_t *other = new_fadt(FADT_LEN_6);

    le32(other + FADT_PM1A_CNT, 0xb004);
    add_rsdt(RSDT_PA, rsdt, 1);
    add_xsdt(XSDT_PA, xsdt, 1);
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_table(OTHER_PA, other, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
}

static void rsdp_v2_with_bad_extended_checksum_uses_rsdt(void **state)
{
    add_rsdp(2, RSDT_PA, XSDT_PA);
    sim_at(&M, RSDP_PA)[RSDP_EXT_CHECKSUM] ^= 1;
    add_rsdt_and_xsdt_tables();
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.pm1a_cnt.address, 0xb004);
}

static void rsdp_v2_with_xsdt_0_uses_rsdt(void **state)
{
    add_rsdp(2, RSDT_PA, 0);
    add_rsdt_and_xsdt_tables();
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.pm1a_cnt.address, 0xb004);
}

/* A revision 2 RSDP whose extended part is not there (the 20 bytes of
 * revision 0 at the end of memory): the RSDT is used, nothing past the
 * 20 bytes is read. */
static void rsdp_v2_cut_short_uses_rsdt(void **state)
{
    uint8_t r[20] = "RSD PTR ";

    r[RSDP_REVISION] = 2;
    le32(r + RSDP_RSDT, RSDT_PA);
    fix_checksum(r, 20, RSDP_CHECKSUM);
    sim_add_copy(&M, RSDP_PA, r, sizeof(r));
    add_rsdt_and_xsdt_tables();
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.pm1a_cnt.address, 0xb004);
}

static void prefers_x_pm1_blocks(void **state)
{
    uint8_t *f = new_fadt(FADT_LEN_6);

    le32(f + FADT_PM1B_CNT, 0x684);
    put_gas(f + FADT_X_PM1A_CNT, ACPI_SPACE_IO, 16, 0, 2, 0x1804);
    put_gas(f + FADT_X_PM1B_CNT, ACPI_SPACE_MEMORY, 32, 8, 3, 0xfed40000ull);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.kind, PVH_ACPI_OFF_PM1);
    expect_gas(&off.pm1a_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x1804);
    expect_gas(&off.pm1b_cnt, ACPI_SPACE_MEMORY, 32, 8, 3, 0xfed40000ull);
}

static void x_pm1_blocks_with_address_0_fall_back(void **state)
{
    uint8_t *f = new_fadt(FADT_LEN_6);

    put_gas(f + FADT_X_PM1A_CNT, ACPI_SPACE_IO, 16, 0, 2, 0);
    put_gas(f + FADT_X_PM1B_CNT, ACPI_SPACE_MEMORY, 32, 0, 3, 0);
    le32(f + FADT_PM1B_CNT, 0x684);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);
    expect_gas(&off.pm1a_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x604);
    expect_gas(&off.pm1b_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x684);
}

/* An ACPI 1.0 FADT ends after the flags: no X_ field may be read (the
 * segment ends there). */
static void reads_acpi_1_fadt(void **state)
{
    add_v1_tables();
    add_table(FADT_PA, new_fadt(FADT_LEN_1), FADT_LEN_1);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);
    expect_gas(&off.pm1a_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x604);
}

/* The shortest FADT accepted holds PM1b control: 72 bytes. */
static void reads_fadt_of_72_bytes(void **state)
{
    add_v1_tables();
    add_table(FADT_PA, new_fadt(72), 72);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);
    expect_gas(&off.pm1a_cnt, ACPI_SPACE_IO, 16, 0, 2, 0x604);
}

static void rejects_fadt_without_pm1a(void **state)
{
    uint8_t *f = new_fadt(FADT_LEN_6);

    le32(f + FADT_PM1A_CNT, 0);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_error(find(), &err, PVH_ENOENT, "ACPI FADT: no PM1a control block");
}

static void prefers_x_dsdt(void **state)
{
    static const uint8_t s5_three[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x03, 0x01 };
    uint8_t *f = new_fadt(FADT_LEN_6);

    le64(f + FADT_X_DSDT, OTHER_PA);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    add_dsdt(OTHER_PA, s5_three, sizeof(s5_three));
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.slp_typ_a, 3);
    assert_int_equal(off.slp_typ_b, 1);
}

/* ---- hardware-reduced ACPI -------------------------------------------------- */

static void hardware_reduced_uses_sleep_control(void **state)
{
    static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x05, 0x00, 0x00 };
    uint8_t *f = new_fadt(FADT_LEN_6);

    le32(f + FADT_PM1A_CNT, 0);
    le32(f + FADT_FLAGS, HW_REDUCED_ACPI);
    put_gas(f + FADT_SLEEP_CONTROL, ACPI_SPACE_IO, 8, 0, 1, 0x2e);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5, sizeof(s5));
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.kind, PVH_ACPI_OFF_SLEEP_CTL);
    expect_gas(&off.sleep_ctl, ACPI_SPACE_IO, 8, 0, 1, 0x2e);
    assert_int_equal(off.slp_typ_a, 5);
    assert_int_equal(off.slp_typ_b, 0);
    assert_int_equal(off.pm1a_cnt.address, 0);
}

static void hardware_reduced_memory_sleep_control(void **state)
{
    uint8_t *f = new_fadt(FADT_LEN_6);

    le32(f + FADT_FLAGS, HW_REDUCED_ACPI | 0x1);
    put_gas(f + FADT_SLEEP_CONTROL, ACPI_SPACE_MEMORY, 8, 0, 1, 0xfea00000ull);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.kind, PVH_ACPI_OFF_SLEEP_CTL);
    expect_gas(&off.sleep_ctl, ACPI_SPACE_MEMORY, 8, 0, 1, 0xfea00000ull);
}

static void rejects_hardware_reduced_without_sleep_control(void **state)
{
    uint8_t *f = new_fadt(FADT_LEN_6);

    le32(f + FADT_FLAGS, HW_REDUCED_ACPI);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_error(find(), &err, PVH_ENOENT, "ACPI FADT: hardware-reduced, sleep control register 0");
}

static void rejects_hardware_reduced_fadt_too_short_for_sleep_control(void **state)
{
    uint8_t *f = new_fadt(FADT_SLEEP_CONTROL);

    le32(f + FADT_FLAGS, HW_REDUCED_ACPI);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_SLEEP_CONTROL);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_error(find(), &err, PVH_EINVAL,
                 "ACPI FADT: hardware-reduced, but length 244 has no sleep control register");
}

/* ---- \_S5 in the DSDT ------------------------------------------------------- */

/* Decode \_S5 from a DSDT holding aml; expect a and b. */
static void expect_s5(const uint8_t *aml, size_t len, uint8_t a, uint8_t b)
{
    add_v1_tables();
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, aml, len);
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.slp_typ_a, a);
    assert_int_equal(off.slp_typ_b, b);
}

static void s5_with_byte_prefix_values(void **state)
{
    static const uint8_t aml[] = {
        0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,
    };

    expect_s5(aml, sizeof(aml), 5, 7);
}

static void s5_with_root_prefix(void **state)
{
    static const uint8_t aml[] = {
        0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x0a, 0x02, 0x00, 0x00,
    };

    expect_s5(aml, sizeof(aml), 1, 2);
}

static void s5_with_word_and_dword_values(void **state)
{
    static const uint8_t aml[] = {
        0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x02, 0x0b, 0x06, 0x00, 0x0c, 0x03, 0x00, 0x00, 0x00,
    };

    expect_s5(aml, sizeof(aml), 6, 3);
}

/* A package of one element: both types the same. */
static void s5_with_one_element(void **state)
{
    static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };

    expect_s5(aml, sizeof(aml), 5, 5);
}

/* PkgLength in two bytes (bits 7:6 of the first byte say one more). */
static void s5_with_two_byte_package_length(void **state)
{
    static const uint8_t aml[] = {
        0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x04, 0x0a, 0x07, 0x0a, 0x07, 0x00, 0x00,
    };

    expect_s5(aml, sizeof(aml), 7, 7);
}

/* "_S5_" elsewhere than after NameOp (a reference in a method, a Name
 * that is not a package) is skipped for the real one later. */
static void s5_skips_decoys(void **state)
{
    uint8_t aml[128];
    size_t n = 0;
    static const uint8_t store_ref[] = { 0x70, '_', 'S', '5', '_', 0x60 };
    static const uint8_t name_int[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x09 };
    static const uint8_t real[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x04, 0x0a, 0x06, 0x00, 0x00 };

    memcpy(aml + n, filler_aml, sizeof(filler_aml));
    n += sizeof(filler_aml);
    memcpy(aml + n, store_ref, sizeof(store_ref));
    n += sizeof(store_ref);
    memcpy(aml + n, name_int, sizeof(name_int));
    n += sizeof(name_int);
    memcpy(aml + n, real, sizeof(real));
    n += sizeof(real);
    expect_s5(aml, n, 4, 6);
}

static void rejects_dsdt_without_s5(void **state)
{
    add_v1_tables();
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, filler_aml, sizeof(filler_aml));
    assert_error(find(), &err, PVH_ENOENT, "ACPI DSDT: no \\_S5 package");
}

static void rejects_empty_dsdt(void **state)
{
    add_v1_tables();
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, NULL, 0);
    assert_error(find(), &err, PVH_ENOENT, "ACPI DSDT: no \\_S5 package");
}

/*
 * \_S5 cut off at every byte: the DSDT ends exactly where its segment
 * ends, so a read past the table is an ASan error. Until the first
 * value is whole there is no package; with it, the second defaults to
 * the first; with both, both.
 */
static void s5_truncated_at_end_of_table_is_not_read_past(void **state)
{
    /* PkgLength 8: itself, NumElements, then 0a 05, 0a 07, 00 00. */
    static const uint8_t full[] = {
        0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,
    };
    size_t k;

    /* A package the table cuts short is not used at all. */
    for (k = 0; k <= sizeof(full); k++) {
        setup(state);
        add_v1_tables();
        add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
        add_dsdt(DSDT_PA, full, k);
        if (k < sizeof(full)) {
            assert_error(find(), &err, PVH_ENOENT, "ACPI DSDT: no \\_S5 package");
        } else {
            assert_int_equal(find(), PVH_OK);
            assert_int_equal(off.slp_typ_a, 5);
            assert_int_equal(off.slp_typ_b, 7);
        }
        teardown(state);
    }
}

/* PkgLength bounds the parse: bytes after the package are not its elements. */
static void s5_package_length_bounds_the_elements(void **state)
{
    static const uint8_t aml[] = {
        0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,
    };

    expect_s5(aml, sizeof(aml), 5, 5);
}

/* A PkgLength shorter than its own encoding, or past the table, is refused. */
static void s5_rejects_impossible_package_lengths(void **state)
{
    static const uint8_t zero[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xc0, 0x00, 0x00, 0x00,
                                    0x01, 0x0a, 0x05 };
    static const uint8_t past[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x01, 0x0a, 0x05 };

    setup(state);
    add_v1_tables();
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, zero, sizeof(zero));
    assert_error(find(), &err, PVH_ENOENT, "ACPI DSDT: no \\_S5 package");
    teardown(state);
    setup(state);
    add_v1_tables();
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, past, sizeof(past));
    assert_error(find(), &err, PVH_ENOENT, "ACPI DSDT: no \\_S5 package");
    teardown(state);
}

/* The same with word and dword values and a long PkgLength. */
static void s5_truncated_wide_values_are_not_read_past(void **state)
{
    static const uint8_t full[] = {
        0x08, '\\', '_', 'S', '5', '_', 0x12, 0xcd, 0x00, 0x00, 0x00, 0x02,
        0x0c, 0x02, 0x00, 0x00, 0x00, 0x0b, 0x03, 0x00,
    };
    size_t k;

    for (k = 0; k <= sizeof(full); k++) {
        setup(state);
        add_v1_tables();
        add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
        add_dsdt(DSDT_PA, full, k);
        if (k < sizeof(full)) {
            assert_error(find(), &err, PVH_ENOENT, "ACPI DSDT: no \\_S5 package");
        } else {
            assert_int_equal(find(), PVH_OK);
            assert_int_equal(off.slp_typ_a, 2);
            assert_int_equal(off.slp_typ_b, 3);
        }
        teardown(state);
    }
}

static void rejects_dsdt_address_0(void **state)
{
    uint8_t *f = new_fadt(FADT_LEN_6);

    le32(f + FADT_DSDT, 0);
    add_v1_tables();
    add_table(FADT_PA, f, FADT_LEN_6);
    assert_error(find(), &err, PVH_ENOENT, "ACPI DSDT: address 0");
}

/* ---- errors on the way ------------------------------------------------------ */

static void rejects_rsdp_bad_signature(void **state)
{
    add_standard_platform();
    memcpy(sim_at(&M, RSDP_PA), "RSD PTX ", 8);
    fix_checksum(sim_at(&M, RSDP_PA), 20, RSDP_CHECKSUM);
    assert_error(find(), &err, PVH_EINVAL, "ACPI RSDP at 0xf5a40: bad signature or checksum");
}

static void rejects_rsdp_bad_checksum(void **state)
{
    add_standard_platform();
    sim_at(&M, RSDP_PA)[RSDP_CHECKSUM] ^= 0x40;
    assert_error(find(), &err, PVH_EINVAL, "ACPI RSDP at 0xf5a40: bad signature or checksum");
}

static void rejects_rsdp_address_0(void **state)
{
    add_standard_platform();
    assert_error(pvh_acpi_find_poweroff(&M.phys, 0, &off, &err), &err, PVH_ERANGE,
                 "ACPI RSDP at 0x0: not accessible");
    assert_int_equal(off.kind, PVH_ACPI_OFF_NONE);
}

static void rejects_rsdp_not_accessible(void **state)
{
    add_standard_platform();
    assert_error(pvh_acpi_find_poweroff(&M.phys, 0xe0000, &off, &err), &err, PVH_ERANGE,
                 "ACPI RSDP at 0xe0000: not accessible");
    /* Its last byte past the end of memory. */
    assert_error(pvh_acpi_find_poweroff(&M.phys, RSDP_PA + 1, &off, &err), &err, PVH_ERANGE,
                 "ACPI RSDP at 0xf5a41: not accessible");
}

/* An RSDT of the given length field, in a segment of seg_len bytes. */
static void add_rsdt_with_length(uint32_t length, size_t seg_len)
{
    uint8_t *t = new_table("RSDT", seg_len);

    le32(t + SDT_HEADER, FADT_PA);
    le32(t + SDT_LENGTH, length);
    add_table(RSDT_PA, t, seg_len);
}

static void rejects_rsdt_length_below_header(void **state)
{
    add_rsdp(0, RSDT_PA, 0);
    add_rsdt_with_length(35, SDT_HEADER + 4);
    assert_error(find(), &err, PVH_EINVAL, "ACPI RSDT at 0x7fe0000: length 35");
}

static void rejects_rsdt_length_over_16_mib(void **state)
{
    add_rsdp(0, RSDT_PA, 0);
    add_rsdt_with_length((16u << 20) + 1, SDT_HEADER + 4);
    assert_error(find(), &err, PVH_EINVAL, "ACPI RSDT at 0x7fe0000: length 16777217");
}

static void rejects_rsdt_longer_than_memory(void **state)
{
    add_rsdp(0, RSDT_PA, 0);
    add_rsdt_with_length(100, SDT_HEADER + 4);
    assert_error(find(), &err, PVH_ERANGE,
                 "ACPI RSDT at 0x7fe0000 length 100: not accessible");
}

static void rejects_rsdt_bad_signature(void **state)
{
    add_rsdp(0, RSDT_PA, 0);
    add_table(RSDT_PA, new_table("XSDT", SDT_HEADER), SDT_HEADER);
    assert_error(find(), &err, PVH_EINVAL, "ACPI table at 0x7fe0000: signature is not RSDT");
}

static void rejects_rsdt_not_accessible(void **state)
{
    add_rsdp(0, RSDT_PA, 0);
    assert_error(find(), &err, PVH_ERANGE, "ACPI RSDT at 0x7fe0000: not accessible");
}

static void rejects_rsdt_address_0(void **state)
{
    add_rsdp(0, 0, 0);
    assert_error(find(), &err, PVH_ENOENT, "ACPI RSDT: address 0");
}

static void rejects_rsdt_bad_checksum(void **state)
{
    add_standard_platform();
    sim_at(&M, RSDT_PA)[SDT_CHECKSUM] ^= 1;
    assert_error(find(), &err, PVH_EINVAL, "ACPI RSDT at 0x7fe0000: bad checksum");
}

static void rejects_xsdt_bad_checksum(void **state)
{
    const uint64_t xsdt[] = { FADT_PA };

    add_rsdp(2, RSDT_PA, XSDT_PA);
    add_xsdt(XSDT_PA, xsdt, 1);
    sim_at(&M, XSDT_PA + SDT_HEADER)[0] ^= 0x10;
    assert_error(find(), &err, PVH_EINVAL, "ACPI XSDT at 0x7fe1000: bad checksum");
}

static void rejects_fadt_bad_checksum(void **state)
{
    add_standard_platform();
    sim_at(&M, FADT_PA + FADT_PM1A_CNT)[0] ^= 0x10;
    assert_error(find(), &err, PVH_EINVAL, "ACPI FACP at 0x7fe2000: bad checksum");
}

static void rejects_dsdt_bad_checksum(void **state)
{
    add_standard_platform();
    sim_at(&M, DSDT_PA + SDT_HEADER + 8)[0] = 0x01;
    assert_error(find(), &err, PVH_EINVAL, "ACPI DSDT at 0x7fe3000: bad checksum");
}

/* A DSDT of a few KiB, most of it 0xff bytes: the checksum is summed
 * eight bytes a step in 16-bit lanes, which must not carry into each
 * other however large the bytes (1,024 bytes a round), and a change of
 * any one byte, in a whole round or in the tail, is seen. */
#define LONG_AML 3001

static void checksums_long_tables_of_large_bytes(void **state)
{
    static uint8_t aml[LONG_AML];
    size_t at;

    memset(aml, 0xff, sizeof(aml));
    memcpy(aml + sizeof(aml) - sizeof(s5_zero), s5_zero, sizeof(s5_zero));
    add_v1_tables();
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, aml, sizeof(aml));
    assert_int_equal(find(), PVH_OK);
    for (at = SDT_HEADER + 1; at < SDT_HEADER + LONG_AML - sizeof(s5_zero); at += 97) {
        sim_at(&M, DSDT_PA + at)[0] ^= 0x01;
        assert_error(find(), &err, PVH_EINVAL, "ACPI DSDT at 0x7fe3000: bad checksum");
        sim_at(&M, DSDT_PA + at)[0] ^= 0x01;
    }
    assert_int_equal(find(), PVH_OK);
}

static void rejects_rsdt_without_facp(void **state)
{
    const uint32_t rsdt[] = { APIC_PA, 0, 0xdead0000 };

    add_rsdp(0, RSDT_PA, 0);
    add_rsdt(RSDT_PA, rsdt, COUNT(rsdt));
    add_table(APIC_PA, new_table("APIC", 44), 44);
    assert_error(find(), &err, PVH_ENOENT, "ACPI: no FADT in the RSDT");
}

static void rejects_xsdt_without_facp(void **state)
{
    const uint64_t xsdt[] = { APIC_PA };

    add_rsdp(2, RSDT_PA, XSDT_PA);
    add_xsdt(XSDT_PA, xsdt, COUNT(xsdt));
    add_table(APIC_PA, new_table("APIC", 44), 44);
    assert_error(find(), &err, PVH_ENOENT, "ACPI: no FADT in the XSDT");
}

static void rejects_empty_rsdt(void **state)
{
    add_rsdp(0, RSDT_PA, 0);
    add_rsdt(RSDT_PA, NULL, 0);
    assert_error(find(), &err, PVH_ENOENT, "ACPI: no FADT in the RSDT");
}

static void rejects_fadt_too_short(void **state)
{
    add_v1_tables();
    add_table(FADT_PA, new_fadt(71), 71);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_error(find(), &err, PVH_EINVAL, "ACPI FADT: length 71 too short");
}

static void rejects_fadt_longer_than_memory(void **state)
{
    uint8_t *f = new_fadt(FADT_LEN_6);

    add_v1_tables();
    le32(f + SDT_LENGTH, 4096);
    add_table(FADT_PA, f, FADT_LEN_6);
    assert_error(find(), &err, PVH_ERANGE, "ACPI FACP at 0x7fe2000 length 4096: not accessible");
}

/* XSDT entries that are 0, outside memory, or whose header would run
 * off the end of memory are passed over for the FADT after them. */
static void skips_xsdt_entries_outside_memory(void **state)
{
    const uint64_t xsdt[] = {
        0, 0xdead00000000ull, OTHER_PA + 20, APIC_PA, FADT_PA,
    };

    add_rsdp(2, RSDT_PA, XSDT_PA);
    add_xsdt(XSDT_PA, xsdt, COUNT(xsdt));
    sim_add(&M, OTHER_PA, 40); /* so OTHER_PA + 20 has only 20 bytes */
    add_table(APIC_PA, new_table("APIC", 44), 44);
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);
    assert_int_equal(off.pm1a_cnt.address, 0x604);
}

/* A length that leaves part of an entry at the end: that part is not
 * an entry and is not read (the segment ends with it). */
static void ignores_partial_root_table_entry(void **state)
{
    uint8_t *t = new_table("RSDT", SDT_HEADER + 4 + 2);

    le32(t + SDT_HEADER, FADT_PA);
    add_rsdp(0, RSDT_PA, 0);
    add_table(RSDT_PA, t, SDT_HEADER + 4 + 2);
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    add_dsdt(DSDT_PA, s5_zero, sizeof(s5_zero));
    assert_int_equal(find(), PVH_OK);

    /* An XSDT with only half an entry has none. */
    teardown(state);
    setup(state);
    t = new_table("XSDT", SDT_HEADER + 4);
    le32(t + SDT_HEADER, FADT_PA);
    add_rsdp(2, RSDT_PA, XSDT_PA);
    add_table(XSDT_PA, t, SDT_HEADER + 4);
    add_table(FADT_PA, new_fadt(FADT_LEN_6), FADT_LEN_6);
    assert_error(find(), &err, PVH_ENOENT, "ACPI: no FADT in the XSDT");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(finds_pm1_through_rsdp_v1_and_rsdt),
        T(finds_pm1b_when_present),
        T(finds_fadt_through_rsdp_v2_and_xsdt),
        T(rsdp_v2_with_bad_extended_checksum_uses_rsdt),
        T(rsdp_v2_with_xsdt_0_uses_rsdt),
        T(rsdp_v2_cut_short_uses_rsdt),
        T(prefers_x_pm1_blocks),
        T(x_pm1_blocks_with_address_0_fall_back),
        T(reads_acpi_1_fadt),
        T(reads_fadt_of_72_bytes),
        T(rejects_fadt_without_pm1a),
        T(prefers_x_dsdt),
        T(hardware_reduced_uses_sleep_control),
        T(hardware_reduced_memory_sleep_control),
        T(rejects_hardware_reduced_without_sleep_control),
        T(rejects_hardware_reduced_fadt_too_short_for_sleep_control),
        T(s5_with_byte_prefix_values),
        T(s5_with_root_prefix),
        T(s5_with_word_and_dword_values),
        T(s5_with_one_element),
        T(s5_with_two_byte_package_length),
        T(s5_skips_decoys),
        T(rejects_dsdt_without_s5),
        T(rejects_empty_dsdt),
        T(s5_truncated_at_end_of_table_is_not_read_past),
        T(s5_truncated_wide_values_are_not_read_past),
        T(s5_package_length_bounds_the_elements),
        T(s5_rejects_impossible_package_lengths),
        T(rejects_dsdt_address_0),
        T(rejects_rsdp_bad_signature),
        T(rejects_rsdp_bad_checksum),
        T(rejects_rsdp_address_0),
        T(rejects_rsdp_not_accessible),
        T(rejects_rsdt_length_below_header),
        T(rejects_rsdt_length_over_16_mib),
        T(rejects_rsdt_longer_than_memory),
        T(rejects_rsdt_bad_signature),
        T(rejects_rsdt_not_accessible),
        T(rejects_rsdt_address_0),
        T(rejects_rsdt_bad_checksum),
        T(rejects_xsdt_bad_checksum),
        T(rejects_fadt_bad_checksum),
        T(rejects_dsdt_bad_checksum),
        T(checksums_long_tables_of_large_bytes),
        T(rejects_rsdt_without_facp),
        T(rejects_xsdt_without_facp),
        T(rejects_empty_rsdt),
        T(rejects_fadt_too_short),
        T(rejects_fadt_longer_than_memory),
        T(skips_xsdt_entries_outside_memory),
        T(ignores_partial_root_table_entry),
    };

    return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
