/*
 * common/acpi/acpi_madt.c: the CPUs of the ACPI MADT (RSDP -> RSDT/XSDT ->
 * "APIC"), the boot CPU first.
 *
 * Tables live in simulated memory, each in a segment of exactly its
 * size, so ASan reports any read past a table's end:
 *
 *   0xf5a40    RSDP          0x7fe0000  RSDT
 *   0x7fe1000  XSDT          0x7fe5000  MADT
 *
 * Layouts are written here from the ACPI 6.5 specification (5.2.12),
 * not taken from acpi_madt.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/acpi/acpi_madt.h"
#include "tests/unit/support.h"

#define RSDP_PA 0xf5a40ull
#define RSDT_PA 0x7fe0000ull
#define XSDT_PA 0x7fe1000ull
#define MADT_PA 0x7fe5000ull

#define SDT_LENGTH 4
#define SDT_CHECKSUM 9
#define SDT_HEADER 36
#define MADT_ENTRIES 44        /* header, local APIC address (u32), flags (u32) */
#define LAPIC_DEFAULT 0xfee00000u

#define ENABLED 1u
#define ONLINE_CAPABLE 2u

#define MAX 16u

static struct sim_mem M;
static struct pvh_error err;
static struct pvh_cpu cpus[MAX + 1]; /* one more: a write past max shows */
static struct pvh_madt_info info;
/* The MADT being built: entries appended, then placed in memory. */
static uint8_t madt[64 * 1024];
static size_t madt_len;

static int setup(void **state)
{
    sim_init(&M);
    memset(&err, 0, sizeof(err));
    memset(cpus, 0x5a, sizeof(cpus));
    memset(&info, 0x5a, sizeof(info));
    memset(madt, 0, sizeof(madt));
    memcpy(madt, "APIC", 4);
    madt[8] = 5;
    madt_len = MADT_ENTRIES;
    return 0;
}

static int teardown(void **state)
{
    sim_free(&M);
    return 0;
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}


static void add_rsdp_v2(uint32_t rsdt, uint64_t xsdt)
{
    uint8_t r[36] = "RSD PTR ";

    r[15] = 2;
    le32(r + 16, rsdt);
    le32(r + 20, 36);
    le64(r + 24, xsdt);
    fix_checksum(r, 20, 8);
    fix_checksum(r, 36, 32);
    sim_add_copy(&M, RSDP_PA, r, sizeof(r));
}

static void add_rsdp_v0(uint32_t rsdt)
{
    uint8_t r[20] = "RSD PTR ";

    le32(r + 16, rsdt);
    fix_checksum(r, 20, 8);
    sim_add_copy(&M, RSDP_PA, r, sizeof(r));
}

static void add_root(uint64_t pa, const char *sig, uint64_t entry, unsigned entry_size)
{
    uint8_t t[SDT_HEADER + 8] = { 0 };
    size_t len = SDT_HEADER + entry_size;

    memcpy(t, sig, 4);
    le32(t + SDT_LENGTH, (uint32_t)len);
    if (entry_size == 8)
        le64(t + SDT_HEADER, entry);
    else
        le32(t + SDT_HEADER, (uint32_t)entry);
    fix_checksum(t, len, SDT_CHECKSUM);
    sim_add_copy(&M, pa, t, len);
}

static void lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
    uint8_t *e = madt + madt_len;

    e[0] = 0;
    e[1] = 8;
    e[2] = uid;
    e[3] = id;
    le32(e + 4, flags);
    madt_len += 8;
}

static void x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
    uint8_t *e = madt + madt_len;

    e[0] = 9;
    e[1] = 16;
    le32(e + 4, id);
    le32(e + 8, flags);
    le32(e + 12, uid);
    madt_len += 16;
}

static void raw_entry(uint8_t type, uint8_t len)
{
    madt[madt_len] = type;
    madt[madt_len + 1] = len;
    madt_len += len < 2 ? 2 : len;
}

/* Place the MADT (length madt_len, or stated_len when not 0) behind an
 * RSDP v2 and XSDT. */
static void place_stated(size_t stated_len)
{
    le32(madt + SDT_LENGTH, (uint32_t)(stated_len ? stated_len : madt_len));
    le32(madt + 36, LAPIC_DEFAULT);
    fix_checksum(madt, madt_len, SDT_CHECKSUM);
    sim_add_copy(&M, MADT_PA, madt, madt_len);
    add_root(XSDT_PA, "XSDT", MADT_PA, 8);
    add_rsdp_v2(0, XSDT_PA);
}

static void place(void)
{
    place_stated(0);
}

static int run(uint64_t boot_id, unsigned max)
{
    return pvh_acpi_madt_cpus(&M.phys, RSDP_PA, boot_id, cpus, max, &info, &err);
}

static void expect_cpu(unsigned i, uint64_t hwid, uint32_t uid, uint32_t flags)
{
    assert_int_equal(cpus[i].hwid, hwid);
    assert_int_equal(cpus[i].acpi_id, uid);
    assert_int_equal(cpus[i].flags, flags);
}

static void lists_qemu_style_four_cpus(void **state)
{
    for (unsigned i = 0; i < 4; i++)
        lapic((uint8_t)i, (uint8_t)i, ENABLED);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 4);
    assert_int_equal(info.found, 4);
    assert_int_equal(info.lapic_pa, LAPIC_DEFAULT);
    expect_cpu(0, 0, 0, PVH_CPU_BOOT);
    for (unsigned i = 1; i < 4; i++)
        expect_cpu(i, i, i, 0);
}

static void boot_cpu_goes_first_wherever_listed(void **state)
{
    lapic(0, 0, ENABLED);
    lapic(1, 2, ENABLED);
    lapic(2, 4, ENABLED); /* Xen numbers vCPU n as APIC ID 2n */
    place();
    assert_int_equal(run(4, MAX), PVH_OK);
    assert_int_equal(info.nr, 3);
    expect_cpu(0, 4, 2, PVH_CPU_BOOT);
    expect_cpu(1, 0, 0, 0);
    expect_cpu(2, 2, 1, 0);
}

/* ACPI 6.5, 5.2.12.2: online-capable without enabled is a CPU that may
 * be hot-added, not one that is there: counted as possible, not listed. */
static void lists_enabled_counts_online_capable_as_possible(void **state)
{
    lapic(0, 0, ENABLED);
    lapic(1, 1, 0);              /* absent, never to come (QEMU's maxcpus) */
    lapic(2, 2, ONLINE_CAPABLE); /* absent, may be hot-added */
    lapic(3, 3, ENABLED | ONLINE_CAPABLE);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
    assert_int_equal(info.found, 2);
    assert_int_equal(info.possible, 1);
    expect_cpu(1, 3, 3, 0);
}

/* Cloud Hypervisor's create_madt (vmm/src/cpu.rs) for --cpus boot=2,max=4:
 * one x2APIC entry per CPU up to max, IDs 0-3, no local APIC entries;
 * the booted ones enabled and online-capable, the others online-capable. */
static void cloud_hypervisor_boot_2_max_4_lists_2(void **state)
{
    for (uint32_t cpu = 0; cpu < 4; cpu++)
        x2apic(cpu, (cpu < 2 ? ENABLED : 0) | ONLINE_CAPABLE, cpu);
    raw_entry(1, 12); /* its I/O APIC */
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
    assert_int_equal(info.found, 2);
    assert_int_equal(info.possible, 2);
    expect_cpu(0, 0, 0, PVH_CPU_BOOT);
    expect_cpu(1, 1, 1, 0);
}

/* x2APIC entries are for IDs of 255 and up; below that, next to usable
 * local APIC entries, they are phantoms (Linux's acpi_parse_x2apic). */
static void skips_low_x2apic_ids_next_to_local_apics(void **state)
{
    lapic(0, 0, ENABLED);
    lapic(1, 1, ENABLED);
    x2apic(5, ENABLED, 5);       /* a phantom */
    x2apic(0xfe, ENABLED, 6);    /* one too */
    x2apic(0xff, ENABLED, 7);    /* a real x2APIC-only CPU */
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 3);
    assert_int_equal(info.found, 3);
    expect_cpu(2, 0xff, 7, 0);
}

/* Local APIC entries that name no usable CPU do not make low x2APIC
 * entries phantoms. */
static void takes_low_x2apic_ids_next_to_unusable_local_apics(void **state)
{
    lapic(7, 7, 0);
    lapic(8, 0xff, ENABLED);
    x2apic(0, ENABLED, 0);
    x2apic(1, ENABLED, 1);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
    expect_cpu(1, 1, 1, 0);
}

/* The boot CPU runs whatever the table says, a low x2APIC entry too. */
static void takes_boot_cpu_from_a_low_x2apic_entry(void **state)
{
    lapic(1, 1, ENABLED);
    x2apic(0, ENABLED, 0);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
    expect_cpu(0, 0, 0, PVH_CPU_BOOT);
    expect_cpu(1, 1, 1, 0);
}

static void reads_x2apic_entries(void **state)
{
    x2apic(0x100, ENABLED, 7);
    x2apic(0x101, ENABLED, 8);
    place();
    assert_int_equal(run(0x100, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
    expect_cpu(0, 0x100, 7, PVH_CPU_BOOT);
    expect_cpu(1, 0x101, 8, 0);
}

static void counts_an_id_listed_twice_once(void **state)
{
    lapic(0, 0, ENABLED);
    lapic(1, 1, ENABLED);
    x2apic(1, ENABLED, 1);   /* the same CPU again, as an x2APIC entry */
    x2apic(0, ENABLED, 0);   /* and the boot CPU */
    lapic(1, 1, ENABLED);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
    assert_int_equal(info.found, 2);
}

static void counts_large_duplicate_ids_in_the_list_once(void **state)
{
    x2apic(0x10000, ENABLED, 0);
    x2apic(0x20000, ENABLED, 1);
    x2apic(0x20000, ENABLED, 1);
    place();
    assert_int_equal(run(0x10000, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
    assert_int_equal(info.found, 2);
}

static void ignores_broadcast_ids(void **state)
{
    lapic(0, 0, ENABLED);
    lapic(1, 0xff, ENABLED);
    x2apic(0xffffffffu, ENABLED, 2);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 1);
    assert_int_equal(info.found, 1);
}

static void keeps_the_first_max_and_counts_all(void **state)
{
    for (unsigned i = 0; i < 40; i++)
        lapic((uint8_t)i, (uint8_t)i, ENABLED);
    place();
    assert_int_equal(run(20, MAX), PVH_OK);
    assert_int_equal(info.nr, MAX);
    assert_int_equal(info.found, 40);
    expect_cpu(0, 20, 20, PVH_CPU_BOOT);
    for (unsigned i = 1; i < MAX; i++)
        expect_cpu(i, i - 1, i - 1, 0);
    assert_int_equal(cpus[MAX].hwid, 0x5a5a5a5a5a5a5a5aull); /* nothing past max */
}

static void boot_cpu_listed_last_still_fits(void **state)
{
    for (unsigned i = 1; i < 30; i++)
        lapic((uint8_t)i, (uint8_t)i, ENABLED);
    lapic(0, 0, ENABLED);
    place();
    assert_int_equal(run(0, 4), PVH_OK);
    assert_int_equal(info.nr, 4);
    assert_int_equal(info.found, 30);
    expect_cpu(0, 0, 0, PVH_CPU_BOOT);
    expect_cpu(3, 3, 3, 0);
}

static void boot_cpu_counts_even_if_marked_disabled(void **state)
{
    lapic(0, 0, 0);
    lapic(1, 1, ENABLED);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
}

static void applies_lapic_address_override(void **state)
{
    lapic(0, 0, ENABLED);
    raw_entry(5, 12);
    le64(madt + madt_len - 8, 0xfed00000ull);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.lapic_pa, 0xfed00000ull);
}

static void skips_other_entry_types(void **state)
{
    raw_entry(1, 12); /* I/O APIC */
    lapic(0, 0, ENABLED);
    raw_entry(2, 10); /* interrupt source override */
    raw_entry(4, 6);  /* local APIC NMI */
    raw_entry(0x80, 3); /* reserved, OEM */
    lapic(1, 1, ENABLED);
    place();
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
}

static void finds_madt_through_rsdt(void **state)
{
    lapic(0, 0, ENABLED);
    lapic(1, 1, ENABLED);
    le32(madt + SDT_LENGTH, (uint32_t)madt_len);
    fix_checksum(madt, madt_len, SDT_CHECKSUM);
    sim_add_copy(&M, MADT_PA, madt, madt_len);
    add_root(RSDT_PA, "RSDT", MADT_PA, 4);
    add_rsdp_v0(RSDT_PA);
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
}

/* Xen 4.17's PVH dom0 on a host with only an RSDT: the XSDT's header
 * copied from address 0 (real-mode vectors), length and checksum right,
 * and the RSDP names no RSDT. */
static void place_xen_dom0_xsdt(uint32_t rsdt, bool fix_sum)
{
    static const uint8_t ivt[] = { 0x53, 0xff, 0x00, 0xf0 };
    uint8_t t[SDT_HEADER + 8] = { 0 };

    le32(madt + SDT_LENGTH, (uint32_t)madt_len);
    fix_checksum(madt, madt_len, SDT_CHECKSUM);
    sim_add_copy(&M, MADT_PA, madt, madt_len);
    memcpy(t, ivt, 4);
    le32(t + SDT_LENGTH, sizeof(t));
    t[8] = 1;
    le64(t + SDT_HEADER, MADT_PA);
    fix_checksum(t, sizeof(t), SDT_CHECKSUM);
    if (!fix_sum)
        t[SDT_CHECKSUM] ^= 1;
    sim_add_copy(&M, XSDT_PA, t, sizeof(t));
    add_rsdp_v2(rsdt, XSDT_PA);
}

static void takes_xen_dom0_xsdt_with_garbage_signature(void **state)
{
    lapic(0, 0, ENABLED);
    lapic(1, 2, ENABLED);
    place_xen_dom0_xsdt(0, true);
    assert_int_equal(run(0, MAX), PVH_OK);
    assert_int_equal(info.nr, 2);
}

static void rejects_garbage_xsdt_signature_when_an_rsdt_is_named(void **state)
{
    lapic(0, 0, ENABLED);
    place_xen_dom0_xsdt(RSDT_PA, true);
    assert_error(run(0, MAX), &err, PVH_EINVAL, "signature is not XSDT");
}

static void rejects_garbage_xsdt_signature_with_bad_checksum(void **state)
{
    lapic(0, 0, ENABLED);
    place_xen_dom0_xsdt(0, false);
    assert_error(run(0, MAX), &err, PVH_EINVAL, "bad checksum");
}

static void rejects_xsdt_with_bad_checksum_and_no_rsdt(void **state)
{
    lapic(0, 0, ENABLED);
    place();
    M.seg[1].buf[SDT_CHECKSUM] ^= 1; /* the XSDT, after the MADT */
    assert_error(run(0, MAX), &err, PVH_EINVAL, "ACPI XSDT at 0x7fe1000: bad checksum");
}

static void rejects_table_without_boot_cpu(void **state)
{
    lapic(0, 1, ENABLED);
    lapic(1, 2, ENABLED);
    place();
    assert_error(run(0, MAX), &err, PVH_ENOENT, "the boot CPU (APIC ID 0x0) is not listed");
}

static void rejects_missing_madt(void **state)
{
    add_root(XSDT_PA, "XSDT", 0x7fe9000, 8);
    add_rsdp_v2(0, XSDT_PA);
    assert_error(run(0, MAX), &err, PVH_ENOENT, "ACPI: no MADT in the XSDT");
}

static void rejects_bad_checksum(void **state)
{
    lapic(0, 0, ENABLED);
    place();
    M.seg[0].buf[50] ^= 1;
    assert_error(run(0, MAX), &err, PVH_EINVAL, "bad checksum");
}

static void rejects_madt_shorter_than_its_fields(void **state)
{
    madt_len = 40;
    place();
    assert_error(run(0, MAX), &err, PVH_EINVAL, "ACPI MADT: length 40 too short");
}

static void rejects_entry_length_below_2(void **state)
{
    lapic(0, 0, ENABLED);
    raw_entry(0x80, 1);
    place();
    assert_error(run(0, MAX), &err, PVH_EINVAL, "entry at offset 52 runs past");
}

static void rejects_entry_length_0_instead_of_looping(void **state)
{
    lapic(0, 0, ENABLED);
    raw_entry(0x80, 0);
    place();
    assert_error(run(0, MAX), &err, PVH_EINVAL, "entry at offset 52");
}

static void rejects_entry_past_the_end(void **state)
{
    lapic(0, 0, ENABLED);
    lapic(1, 1, ENABLED);
    madt[madt_len - 7] = 9; /* the last entry says 9 bytes: one past the table */
    place();
    assert_error(run(0, MAX), &err, PVH_EINVAL, "entry at offset 52 runs past the table's 60 bytes");
}

static void rejects_lone_byte_at_the_end(void **state)
{
    lapic(0, 0, ENABLED);
    madt_len++;
    place();
    assert_error(run(0, MAX), &err, PVH_EINVAL, "entry at offset 52 runs past");
}

static void rejects_entries_shorter_than_their_type(void **state)
{
    static const struct { uint8_t type, len; } shorts[] = { { 0, 7 }, { 9, 15 }, { 5, 11 } };

    for (unsigned i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
        teardown(state);
        setup(state);
        lapic(0, 0, ENABLED);
        raw_entry(shorts[i].type, shorts[i].len);
        place();
        assert_error(run(0, MAX), &err, PVH_EINVAL, "too short");
    }
}

static void rejects_no_room(void **state)
{
    lapic(0, 0, ENABLED);
    place();
    assert_error(run(0, 0), &err, PVH_EINVAL, "no room");
}

static void rejects_no_rsdp(void **state)
{
    assert_int_not_equal(pvh_acpi_madt_cpus(&M.phys, 0, 0, cpus, MAX, &info, &err), PVH_OK);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(lists_qemu_style_four_cpus),
        T(boot_cpu_goes_first_wherever_listed),
        T(lists_enabled_counts_online_capable_as_possible),
        T(cloud_hypervisor_boot_2_max_4_lists_2),
        T(skips_low_x2apic_ids_next_to_local_apics),
        T(takes_low_x2apic_ids_next_to_unusable_local_apics),
        T(takes_boot_cpu_from_a_low_x2apic_entry),
        T(reads_x2apic_entries),
        T(counts_an_id_listed_twice_once),
        T(counts_large_duplicate_ids_in_the_list_once),
        T(ignores_broadcast_ids),
        T(keeps_the_first_max_and_counts_all),
        T(boot_cpu_listed_last_still_fits),
        T(boot_cpu_counts_even_if_marked_disabled),
        T(applies_lapic_address_override),
        T(skips_other_entry_types),
        T(finds_madt_through_rsdt),
        T(takes_xen_dom0_xsdt_with_garbage_signature),
        T(rejects_garbage_xsdt_signature_when_an_rsdt_is_named),
        T(rejects_garbage_xsdt_signature_with_bad_checksum),
        T(rejects_xsdt_with_bad_checksum_and_no_rsdt),
        T(rejects_table_without_boot_cpu),
        T(rejects_missing_madt),
        T(rejects_bad_checksum),
        T(rejects_madt_shorter_than_its_fields),
        T(rejects_entry_length_below_2),
        T(rejects_entry_length_0_instead_of_looping),
        T(rejects_entry_past_the_end),
        T(rejects_lone_byte_at_the_end),
        T(rejects_entries_shorter_than_their_type),
        T(rejects_no_room),
        T(rejects_no_rsdp),
    };

    return cmocka_run_group_tests_name("acpi_madt", tests, NULL, NULL);
}
