/*
 * common/boot/start_info.c and common/boot/boot.c: reading a PVH start info into
 * the boot store, with every rule a loader's data is checked against.
 *
 * The guest's physical memory is simulated by one zeroed heap buffer
 * standing for [0, 64 MiB), exactly that long, so ASan reports any read
 * past its end. pvhboot itself occupies [1 MiB, 1.5 MiB). Unless a test
 * says otherwise the loader's structures sit here:
 *
 *   0x200000  start info              0x230000  module list
 *   0x201000  memory map              0x240000  module command lines
 *   0x210000  command line            0x1000000 module data (never read)
 *
 * and the memory map is a PC's: RAM to 0x9fc00, the EBDA and BIOS
 * reserved, RAM from 1 MiB to 64 MiB.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>
#include <xen/start_info.h>

#include "common/boot/boot_store.h"
#include "tests/unit/support.h"

#define MIB 0x100000ull
#define SIM_SIZE (64 * MIB)
#define SELF_BASE 0x100000ull
#define SELF_END 0x180000ull
#define SI_PA 0x200000ull
#define MEMMAP_PA 0x201000ull
#define CMDLINE_PA 0x210000ull
#define MODLIST_PA 0x230000ull
#define MODCMD_PA 0x240000ull
#define MOD_DATA 0x1000000ull

#define RAM E820_TYPE_RAM
#define RES E820_TYPE_RESERVED
#define ACPI E820_TYPE_ACPI

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define E(addr, size, type) ((struct hvm_memmap_table_entry){ (addr), (size), (type), 0 })

struct fixture {
    struct sim_mem mem;
    uint8_t *ram;                  /* the simulated memory, guest-physical 0 at ram[0] */
    struct pvh_boot_store *st;
    struct pvh_error err;
    struct hvm_start_info si;      /* written to memory by load() */
    struct hvm_modlist_entry mods[PVH_MODULES_MAX + 2];
    unsigned nr_mods;
};

static struct fixture F;

static const struct hvm_memmap_table_entry pc_map[] = {
    E(0, 0x9fc00, RAM),
    E(0x9fc00, 0x400, RES),
    E(0xf0000, 0x10000, RES),
    E(0x100000, SIM_SIZE - 0x100000, RAM),
};

/* Copy len bytes to guest-physical pa of the simulated memory. */
static void put(uint64_t pa, const void *data, size_t len)
{
    assert_true(pa <= SIM_SIZE && len <= SIM_SIZE - pa);
    memcpy(F.ram + pa, data, len);
}

static void put_string(uint64_t pa, const char *s)
{
    put(pa, s, strlen(s) + 1);
}

/* n bytes of c at pa, then a NUL (a long command line). */
static void put_filled_string(uint64_t pa, char c, size_t n)
{
    assert_true(pa + n < SIM_SIZE);
    memset(F.ram + pa, c, n);
    F.ram[pa + n] = '\0';
}

/* Write a memory map at pa and point the start info at it. */
static void put_memmap(uint64_t pa, const struct hvm_memmap_table_entry *e, unsigned n)
{
    put(pa, e, n * sizeof(*e));
    F.si.memmap_paddr = pa;
    F.si.memmap_entries = n;
}

#define SET_MEMMAP(...)                                                             \
    do {                                                                            \
        const struct hvm_memmap_table_entry map_[] = { __VA_ARGS__ };               \
        put_memmap(MEMMAP_PA, map_, COUNT(map_));                                   \
    } while (0)

static void add_module(uint64_t base, uint64_t size, uint64_t cmdline_pa)
{
    assert_true(F.nr_mods < COUNT(F.mods));
    F.mods[F.nr_mods++] = (struct hvm_modlist_entry){ base, size, cmdline_pa, 0 };
    F.si.nr_modules = F.nr_mods;
    F.si.modlist_paddr = MODLIST_PA;
}

static int setup(void **state)
{
    memset(&F, 0, sizeof(F));
    sim_init(&F.mem);
    F.ram = sim_add(&F.mem, 0, SIM_SIZE);
    F.st = malloc(sizeof(*F.st));
    if (!F.st)
        return -1;
    /* The store is not zeroed on the guest (see boot_store.h): start
     * from garbage so that a field read before it is written shows. */
    memset(F.st, 0xa5, sizeof(*F.st));
    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    F.si = (struct hvm_start_info){ .magic = XEN_HVM_START_MAGIC_VALUE, .version = 1 };
    put_memmap(MEMMAP_PA, pc_map, COUNT(pc_map));
    return 0;
}

static int teardown(void **state)
{
    sim_free(&F.mem);
    free(F.st);
    return 0;
}

/* Run the whole reader on a start info already in memory at pa. */
static int load_from(uint64_t pa)
{
    memset(&F.err, 0, sizeof(F.err));
    if (F.nr_mods)
        put(MODLIST_PA, F.mods, F.nr_mods * sizeof(F.mods[0]));
    return pvh_start_info_load(F.st, &F.mem.phys, pa, &F.err);
}

/* Write F.si at the usual place and read it. */
static int load(void)
{
    put(SI_PA, &F.si, sizeof(F.si));
    return load_from(SI_PA);
}

/* A pointer into the boot store, never into the loader's memory. */
static void assert_in_store(const void *p, size_t len)
{
    const char *s = (const char *)F.st, *q = p;

    assert_true(q >= s && q + len <= s + sizeof(*F.st));
}

static void expect_region(unsigned i, uint64_t base, uint64_t size, uint32_t type, uint32_t flags)
{
    const struct pvh_region *r;

    assert_true(i < F.st->boot.nr_memmap);
    r = &F.st->boot.memmap[i];
    if (r->base != base || r->size != size || r->type != type || r->flags != flags)
        fail_msg("region %u: 0x%llx+0x%llx type %u flags %u; want 0x%llx+0x%llx type %u flags %u",
                 i, (unsigned long long)r->base, (unsigned long long)r->size, r->type, r->flags,
                 (unsigned long long)base, (unsigned long long)size, type, flags);
}

/* ---- the store ------------------------------------------------------------ */

/* From garbage (setup() fills the store with 0xa5), init alone gives a
 * valid, empty description. */
static void store_init_gives_empty_description(void **state)
{
    const struct pvh_boot *b = &F.st->boot;

    assert_string_equal(b->cmdline, "");
    assert_int_equal(b->cmdline_len, 0);
    assert_int_equal(b->nr_modules, 0);
    assert_int_equal(b->nr_memmap, 0);
    assert_int_equal(b->rsdp, 0);
    assert_string_equal(b->hv.name, "none");
    assert_int_equal(b->self_base, SELF_BASE);
    assert_int_equal(b->self_end, SELF_END);
    assert_int_equal(pvh_boot_ram_total(b), 0);
}

static void names_memory_types_and_loaders(void **state)
{
    assert_string_equal(pvh_memtype_name(E820_TYPE_RAM), "ram");
    assert_string_equal(pvh_memtype_name(E820_TYPE_RESERVED), "reserved");
    assert_string_equal(pvh_memtype_name(E820_TYPE_ACPI), "acpi");
    assert_string_equal(pvh_memtype_name(E820_TYPE_NVS), "nvs");
    assert_string_equal(pvh_memtype_name(E820_TYPE_UNUSABLE), "unusable");
    assert_string_equal(pvh_memtype_name(E820_TYPE_PMEM), "pmem");
    assert_null(pvh_memtype_name(E820_TYPE_DISABLED));
    assert_null(pvh_memtype_name(E820_TYPE_PRAM));
    assert_null(pvh_memtype_name(0));
    assert_string_equal(pvh_loader_name(PVH_LOADER_PVH_V0), "pvh-v0");
    assert_string_equal(pvh_loader_name(PVH_LOADER_PVH_V1), "pvh-v1");
    assert_string_equal(pvh_loader_name(PVH_LOADER_FDT), "fdt");
}

/* ---- the header ----------------------------------------------------------- */

static void loads_minimal_start_info(void **state)
{
    const struct pvh_boot *b = &F.st->boot;

    assert_int_equal(load(), PVH_OK);
    assert_int_equal(b->loader, PVH_LOADER_PVH_V1);
    assert_int_equal(b->loader_version, 1);
    assert_non_null(b->cmdline);
    assert_string_equal(b->cmdline, "");
    assert_int_equal(b->cmdline_len, 0);
    assert_int_equal(b->nr_modules, 0);
    assert_int_equal(b->rsdp, 0);
    assert_int_equal(b->start_flags, 0);
    assert_int_equal(b->self_base, SELF_BASE);
    assert_int_equal(b->self_end, SELF_END);
    assert_int_equal(F.st->start_info_pa, SI_PA);
}

/* Found by fuzzing (tests/fuzz/fuzz_start_info.c): nothing makes a hostile
 * loader align these structures, and reading them through a misaligned
 * structure pointer is undefined behaviour (UBSan stops this test there). */
static void reads_start_info_memmap_and_modlist_at_odd_addresses(void **state)
{
    const struct pvh_boot *b = &F.st->boot;
    const uint64_t si_pa = SI_PA + 3, list_pa = MODLIST_PA + 1;

    put_memmap(MEMMAP_PA + 5, pc_map, COUNT(pc_map));
    add_module(MOD_DATA, 0x1000, MODCMD_PA);
    put_string(MODCMD_PA, "initrd");
    F.si.modlist_paddr = list_pa;
    put(list_pa, F.mods, sizeof(F.mods[0]));
    put(si_pa, &F.si, sizeof(F.si));
    assert_int_equal(pvh_start_info_load(F.st, &F.mem.phys, si_pa, &F.err), PVH_OK);
    assert_int_equal(b->nr_modules, 1);
    assert_int_equal(b->modules[0].base, MOD_DATA);
    assert_int_equal(b->modules[0].size, 0x1000);
    assert_string_equal(b->modules[0].cmdline, "initrd");
    expect_region(0, 0, 0x9f000, RAM, 0);
    expect_region(1, 0x9fc00, 0x400, RES, 0);
}

static void rejects_start_info_at_address_0(void **state)
{
    put(0, &F.si, sizeof(F.si));
    assert_error(load_from(0), &F.err, PVH_ERANGE, "start info: address 0");
}

static void rejects_start_info_overlapping_pvhboot(void **state)
{
    put(SELF_BASE + 0x1000, &F.si, sizeof(F.si));
    assert_error(load_from(SELF_BASE + 0x1000), &F.err, PVH_EOVERLAP,
                 "start info at 0x101000-0x101007: overlaps pvhboot 0x100000-0x17ffff");
}

/* The magic is clear of pvhboot, the rest of the header is not. */
static void rejects_start_info_running_into_pvhboot(void **state)
{
    put(SELF_BASE - 16, &F.si, sizeof(F.si));
    assert_error(load_from(SELF_BASE - 16), &F.err, PVH_EOVERLAP,
                 "start info at 0xffff0-0x100027: overlaps pvhboot 0x100000-0x17ffff");
    put(SELF_END - 4, &F.si, sizeof(F.si));
    assert_error(load_from(SELF_END - 4), &F.err, PVH_EOVERLAP,
                 "start info at 0x17fffc-0x180003: overlaps pvhboot");
}

static void rejects_bad_magic(void **state)
{
    F.si.magic = 0x12345678;
    assert_error(load(), &F.err, PVH_EINVAL, "start info magic: 0x12345678, expected 0x336ec578");
    /* The magic of the PV start info is not the PVH one either. */
    F.si.magic = 0;
    assert_error(load(), &F.err, PVH_EINVAL, "start info magic: 0x0, expected 0x336ec578");
}

static void rejects_start_info_not_accessible(void **state)
{
    assert_error(load_from(SIM_SIZE + 0x1000), &F.err, PVH_ERANGE,
                 "start info at 0x4001000-0x4001007: not accessible");
    /* The magic readable, the version 1 header not. */
    put(SIM_SIZE - 8, &F.si, 8);
    assert_error(load_from(SIM_SIZE - 8), &F.err, PVH_ERANGE,
                 "start info at 0x3fffff8-0x400002f: not accessible");
}

/* Read, but not in memory by the map: QEMU and Xen never do that. */
static void rejects_start_info_not_in_memory(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, 0x1f00000, RAM), E(0x2000000, 0x100000, RES),
               E(0x2100000, 0x1f00000, RAM));
    put(0x2000000, &F.si, sizeof(F.si));
    assert_error(load_from(0x2000000), &F.err, PVH_ERANGE,
                 "start info at 0x2000000-0x2000037: not in memory");
}

/* Version 0 defines 40 bytes: placed at the very end of memory, a
 * reader asking for more would fail. There is no memory map, and the
 * platform may supply one; the rest then reads as usual. */
static void version_0_has_no_memory_map(void **state)
{
    const uint64_t pa = SIM_SIZE - HVM_START_INFO_V0_SIZE;
    const struct pvh_region platform_map[] = {
        { 0, 0x9f000, RAM, 0 },
        { 0x100000, SIM_SIZE - 0x100000, RAM, 0 },
    };

    F.si.version = 0;
    F.si.cmdline_paddr = CMDLINE_PA;
    F.si.rsdp_paddr = 0xf5a40;
    put_string(CMDLINE_PA, "from v0");
    put(pa, &F.si, HVM_START_INFO_V0_SIZE);
    assert_int_equal(pvh_start_info_read_header(F.st, &F.mem.phys, pa, &F.err), PVH_OK);
    assert_error(pvh_start_info_read_memmap(F.st, &F.mem.phys, &F.err), &F.err, PVH_ENOENT,
                 "start info version 0: no memory map");
    assert_int_equal(F.st->boot.loader, PVH_LOADER_PVH_V0);
    assert_int_equal(F.st->boot.loader_version, 0);
    assert_int_equal(F.st->boot.rsdp, 0xf5a40);
    /* Nothing past version 0's fields was read. */
    assert_int_equal(F.st->si.memmap_paddr, 0);
    assert_int_equal(F.st->si.memmap_entries, 0);

    memcpy(F.st->raw, platform_map, sizeof(platform_map));
    F.st->nr_raw = COUNT(platform_map);
    assert_int_equal(pvh_boot_set_memmap(F.st, &F.err), PVH_OK);
    assert_int_equal(pvh_start_info_read_rest(F.st, &F.mem.phys, &F.err), PVH_OK);
    pvh_boot_finish(F.st);
    assert_string_equal(F.st->boot.cmdline, "from v0");
    assert_int_equal(F.st->boot.nr_memmap, 3);

    /* The one-call reader stops at the same point. */
    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    assert_error(load_from(pa), &F.err, PVH_ENOENT, "start info version 0: no memory map");
}

/* Later versions only append fields: read as version 1, and only the 56
 * bytes version 1 defines (the header ends at the end of memory). */
static void versions_1_2_and_max_read_as_v1(void **state)
{
    static const uint32_t versions[] = { 1, 2, 0xffffffff };
    const uint64_t pa = SIM_SIZE - HVM_START_INFO_V1_SIZE;
    unsigned i;

    for (i = 0; i < COUNT(versions); i++) {
        F.si.version = versions[i];
        put(pa, &F.si, sizeof(F.si));
        pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
        assert_int_equal(load_from(pa), PVH_OK);
        assert_int_equal(F.st->boot.loader, PVH_LOADER_PVH_V1);
        assert_int_equal(F.st->boot.loader_version, versions[i]);
        assert_int_equal(F.st->nr_raw, COUNT(pc_map));
    }
}

static void copies_rsdp_and_flags(void **state)
{
    F.si.rsdp_paddr = 0xf5a40;
    F.si.flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.rsdp, 0xf5a40);
    assert_int_equal(F.st->boot.start_flags, SIF_PRIVILEGED | SIF_INITDOMAIN);
    /* A 64-bit RSDP address is kept whole. */
    F.si.rsdp_paddr = 0x123456789a0ull;
    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.rsdp, 0x123456789a0ull);
}

/* ---- the memory map ------------------------------------------------------- */

static void rejects_memmap_address_0(void **state)
{
    F.si.memmap_paddr = 0;
    assert_error(load(), &F.err, PVH_ENOENT, "start info memory map: 4 entries at 0x0");
}

static void rejects_memmap_with_0_entries(void **state)
{
    F.si.memmap_entries = 0;
    assert_error(load(), &F.err, PVH_ENOENT, "start info memory map: none given (0 entries at 0x201000)");
}

/* ---- no memory map in the start info: the platform's (Xen's) ------------ */

/* A fake XENMEM_memory_map: a map of its own, unlike pc_map, so a test
 * can tell whose map was used. */
static unsigned platform_calls;
static const struct pvh_region xen_map[] = {
    { 0, 0xa0000, RAM, 0 },
    { 0x100000, 0x2f00000, RAM, 0 },
    { 0xfc000000, 0x1000, ACPI, 0 },
};

static int fake_xen_memory_map(struct pvh_boot_store *st, struct pvh_error *err)
{
    (void)err;
    platform_calls++;
    memcpy(st->raw, xen_map, sizeof(xen_map));
    st->nr_raw = COUNT(xen_map);
    return PVH_OK;
}

static int fake_xen_memory_map_fails(struct pvh_boot_store *st, struct pvh_error *err)
{
    (void)st;
    platform_calls++;
    return pvh_fail(err, PVH_EINVAL, "XENMEM_memory_map: error -38");
}

/* The steps as arch/x86/start.c runs them, with the platform given. */
static int load_with_platform(pvh_platform_memmap_fn *platform, const char *hv_name)
{
    int rc;

    put(SI_PA, &F.si, sizeof(F.si));
    if (F.nr_mods)
        put(MODLIST_PA, F.mods, F.nr_mods * sizeof(F.mods[0]));
    memset(&F.err, 0, sizeof(F.err));
    platform_calls = 0;
    rc = pvh_start_info_read_header(F.st, &F.mem.phys, SI_PA, &F.err);
    if (!rc)
        rc = pvh_start_info_find_memmap(F.st, &F.mem.phys, platform, hv_name, &F.err);
    if (!rc)
        rc = pvh_boot_set_memmap(F.st, &F.err);
    if (!rc)
        rc = pvh_start_info_read_rest(F.st, &F.mem.phys, &F.err);
    if (!rc)
        pvh_boot_finish(F.st);
    return rc;
}

/* Version 1 with 0 entries: "no map given" (Xen's start_info.h); Xen's
 * map is used, and the address beside the count, garbage here, is never
 * read or checked. */
static void memmap_0_entries_takes_xen_map(void **state)
{
    F.si.memmap_entries = 0;
    F.si.memmap_paddr = 0xdead0000000ull;
    F.si.cmdline_paddr = CMDLINE_PA;
    put_string(CMDLINE_PA, "map from Xen");
    assert_int_equal(load_with_platform(fake_xen_memory_map, "xen"), PVH_OK);
    assert_int_equal(platform_calls, 1);
    assert_int_equal(F.st->boot.loader, PVH_LOADER_PVH_V1);
    assert_string_equal(F.st->boot.cmdline, "map from Xen");
    assert_int_equal(F.st->nr_raw, COUNT(xen_map));
    assert_int_equal(F.st->boot.memmap[F.st->boot.nr_memmap - 1].base, 0xfc000000);
    assert_int_equal(pvh_boot_ram_total(&F.st->boot), 0xa0000 + 0x2f00000);
}

static void memmap_0_entries_at_0_takes_xen_map(void **state)
{
    F.si.memmap_entries = 0;
    F.si.memmap_paddr = 0;
    assert_int_equal(load_with_platform(fake_xen_memory_map, "xen"), PVH_OK);
    assert_int_equal(platform_calls, 1);
    assert_int_equal(F.st->nr_raw, COUNT(xen_map));
}

static void memmap_0_entries_without_xen_is_refused(void **state)
{
    F.si.memmap_entries = 0;
    assert_error(load_with_platform(NULL, "tcg"), &F.err, PVH_ENOENT,
                 "start info memory map: none given (0 entries at 0x201000), and no Xen to ask: "
                 "hypervisor tcg");
    assert_int_equal(platform_calls, 0);
}

static void memmap_0_entries_xen_failure_is_reported(void **state)
{
    F.si.memmap_entries = 0;
    assert_error(load_with_platform(fake_xen_memory_map_fails, "xen"), &F.err, PVH_EINVAL,
                 "XENMEM_memory_map: error -38");
    assert_int_equal(platform_calls, 1);
}

static void version_0_takes_xen_map(void **state)
{
    F.si.version = 0;
    assert_int_equal(load_with_platform(fake_xen_memory_map, "xen"), PVH_OK);
    assert_int_equal(platform_calls, 1);
    assert_int_equal(F.st->boot.loader, PVH_LOADER_PVH_V0);
    assert_int_equal(F.st->nr_raw, COUNT(xen_map));
}

static void version_0_without_xen_is_refused(void **state)
{
    F.si.version = 0;
    assert_error(load_with_platform(NULL, "kvm"), &F.err, PVH_ENOENT,
                 "start info version 0: no memory map, and no Xen to ask: hypervisor kvm");
}

/* A start info with a map of its own: the platform is not asked. */
static void memmap_given_platform_not_asked(void **state)
{
    assert_int_equal(load_with_platform(fake_xen_memory_map, "xen"), PVH_OK);
    assert_int_equal(platform_calls, 0);
    assert_int_equal(F.st->nr_raw, COUNT(pc_map));
}

/* Address 0 with entries is no "none": still refused, Xen or not. */
static void memmap_address_0_with_entries_not_taken_for_none(void **state)
{
    F.si.memmap_paddr = 0;
    assert_error(load_with_platform(fake_xen_memory_map, "xen"), &F.err, PVH_ENOENT,
                 "start info memory map: 4 entries at 0x0");
    assert_int_equal(platform_calls, 0);
}

static void rejects_more_than_1024_memmap_entries(void **state)
{
    F.si.memmap_entries = PVH_MEMMAP_IN_MAX + 1;
    assert_error(load(), &F.err, PVH_E2BIG,
                 "start info memory map: 1025 entries, at most 1024 supported");
    /* A count whose byte size overflows 32 bits is refused the same way. */
    F.si.memmap_entries = 0xffffffff;
    assert_error(load(), &F.err, PVH_E2BIG,
                 "start info memory map: 4294967295 entries, at most 1024 supported");
}

static void rejects_memmap_overlapping_pvhboot(void **state)
{
    /* 4 entries of 24 bytes, the last two inside pvhboot. */
    put_memmap(SELF_BASE - 48, pc_map, COUNT(pc_map));
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "memory map at 0xfffd0-0x10002f: overlaps pvhboot 0x100000-0x17ffff");
}

static void rejects_memmap_wrapping(void **state)
{
    F.si.memmap_paddr = 0xffffffffffffffe8ull;
    assert_error(load(), &F.err, PVH_ERANGE,
                 "memory map at 0xffffffffffffffe8: size 0x60 wraps past 2^64");
}

static void rejects_memmap_not_accessible(void **state)
{
    F.si.memmap_paddr = SIM_SIZE - 24;
    assert_error(load(), &F.err, PVH_ERANGE, "memory map at 0x3ffffe8-0x4000047: not accessible");
}

/* The map itself must lie in memory by its own account. */
static void rejects_memmap_not_in_memory(void **state)
{
    const struct hvm_memmap_table_entry map[] = {
        E(0, 0x9f000, RAM), E(0x100000, 0x1f00000, RAM), E(0x2000000, 0x100000, RES),
        E(0x2100000, 0x1f00000, RAM),
    };

    put_memmap(0x2000000, map, COUNT(map));
    assert_error(load(), &F.err, PVH_ERANGE, "memory map at 0x2000000-0x200005f: not in memory");
}

static void accepts_exactly_1024_memmap_entries(void **state)
{
    struct hvm_memmap_table_entry *map = calloc(PVH_MEMMAP_IN_MAX, sizeof(*map));
    unsigned i;

    assert_non_null(map);
    /* 64 KiB each: RAM below 32 MiB, then alternating ACPI and RAM. */
    for (i = 0; i < PVH_MEMMAP_IN_MAX; i++)
        map[i] = E(i * 0x10000ull, 0x10000, i < 512 || i % 2 ? RAM : ACPI);
    put_memmap(MEMMAP_PA, map, PVH_MEMMAP_IN_MAX);
    free(map);
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->nr_raw, PVH_MEMMAP_IN_MAX);
    /* RAM below 1 MiB, pvhboot, RAM to the first ACPI, then 256 pairs. */
    assert_int_equal(F.st->boot.nr_memmap, 3 + 2 * 256);
    expect_region(1, SELF_BASE, SELF_END - SELF_BASE, RAM, PVH_REGION_PVHBOOT);
    expect_region(3, 32 * MIB, 0x10000, ACPI, 0);
    expect_region(514, SIM_SIZE - 0x10000, 0x10000, RAM, 0);
}

static void rejects_map_without_ram_for_pvhboot(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x200000, SIM_SIZE - 0x200000, RAM));
    assert_error(load(), &F.err, PVH_ERANGE,
                 "memory map has no RAM for pvhboot itself: 0x100000-0x17ffff");
}

static void rejects_map_with_pvhboot_partly_reserved(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, SIM_SIZE - 0x100000, RAM),
               E(0x170000, 0x1000, RES));
    assert_error(load(), &F.err, PVH_ERANGE,
                 "memory map has no RAM for pvhboot itself: 0x100000-0x17ffff");
}

static void rejects_memmap_entry_wrapping(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, SIM_SIZE - 0x100000, RAM),
               E(0xfffffffffffff000ull, 0x1000, RES));
    assert_error(load(), &F.err, PVH_ERANGE, "memory map entry 2 wraps past 2^64");
}

/* The loader's map, unsorted and overlapping, with QEMU microvm's
 * all-zero entry, comes out normalised with pvhboot's range flagged. */
static void memmap_is_normalised_with_pvhboot_flagged(void **state)
{
    SET_MEMMAP(E(0x100000, SIM_SIZE - 0x100000, RAM),
               E(0, 0, 0),
               E(0xfeffc000, 0x4000, RES),
               E(0, 0x9fc00, RAM),
               E(0x3000000, 0x100000, ACPI),
               E(0x9fc00, 0x400, RES),
               E(0xf0000, 0x10000, RES),
               E(0x3080000, 0x100000, RES));
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.nr_memmap, 9);
    expect_region(0, 0, 0x9f000, RAM, 0);
    expect_region(1, 0x9fc00, 0x400, RES, 0);
    expect_region(2, 0xf0000, 0x10000, RES, 0);
    expect_region(3, SELF_BASE, SELF_END - SELF_BASE, RAM, PVH_REGION_PVHBOOT);
    expect_region(4, SELF_END, 0x3000000 - SELF_END, RAM, 0);
    expect_region(5, 0x3000000, 0x80000, ACPI, 0);
    expect_region(6, 0x3080000, 0x100000, RES, 0);
    expect_region(7, 0x3180000, SIM_SIZE - 0x3180000, RAM, 0);
    expect_region(8, 0xfeffc000, 0x4000, RES, 0);
    /* pvhboot's own memory counts as RAM. */
    assert_int_equal(pvh_boot_ram_total(&F.st->boot), 0x9f000 + (0x3000000 - SELF_BASE) +
                                                          (SIM_SIZE - 0x3180000));
}

/* ---- the command line ----------------------------------------------------- */

static void cmdline_0_reads_as_empty(void **state)
{
    F.si.cmdline_paddr = 0;
    assert_int_equal(load(), PVH_OK);
    assert_non_null(F.st->boot.cmdline);
    assert_string_equal(F.st->boot.cmdline, "");
    assert_int_equal(F.st->boot.cmdline_len, 0);
}

static void cmdline_empty_string_reads_as_empty(void **state)
{
    F.si.cmdline_paddr = CMDLINE_PA;
    put_string(CMDLINE_PA, "");
    assert_int_equal(load(), PVH_OK);
    assert_string_equal(F.st->boot.cmdline, "");
    assert_int_equal(F.st->boot.cmdline_len, 0);
}

static void copies_cmdline_byte_for_byte(void **state)
{
    char all[256];
    unsigned i;

    /* Every byte value but NUL, after some ordinary text. */
    memcpy(all, "console=ttyS0 ", 14);
    for (i = 1; i < 256 - 14; i++)
        all[13 + i] = (char)(i < 128 ? i : i + 14);
    all[255] = '\0';
    F.si.cmdline_paddr = CMDLINE_PA;
    put_string(CMDLINE_PA, all);
    assert_int_equal(load(), PVH_OK);
    assert_string_equal(F.st->boot.cmdline, all);
    assert_int_equal(F.st->boot.cmdline_len, 255);
}

/* 65536 bytes and the NUL, starting at an odd address so the string is
 * read across many page boundaries. */
static void accepts_cmdline_of_exactly_max_bytes(void **state)
{
    const uint64_t pa = CMDLINE_PA + 0x123;

    put_filled_string(pa, 'x', PVH_CMDLINE_MAX);
    F.ram[pa + 100] = 'y';
    F.si.cmdline_paddr = pa;
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.cmdline_len, PVH_CMDLINE_MAX);
    assert_int_equal(F.st->boot.cmdline[100], 'y');
    assert_memory_equal(F.st->boot.cmdline, F.ram + pa, PVH_CMDLINE_MAX + 1);
}

static void rejects_cmdline_one_byte_over_max(void **state)
{
    const uint64_t pa = CMDLINE_PA + 0x123;

    put_filled_string(pa, 'x', PVH_CMDLINE_MAX + 1);
    F.si.cmdline_paddr = pa;
    assert_error(load(), &F.err, PVH_E2BIG, "cmdline at 0x210123: longer than 65536 bytes");
}

/* Unterminated at the end of the simulated memory, which the map says
 * goes on: the page after it cannot be read. */
static void rejects_cmdline_running_off_accessible_memory(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, 2 * SIM_SIZE, RAM));
    memset(F.ram + SIM_SIZE - 10, 'x', 10);
    F.si.cmdline_paddr = SIM_SIZE - 10;
    assert_error(load(), &F.err, PVH_ERANGE, "cmdline at 0x3fffff6: 0x4000000 is not accessible");
}

/* Unterminated at the end of RAM by the map. */
static void rejects_cmdline_running_off_end_of_ram(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, 31 * MIB, RAM));
    memset(F.ram + 32 * MIB - 10, 'x', 10);
    F.si.cmdline_paddr = 32 * MIB - 10;
    assert_error(load(), &F.err, PVH_ERANGE,
                 "cmdline at 0x1fffff6: no NUL before 0x2000000, where memory ends");
}

static void rejects_cmdline_starting_outside_memory(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, 31 * MIB, RAM), E(32 * MIB, MIB, RES));
    put_string(32 * MIB, "reserved");
    F.si.cmdline_paddr = 32 * MIB;
    assert_error(load(), &F.err, PVH_ERANGE, "cmdline at 0x2000000: not in memory");
}

static void rejects_cmdline_running_into_pvhboot(void **state)
{
    /* In the legacy area, unterminated up to pvhboot's first byte. */
    memset(F.ram + SELF_BASE - 5, 'x', 5);
    F.si.cmdline_paddr = SELF_BASE - 5;
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "cmdline at 0xffffb: no NUL before 0x100000, where pvhboot begins");
}

static void rejects_cmdline_inside_pvhboot(void **state)
{
    put_string(SELF_BASE + 0x10, "inside");
    F.si.cmdline_paddr = SELF_BASE + 0x10;
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "cmdline at 0x100010: overlaps pvhboot 0x100000-0x17ffff");
}

static void accepts_cmdline_ending_just_before_pvhboot(void **state)
{
    put_string(SELF_BASE - 5, "abcd");
    F.si.cmdline_paddr = SELF_BASE - 5;
    assert_int_equal(load(), PVH_OK);
    assert_string_equal(F.st->boot.cmdline, "abcd");
}

static void rejects_cmdline_wrapping(void **state)
{
    F.si.cmdline_paddr = 0xfffffffffffffff0ull;
    assert_error(load(), &F.err, PVH_ERANGE, "cmdline at 0xfffffffffffffff0: not in memory");
}

/* A module of no bytes inside another one overlaps nothing. */
static void accepts_zero_size_module_inside_another(void **state)
{
    add_module(MOD_DATA, 0x4000, 0);
    add_module(MOD_DATA + 0x1000, 0, 0);
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.nr_modules, 2);
    assert_int_equal(F.st->boot.modules[1].size, 0);
}

/* A string may end right where memory ends, even mid-page: only the
 * bytes up to its NUL must be readable. */
static void accepts_cmdline_ending_at_unaligned_end_of_memory(void **state)
{
    uint64_t end = 0x3000000 + 0x880; /* ACPI data ends mid-page, then a hole */

    SET_MEMMAP(E(0, 0x9fc00, RAM), E(0x100000, 0x3000000 - 0x100000, RAM),
               E(0x3000000, 0x880, ACPI));
    put_string(end - 6, "tail!");
    F.si.cmdline_paddr = end - 6;
    assert_int_equal(load(), PVH_OK);
    assert_string_equal(F.st->boot.cmdline, "tail!");
}

/* ...but one byte more and it runs off memory. */
static void rejects_cmdline_one_byte_past_unaligned_end_of_memory(void **state)
{
    uint64_t end = 0x3000000 + 0x880;

    SET_MEMMAP(E(0, 0x9fc00, RAM), E(0x100000, 0x3000000 - 0x100000, RAM),
               E(0x3000000, 0x880, ACPI));
    put(end - 5, "tail!", 5); /* the NUL would be at end: outside memory */
    F.si.cmdline_paddr = end - 5;
    assert_error(load(), &F.err, PVH_ERANGE,
                 "cmdline at 0x300087b: no NUL before 0x3000880, where memory ends");
}

/* ---- modules -------------------------------------------------------------- */

static void no_modules_with_modlist_0(void **state)
{
    F.si.nr_modules = 0;
    F.si.modlist_paddr = 0;
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.nr_modules, 0);
    assert_non_null(F.st->boot.modules);
}

static void no_modules_ignores_modlist_address(void **state)
{
    F.si.nr_modules = 0;
    F.si.modlist_paddr = SELF_BASE; /* never looked at */
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.nr_modules, 0);
}

static void reads_one_module(void **state)
{
    put_string(MODCMD_PA, "initrd arg=1");
    add_module(MOD_DATA, 12345, MODCMD_PA);
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.nr_modules, 1);
    assert_int_equal(F.st->boot.modules[0].base, MOD_DATA);
    assert_int_equal(F.st->boot.modules[0].size, 12345);
    assert_string_equal(F.st->boot.modules[0].cmdline, "initrd arg=1");
}

static void rejects_more_than_128_modules(void **state)
{
    unsigned i;

    for (i = 0; i < PVH_MODULES_MAX + 1; i++)
        add_module(MOD_DATA + i * 0x10000ull, 0x1000, 0);
    assert_error(load(), &F.err, PVH_E2BIG, "start info: 129 modules, at most 128 supported");
    F.si.nr_modules = 0xffffffff;
    assert_error(load(), &F.err, PVH_E2BIG,
                 "start info: 4294967295 modules, at most 128 supported");
}

static void accepts_64_modules(void **state)
{
    unsigned i;

    for (i = 0; i < 64; i++)
        add_module(MOD_DATA + i * 0x10000ull, 0x1000 + i, 0);
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.nr_modules, 64);
    for (i = 0; i < 64; i++) {
        assert_int_equal(F.st->boot.modules[i].base, MOD_DATA + i * 0x10000ull);
        assert_int_equal(F.st->boot.modules[i].size, 0x1000 + i);
        assert_string_equal(F.st->boot.modules[i].cmdline, "");
    }
}

static void accepts_128_modules(void **state)
{
    unsigned i;

    for (i = 0; i < PVH_MODULES_MAX; i++)
        add_module(MOD_DATA + i * 0x10000ull, 0x10000, 0); /* touching: not overlapping */
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.nr_modules, PVH_MODULES_MAX);
    assert_int_equal(F.st->boot.modules[127].base, MOD_DATA + 127 * 0x10000ull);
}

static void rejects_modlist_at_address_0(void **state)
{
    add_module(MOD_DATA, 0x1000, 0);
    F.si.modlist_paddr = 0;
    assert_error(load(), &F.err, PVH_ERANGE, "module list: address 0");
}

static void rejects_modlist_overlapping_pvhboot(void **state)
{
    add_module(MOD_DATA, 0x1000, 0);
    add_module(MOD_DATA + 0x10000, 0x1000, 0);
    F.si.modlist_paddr = SELF_BASE - 32;
    put(SELF_BASE - 32, F.mods, sizeof(F.mods[0]));
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "module list at 0xfffe0-0x10001f: overlaps pvhboot 0x100000-0x17ffff");
}

static void rejects_modlist_wrapping(void **state)
{
    add_module(MOD_DATA, 0x1000, 0);
    add_module(MOD_DATA + 0x10000, 0x1000, 0);
    F.si.modlist_paddr = 0xffffffffffffffe0ull;
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module list at 0xffffffffffffffe0: size 0x40 wraps past 2^64");
}

static void rejects_modlist_not_in_memory(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, 31 * MIB, RAM), E(32 * MIB, MIB, RES),
               E(33 * MIB, 31 * MIB, RAM));
    add_module(MOD_DATA, 0x1000, 0);
    F.si.modlist_paddr = 32 * MIB;
    put(32 * MIB, F.mods, sizeof(F.mods[0]));
    assert_error(load(), &F.err, PVH_ERANGE, "module list at 0x2000000-0x200001f: not in memory");
}

static void rejects_modlist_not_accessible(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, 2 * SIM_SIZE, RAM));
    add_module(MOD_DATA, 0x1000, 0);
    F.si.modlist_paddr = SIM_SIZE - 16;
    put(SIM_SIZE - 16, F.mods, 16);
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module list at 0x3fffff0-0x400000f: not accessible");
}

static void rejects_module_at_address_0(void **state)
{
    add_module(0, 0x1000, 0);
    assert_error(load(), &F.err, PVH_ERANGE, "module 0: address 0");
}

static void rejects_module_wrapping_past_2_64(void **state)
{
    add_module(MOD_DATA, 0x1000, 0);
    add_module(0xfffffffffffff000ull, 0x2000, 0);
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module 1 at 0xfffffffffffff000: size 0x2000 wraps past 2^64");
}

static void rejects_module_ending_at_2_64(void **state)
{
    add_module(0xfffffffffffff000ull, 0x1000, 0);
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module 0 at 0xfffffffffffff000: size 0x1000 wraps past 2^64");
}

static void rejects_module_outside_ram(void **state)
{
    add_module(SIM_SIZE, 0x1000, 0);
    assert_error(load(), &F.err, PVH_ERANGE, "module 0 at 0x4000000 size 4096: not in RAM");
}

static void rejects_module_straddling_end_of_ram(void **state)
{
    add_module(SIM_SIZE - 0x800, 0x1000, 0);
    assert_error(load(), &F.err, PVH_ERANGE, "module 0 at 0x3fff800 size 4096: not in RAM");
}

/* Modules must be in RAM: memory of other types, and the legacy area's
 * hole, which structures may use, are not enough. */
static void rejects_module_in_acpi_memory_or_legacy_hole(void **state)
{
    SET_MEMMAP(E(0, 0x9f000, RAM), E(0x100000, 31 * MIB, RAM), E(32 * MIB, MIB, ACPI),
               E(33 * MIB, 31 * MIB, RAM));
    add_module(32 * MIB, 0x1000, 0);
    assert_error(load(), &F.err, PVH_ERANGE, "module 0 at 0x2000000 size 4096: not in RAM");
    F.mods[0].paddr = 0xc0000;
    assert_error(load(), &F.err, PVH_ERANGE, "module 0 at 0xc0000 size 4096: not in RAM");
}

static void rejects_module_overlapping_pvhboot(void **state)
{
    add_module(MOD_DATA, 0x1000, 0);
    add_module(SELF_BASE - 0x1000, 0x2000, 0);
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "module 1 at 0xff000-0x100fff: overlaps pvhboot 0x100000-0x17ffff");
}

static void rejects_modules_overlapping_each_other(void **state)
{
    add_module(MOD_DATA, 0x10000, 0);
    add_module(MOD_DATA + 0x20000, 0x10000, 0);
    add_module(MOD_DATA + 0xf000, 0x2000, 0);
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "module 2 at 0x100f000 overlaps module 0 at 0x1000000");
    /* One inside another. */
    F.mods[2] = (struct hvm_modlist_entry){ MOD_DATA + 0x24000, 0x100, 0, 0 };
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "module 2 at 0x1024000 overlaps module 1 at 0x1020000");
    /* The same module given twice. */
    F.mods[2] = F.mods[0];
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "module 2 at 0x1000000 overlaps module 0 at 0x1000000");
}

/* A zero-size module (QEMU -initrd of an empty file) is accepted. */
static void accepts_empty_module(void **state)
{
    add_module(MOD_DATA, 0x10000, 0);
    add_module(MOD_DATA + 0x10000, 0, 0);
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.nr_modules, 2);
    assert_int_equal(F.st->boot.modules[1].size, 0);
}

static void module_cmdline_0_reads_as_empty(void **state)
{
    put_string(MODCMD_PA, "second");
    add_module(MOD_DATA, 0x1000, 0);
    add_module(MOD_DATA + 0x10000, 0x1000, MODCMD_PA);
    add_module(MOD_DATA + 0x20000, 0x1000, 0);
    assert_int_equal(load(), PVH_OK);
    assert_string_equal(F.st->boot.modules[0].cmdline, "");
    assert_string_equal(F.st->boot.modules[1].cmdline, "second");
    assert_string_equal(F.st->boot.modules[2].cmdline, "");
}

static void accepts_module_cmdline_of_exactly_max_bytes(void **state)
{
    put_filled_string(MODCMD_PA + 1, 'm', PVH_MODULE_CMDLINE_MAX);
    add_module(MOD_DATA, 0x1000, MODCMD_PA + 1);
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(strlen(F.st->boot.modules[0].cmdline), PVH_MODULE_CMDLINE_MAX);
}

static void rejects_module_cmdline_over_max(void **state)
{
    put_filled_string(MODCMD_PA + 1, 'm', PVH_MODULE_CMDLINE_MAX + 1);
    add_module(MOD_DATA, 0x1000, 0);
    add_module(MOD_DATA + 0x10000, 0x1000, MODCMD_PA + 1);
    assert_error(load(), &F.err, PVH_E2BIG,
                 "module 1 cmdline at 0x240001: longer than 4096 bytes");
}

static void rejects_module_cmdline_running_into_pvhboot(void **state)
{
    memset(F.ram + SELF_BASE - 3, 'x', 3);
    add_module(MOD_DATA, 0x1000, 0);
    add_module(MOD_DATA + 0x10000, 0x1000, 0);
    add_module(MOD_DATA + 0x20000, 0x1000, 0);
    add_module(MOD_DATA + 0x30000, 0x1000, SELF_BASE - 3);
    assert_error(load(), &F.err, PVH_EOVERLAP,
                 "module 3 cmdline at 0xffffd: no NUL before 0x100000, where pvhboot begins");
}

static void rejects_module_cmdline_at_0_page_or_not_in_memory(void **state)
{
    SET_MEMMAP(E(0x1000, 0x9e000, RAM), E(0x100000, 31 * MIB, RAM), E(32 * MIB, MIB, RES),
               E(33 * MIB, 31 * MIB, RAM));
    put_string(32 * MIB, "reserved");
    add_module(MOD_DATA, 0x1000, 32 * MIB);
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module 0 cmdline at 0x2000000: not in memory");
}

/*
 * The pool of module command lines: PVH_MODULE_CMDLINES_ALL bytes, NULs
 * included. Module i's command line is n_i copies of 'A' + i at its own
 * address, so a mix-up between modules shows.
 */
static uint64_t pool_cmdline_pa(unsigned i)
{
    return MODCMD_PA + i * 0x1100ull;
}

static void add_module_with_cmdline(unsigned i, size_t n)
{
    put_filled_string(pool_cmdline_pa(i), (char)('A' + i), n);
    add_module(MOD_DATA + i * 0x10000ull, 0x1000, pool_cmdline_pa(i));
}

static void check_pool_cmdline(unsigned i, size_t n)
{
    const char *c = F.st->boot.modules[i].cmdline;
    size_t k;

    assert_int_equal(strlen(c), n);
    for (k = 0; k < n; k++)
        assert_int_equal(c[k], 'A' + i);
    assert_in_store(c, n + 1);
}

/* 16 command lines of 4095 bytes and their NULs fill the pool exactly. */
static void accepts_module_cmdlines_filling_pool_exactly(void **state)
{
    unsigned i;

    for (i = 0; i < 16; i++)
        add_module_with_cmdline(i, 4095);
    assert_int_equal(load(), PVH_OK);
    for (i = 0; i < 16; i++)
        check_pool_cmdline(i, 4095);
    assert_int_equal(F.st->module_cmdlines_used, PVH_MODULE_CMDLINES_ALL);
}

/* Full with lines of the largest size, and the last one just fitting. */
static void accepts_module_cmdlines_filling_pool_with_max_lines(void **state)
{
    const size_t last = PVH_MODULE_CMDLINES_ALL - 15 * (PVH_MODULE_CMDLINE_MAX + 1) - 1;
    unsigned i;

    for (i = 0; i < 15; i++)
        add_module_with_cmdline(i, PVH_MODULE_CMDLINE_MAX);
    add_module_with_cmdline(15, last);
    assert_int_equal(load(), PVH_OK);
    for (i = 0; i < 15; i++)
        check_pool_cmdline(i, PVH_MODULE_CMDLINE_MAX);
    check_pool_cmdline(15, last);
    assert_int_equal(F.st->module_cmdlines_used, PVH_MODULE_CMDLINES_ALL);
}

static void rejects_module_cmdlines_one_byte_over_pool(void **state)
{
    const size_t last = PVH_MODULE_CMDLINES_ALL - 15 * (PVH_MODULE_CMDLINE_MAX + 1);
    unsigned i;

    for (i = 0; i < 15; i++)
        add_module_with_cmdline(i, PVH_MODULE_CMDLINE_MAX);
    add_module_with_cmdline(15, last);
    assert_error(load(), &F.err, PVH_E2BIG, "module cmdlines: more than 65536 bytes in all");
}

/* Once the pool is full, even an empty command line (one NUL) has no
 * room, but a module without one is still fine. */
static void full_pool_refuses_even_empty_cmdline(void **state)
{
    unsigned i;

    for (i = 0; i < 16; i++)
        add_module_with_cmdline(i, 4095);
    add_module(MOD_DATA + 16 * 0x10000ull, 0x1000, 0);
    assert_int_equal(load(), PVH_OK);
    assert_string_equal(F.st->boot.modules[16].cmdline, "");

    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    add_module_with_cmdline(17, 0);
    assert_error(load(), &F.err, PVH_E2BIG, "module cmdlines: more than 65536 bytes in all");
}

/* ---- where the data may be ------------------------------------------------ */

/*
 * Every structure in the legacy area below 1 MiB, in the hole the map
 * leaves between the EBDA and the BIOS (QEMU's option ROM does this).
 */
static void accepts_structures_in_legacy_area_hole(void **state)
{
    const struct hvm_memmap_table_entry map[] = {
        E(0, 0x9fc00, RAM), E(0xf0000, 0x10000, RES), E(0x100000, SIM_SIZE - 0x100000, RAM),
    };
    const uint64_t si_pa = 0xc0000;

    put_memmap(0xc1000, map, COUNT(map));
    put_string(0xc2000, "legacy");
    put_string(0xf8000, "in the BIOS area");
    F.si.cmdline_paddr = 0xc2000;
    add_module(MOD_DATA, 0x1000, 0xf8000);
    F.si.modlist_paddr = 0xc3000;
    put(0xc3000, F.mods, sizeof(F.mods[0]));
    F.nr_mods = 0; /* load_from() must not write the list elsewhere */
    put(si_pa, &F.si, sizeof(F.si));
    assert_int_equal(load_from(si_pa), PVH_OK);
    assert_string_equal(F.st->boot.cmdline, "legacy");
    assert_string_equal(F.st->boot.modules[0].cmdline, "in the BIOS area");
}

/* Page 0 is not part of that allowance: the map must say it is memory. */
static void page_0_needs_the_map(void **state)
{
    SET_MEMMAP(E(0x1000, 0x9e000, RAM), E(0x100000, SIM_SIZE - 0x100000, RAM));
    put(0x500, &F.si, sizeof(F.si));
    assert_error(load_from(0x500), &F.err, PVH_ERANGE, "start info at 0x500-0x537: not in memory");

    /* With RAM at 0, a map in page 0 is fine (QEMU's is at 0x5a8). */
    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    put_memmap(0x5a8, pc_map, COUNT(pc_map));
    assert_int_equal(load(), PVH_OK);
}

/* A module or the RSDP is read after page 0 is unmapped: refused there,
 * even where the map says RAM. */
static void rejects_module_in_page_0(void **state)
{
    add_module(0x800, 0x100, 0);
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module 0 at 0x800 size 256: in page 0, which pvhboot leaves unmapped");
}

static void rejects_module_straddling_page_0_and_1(void **state)
{
    add_module(0xf00, 0x200, 0);
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module 0 at 0xf00 size 512: in page 0, which pvhboot leaves unmapped");
}

static void rejects_empty_module_in_page_0(void **state)
{
    add_module(MOD_DATA, 0x1000, 0);
    add_module(0xfff, 0, 0);
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module 1 at 0xfff size 0: in page 0, which pvhboot leaves unmapped");
}

static void accepts_module_from_page_1(void **state)
{
    add_module(0x1000, 0x800, 0);
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.modules[0].base, 0x1000);
}

static void rejects_rsdp_in_page_0(void **state)
{
    F.si.rsdp_paddr = 0x10;
    assert_error(load(), &F.err, PVH_ERANGE, "rsdp at 0x10: in page 0, which pvhboot leaves unmapped");
    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    F.si.rsdp_paddr = 0xfff;
    assert_error(load(), &F.err, PVH_ERANGE, "rsdp at 0xfff: in page 0, which pvhboot leaves unmapped");
    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    F.si.rsdp_paddr = 0x1000;
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.rsdp, 0x1000);
    assert_int_equal(F.st->boot.rsdp_source, PVH_RSDP_LOADER);
}

static void rsdp_0_is_none(void **state)
{
    F.si.rsdp_paddr = 0;
    assert_int_equal(load(), PVH_OK);
    assert_int_equal(F.st->boot.rsdp, 0);
    assert_int_equal(F.st->boot.rsdp_source, PVH_RSDP_NONE);
}

/* Strings are copied while page 0 can be read: there, and running on
 * into page 1, they are fine. */
static void accepts_cmdlines_in_page_0(void **state)
{
    put_string(0xff0, "starts in page 0, ends in page 1");
    put_string(0x20, "module cmdline at 0x20");
    F.si.cmdline_paddr = 0xff0;
    add_module(MOD_DATA, 0x1000, 0x20);
    assert_int_equal(load(), PVH_OK);
    assert_string_equal(F.st->boot.cmdline, "starts in page 0, ends in page 1");
    assert_string_equal(F.st->boot.modules[0].cmdline, "module cmdline at 0x20");
}

/* ---- above 4 GiB ------------------------------------------------------------ */

#define HIGH_PA 0x100000000ull
#define HIGH_SIZE (4 * MIB)

/* Every address but the start info's own is 64 bits: with RAM above
 * 4 GiB in the map, the map, module list, cmdlines and modules may all
 * lie there. */
static void reads_structures_above_4g(void **state)
{
    const struct hvm_memmap_table_entry map[] = {
        E(0, 0x9fc00, RAM), E(0x100000, SIM_SIZE - 0x100000, RAM), E(HIGH_PA, HIGH_SIZE, RAM),
    };
    uint8_t *high = sim_add(&F.mem, HIGH_PA, HIGH_SIZE);
    struct hvm_modlist_entry mod = { HIGH_PA + 0x200000, 0x1000, HIGH_PA + 0x3001, 0 };

    memcpy(high + 0x1008, map, sizeof(map));
    F.si.memmap_paddr = HIGH_PA + 0x1008;
    F.si.memmap_entries = COUNT(map);
    memcpy(high + 0x2004, &mod, sizeof(mod));
    F.si.modlist_paddr = HIGH_PA + 0x2004;
    F.si.nr_modules = 1;
    strcpy((char *)high + 0x3001, "module cmdline above 4 GiB");
    /* A cmdline across a page boundary: read a page at a time. */
    strcpy((char *)high + 0x4ff0, "cmdline above 4 GiB, over a page boundary");
    F.si.cmdline_paddr = HIGH_PA + 0x4ff0;
    F.si.rsdp_paddr = HIGH_PA + 0x6000;
    assert_int_equal(load(), PVH_OK);
    assert_string_equal(F.st->boot.cmdline, "cmdline above 4 GiB, over a page boundary");
    assert_int_equal(F.st->boot.nr_modules, 1);
    assert_int_equal(F.st->boot.modules[0].base, HIGH_PA + 0x200000);
    assert_string_equal(F.st->boot.modules[0].cmdline, "module cmdline above 4 GiB");
    assert_int_equal(F.st->boot.rsdp, HIGH_PA + 0x6000);
    assert_int_equal(pvh_boot_ram_total(&F.st->boot), 0x9f000 + SIM_SIZE - 0x100000 + HIGH_SIZE);
}

/* Above 4 GiB the same rule as below: only inside what the map says is
 * memory, up to its last byte. */
static void rejects_structures_above_4g_outside_map(void **state)
{
    uint8_t *high = sim_add(&F.mem, HIGH_PA, HIGH_SIZE);
    const struct hvm_memmap_table_entry map[] = {
        E(0, 0x9fc00, RAM), E(0x100000, SIM_SIZE - 0x100000, RAM), E(HIGH_PA, 2 * MIB, RAM),
    };
    struct hvm_modlist_entry mod = { HIGH_PA + 0x1ff000, 0x2000, 0, 0 };

    put_memmap(MEMMAP_PA, map, COUNT(map));
    /* The module list in the part the map leaves out. */
    memcpy(high + 2 * MIB, &mod, sizeof(mod));
    F.si.modlist_paddr = HIGH_PA + 2 * MIB;
    F.si.nr_modules = 1;
    assert_error(load(), &F.err, PVH_ERANGE,
                 "module list at 0x100200000-0x10020001f: not in memory");

    /* In the map, but the module runs past its end. */
    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    memcpy(high + 0x1000, &mod, sizeof(mod));
    F.si.modlist_paddr = HIGH_PA + 0x1000;
    assert_error(load(), &F.err, PVH_ERANGE, "module 0 at 0x1001ff000 size 8192: not in RAM");

    /* A cmdline whose NUL lies past the map's end. */
    pvh_boot_store_init(F.st, SELF_BASE, SELF_END);
    F.si.nr_modules = 0;
    memset(high + 2 * MIB - 16, 'c', 32);
    F.si.cmdline_paddr = HIGH_PA + 2 * MIB - 16;
    assert_error(load(), &F.err, PVH_ERANGE,
                 "cmdline at 0x1001ffff0: no NUL before 0x100200000, where memory ends");
}

/* ---- the result ------------------------------------------------------------ */

/* After loading, the description points only into the store: wiping the
 * loader's memory changes nothing in it. */
static void description_points_only_into_store(void **state)
{
    const struct pvh_boot *b = &F.st->boot;
    unsigned i;

    F.si.cmdline_paddr = CMDLINE_PA;
    put_string(CMDLINE_PA, "console=hvc0");
    put_string(MODCMD_PA, "one");
    put_string(MODCMD_PA + 0x100, "two");
    add_module(MOD_DATA, 0x1000, MODCMD_PA);
    add_module(MOD_DATA + 0x10000, 0x2000, MODCMD_PA + 0x100);
    add_module(MOD_DATA + 0x20000, 0x3000, 0);
    assert_int_equal(load(), PVH_OK);

    assert_in_store(b->cmdline, b->cmdline_len + 1);
    assert_in_store(b->modules, b->nr_modules * sizeof(b->modules[0]));
    assert_in_store(b->memmap, b->nr_memmap * sizeof(b->memmap[0]));
    for (i = 0; i < b->nr_modules; i++)
        if (b->modules[i].cmdline[0])
            assert_in_store(b->modules[i].cmdline, strlen(b->modules[i].cmdline) + 1);

    memset(F.ram, 0xee, 4 * MIB);
    assert_string_equal(b->cmdline, "console=hvc0");
    assert_int_equal(b->nr_modules, 3);
    assert_string_equal(b->modules[0].cmdline, "one");
    assert_string_equal(b->modules[1].cmdline, "two");
    assert_string_equal(b->modules[2].cmdline, "");
    assert_int_equal(b->modules[1].size, 0x2000);
    assert_int_equal(b->nr_memmap, 5);
    expect_region(0, 0, 0x9f000, RAM, 0);
    expect_region(1, 0x9fc00, 0x400, RES, 0);
    expect_region(2, 0xf0000, 0x10000, RES, 0);
    expect_region(3, SELF_BASE, SELF_END - SELF_BASE, RAM, PVH_REGION_PVHBOOT);
    expect_region(4, SELF_END, SIM_SIZE - SELF_END, RAM, 0);
    assert_int_equal(pvh_boot_ram_total(b), 0x9f000 + SIM_SIZE - SELF_BASE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(store_init_gives_empty_description),
        T(names_memory_types_and_loaders),
        T(loads_minimal_start_info),
        T(reads_start_info_memmap_and_modlist_at_odd_addresses),
        T(rejects_start_info_at_address_0),
        T(rejects_start_info_overlapping_pvhboot),
        T(rejects_start_info_running_into_pvhboot),
        T(rejects_bad_magic),
        T(rejects_start_info_not_accessible),
        T(rejects_start_info_not_in_memory),
        T(version_0_has_no_memory_map),
        T(versions_1_2_and_max_read_as_v1),
        T(copies_rsdp_and_flags),
        T(rejects_memmap_address_0),
        T(rejects_memmap_with_0_entries),
        T(memmap_0_entries_takes_xen_map),
        T(memmap_0_entries_at_0_takes_xen_map),
        T(memmap_0_entries_without_xen_is_refused),
        T(memmap_0_entries_xen_failure_is_reported),
        T(version_0_takes_xen_map),
        T(version_0_without_xen_is_refused),
        T(memmap_given_platform_not_asked),
        T(memmap_address_0_with_entries_not_taken_for_none),
        T(rejects_more_than_1024_memmap_entries),
        T(rejects_memmap_overlapping_pvhboot),
        T(rejects_memmap_wrapping),
        T(rejects_memmap_not_accessible),
        T(rejects_memmap_not_in_memory),
        T(accepts_exactly_1024_memmap_entries),
        T(rejects_map_without_ram_for_pvhboot),
        T(rejects_map_with_pvhboot_partly_reserved),
        T(rejects_memmap_entry_wrapping),
        T(memmap_is_normalised_with_pvhboot_flagged),
        T(cmdline_0_reads_as_empty),
        T(cmdline_empty_string_reads_as_empty),
        T(copies_cmdline_byte_for_byte),
        T(accepts_cmdline_of_exactly_max_bytes),
        T(rejects_cmdline_one_byte_over_max),
        T(rejects_cmdline_running_off_accessible_memory),
        T(rejects_cmdline_running_off_end_of_ram),
        T(rejects_cmdline_starting_outside_memory),
        T(rejects_cmdline_running_into_pvhboot),
        T(rejects_cmdline_inside_pvhboot),
        T(accepts_cmdline_ending_just_before_pvhboot),
        T(rejects_cmdline_wrapping),
        T(no_modules_with_modlist_0),
        T(no_modules_ignores_modlist_address),
        T(reads_one_module),
        T(rejects_more_than_128_modules),
        T(accepts_64_modules),
        T(accepts_128_modules),
        T(rejects_modlist_at_address_0),
        T(rejects_modlist_overlapping_pvhboot),
        T(rejects_modlist_wrapping),
        T(rejects_modlist_not_in_memory),
        T(rejects_modlist_not_accessible),
        T(rejects_module_at_address_0),
        T(rejects_module_wrapping_past_2_64),
        T(rejects_module_ending_at_2_64),
        T(rejects_module_outside_ram),
        T(rejects_module_straddling_end_of_ram),
        T(rejects_module_in_acpi_memory_or_legacy_hole),
        T(rejects_module_overlapping_pvhboot),
        T(rejects_modules_overlapping_each_other),
        T(accepts_empty_module),
        T(module_cmdline_0_reads_as_empty),
        T(accepts_module_cmdline_of_exactly_max_bytes),
        T(rejects_module_cmdline_over_max),
        T(rejects_module_cmdline_running_into_pvhboot),
        T(rejects_module_cmdline_at_0_page_or_not_in_memory),
        T(accepts_module_cmdlines_filling_pool_exactly),
        T(accepts_module_cmdlines_filling_pool_with_max_lines),
        T(rejects_module_cmdlines_one_byte_over_pool),
        T(full_pool_refuses_even_empty_cmdline),
        T(accepts_structures_in_legacy_area_hole),
        T(page_0_needs_the_map),
        T(rejects_module_in_page_0),
        T(rejects_module_straddling_page_0_and_1),
        T(rejects_empty_module_in_page_0),
        T(accepts_module_from_page_1),
        T(rejects_rsdp_in_page_0),
        T(rsdp_0_is_none),
        T(accepts_cmdlines_in_page_0),
        T(reads_structures_above_4g),
        T(rejects_structures_above_4g_outside_map),
        T(description_points_only_into_store),
        cmocka_unit_test_setup_teardown(accepts_zero_size_module_inside_another, setup, teardown),
        cmocka_unit_test_setup_teardown(accepts_cmdline_ending_at_unaligned_end_of_memory, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rejects_cmdline_one_byte_past_unaligned_end_of_memory,
                                        setup, teardown),
    };

    return cmocka_run_group_tests_name("start_info", tests, NULL, NULL);
}
