/*
 * The cases: each a change to the default layout (layout.h), named for
 * what it does. What pvhboot must make of each is written down in
 * tests/boot/test_x86_hostile.py, next to the same name.
 *
 * Addresses a case uses besides the defaults (the tests give QEMU
 * -M pc -m 512M: RAM to 0x1ffe0000, then SeaBIOS's reserved 128 KiB):
 */
#include "tests/hostile/cases.h"

#include "tests/hostile/acpi_tables.h"
#include "tests/hostile/console.h"
#include "tests/hostile/machine.h"

#define PAST_RAM    0x30000000ull          /* no memory here */
#define ABOVE_4G    0x100000000ull         /* nor here */
#define IN_IMAGE    0x100800ull            /* inside the image under test */
#define WRAPS(n)    (0ull - (uint64_t)(n)) /* n bytes below 2^64 */
#define MAP_END     0x10000000ull          /* "end of RAM" for cases that cut the map */
#define LEGACY_PA   0x10000u               /* below 1 MiB, where QEMU's own structures live */
#define ODD         3u
#define STRING_MAX  65536u                 /* pvhboot's cmdline limit */
#define MODULE_CMDLINE_MAX 4096u
#define RAM_TYPE    XEN_HVM_MEMMAP_TYPE_RAM
#define RESERVED    XEN_HVM_MEMMAP_TYPE_RESERVED

static uint64_t ram_end(void)
{
    return M.ram_end;
}

/* --- the start info itself ------------------------------------------------ */

static void baseline(struct crafted *c) { (void)c; }

static void magic_bad(struct crafted *c) { c->si.magic = 0x12345678; }

static void magic_byte_swapped(struct crafted *c) { c->si.magic = 0x78c56e33; }

static void version_0(struct crafted *c)
{
    c->si.version = 0;
    c->si_bytes = HVM_START_INFO_V0_SIZE;
}

/* A later version appends fields: write some after the v1 ones. */
static void version_2(struct crafted *c)
{
    static const uint8_t appended[16] = { 0xff, 0xee, 0xdd, 0xcc, 1, 2, 3, 4,
                                          0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0 };

    c->si.version = 2;
    poke(c->si_pa + sizeof(c->si), appended, sizeof(appended));
}

static void version_max(struct crafted *c) { c->si.version = 0xffffffffu; }

static void flags_all_set(struct crafted *c) { c->si.flags = 0xffffffffu; }

static void reserved_fields_set(struct crafted *c)
{
    c->si.reserved = 0xffffffffu;
    for (unsigned i = 0; i < c->nr_map; i++)
        c->map[i].reserved = 0xffffffffu;
    for (unsigned i = 0; i < c->nr_mods; i++)
        c->mods[i].reserved = ~0ull;
}

/* --- where the start info is ----------------------------------------------- */

static void start_info_at_0(struct crafted *c)
{
    c->si_pa = 0;
    c->si_bytes = 0;
}

static void start_info_overlaps_image(struct crafted *c) { c->si_pa = IN_IMAGE; }

/* Nothing there: what pvhboot reads is what QEMU returns for no memory. */
static void start_info_past_end_of_ram(struct crafted *c) { c->si_pa = (uint32_t)PAST_RAM; }

/* The last 56 bytes of the RAM the map describes (QEMU's end of RAM). */
static void start_info_last_bytes_of_ram(struct crafted *c)
{
    c->si_pa = (uint32_t)ram_end() - sizeof(c->si);
}

/* The map says RAM ends at MAP_END; the start info's last 16 bytes lie
 * past it (in real RAM the map leaves out). */
static void start_info_straddles_end_of_ram(struct crafted *c)
{
    map_qemu_ram_until(c, MAP_END);
    c->si_pa = (uint32_t)MAP_END - 40;
}

/* Whole and valid, in real RAM the map leaves out. */
static void start_info_outside_map(struct crafted *c)
{
    map_qemu_ram_until(c, MAP_END);
    c->si_pa = (uint32_t)MAP_END + 0x1000;
}

/* Every structure at an odd address, modules at odd addresses and sizes. */
static void unaligned_everything(struct crafted *c)
{
    c->si_pa = SI_PA + ODD;
    c->si.memmap_paddr = MEMMAP_PA + 5;
    c->si.modlist_paddr = MODLIST_PA + 7;
    set_cmdline(c, CMDLINE_PA + 1, "unaligned cmdline");
    mods_clear(c);
    c->modcmd_next = MODCMD_PA + 9;
    mod_add(c, MOD_DATA + 1, 777, "odd module");
    mod_add(c, MOD_DATA + MOD_STRIDE + 3, 1, NULL);
}

/* Below 1 MiB, where QEMU's own option ROM puts them. */
static void structures_in_legacy_area(struct crafted *c)
{
    c->si_pa = LEGACY_PA;
    c->si.memmap_paddr = LEGACY_PA + 0x100;
    c->si.modlist_paddr = LEGACY_PA + 0x400;
    c->modcmd_next = LEGACY_PA + 0x800;
    mods_clear(c);
    mod_add(c, MOD_DATA, 12345, "module cmdline below 1 MiB");
    set_cmdline(c, LEGACY_PA + 0x1000, "cmdline below 1 MiB");
}

/* Page 0 is RAM too; only address 0 means "none". */
static void structures_in_page_0(struct crafted *c)
{
    c->si_pa = 0x10;
    c->si.memmap_paddr = 0x100;
    c->si.modlist_paddr = 0x400;
    c->modcmd_next = 0x800;
    mods_clear(c);
    mod_add(c, MOD_DATA, 1000, "module cmdline in page 0");
    set_cmdline(c, 0xc00, "cmdline in page 0");
}

/* --- page 0, which pvhboot unmaps once it has copied the loader's data ---- */

static void module_in_page_0(struct crafted *c)
{
    c->mods[0].paddr = 0x800;
    c->mods[0].size = 0x100;
}

static void module_straddles_page_0_and_1(struct crafted *c)
{
    c->mods[0].paddr = 0xf00;
    c->mods[0].size = 0x200;
}

/* Copied before page 0 goes: fine, even running on into page 1. */
static void cmdline_in_page_0_runs_into_page_1(struct crafted *c)
{
    set_cmdline(c, 0xfe0, "a cmdline from page 0 into page 1");
}

static void module_cmdline_in_page_0(struct crafted *c)
{
    poke_string(0x20, "module cmdline at 0x20");
    c->mods[1].cmdline_paddr = 0x20;
}

/* --- modules: how many ------------------------------------------------------ */

static void modules_0_list_garbage(struct crafted *c)
{
    mods_clear(c);
    c->si.modlist_paddr = 0xdeadbeef000ull;
}

static void add_many(struct crafted *c, unsigned n)
{
    static char name[] = "module 000";

    mods_clear(c);
    for (unsigned i = 0; i < n; i++) {
        name[7] = (char)('0' + i / 100);
        name[8] = (char)('0' + i / 10 % 10);
        name[9] = (char)('0' + i % 10);
        mod_add(c, MOD_DATA + i * 0x2000ull, 100 + i * 61, i % 3 ? name : NULL);
    }
}

static void modules_64(struct crafted *c) { add_many(c, 64); }

static void modules_128(struct crafted *c) { add_many(c, 128); }

static void modules_129(struct crafted *c) { add_many(c, 129); }

static void modules_max(struct crafted *c) { c->si.nr_modules = 0xffffffffu; }

/* --- modules: the list ------------------------------------------------------ */

static void modlist_at_0(struct crafted *c) { c->si.modlist_paddr = 0; }

static void modlist_past_end_of_ram(struct crafted *c) { c->si.modlist_paddr = PAST_RAM; }

static void modlist_above_4g(struct crafted *c) { c->si.modlist_paddr = ABOVE_4G; }

static void modlist_overlaps_image(struct crafted *c) { c->si.modlist_paddr = IN_IMAGE; }

static void modlist_wraps(struct crafted *c) { c->si.modlist_paddr = WRAPS(0x20); }

/* The first entry in RAM, the second past QEMU's end of RAM. */
static void modlist_straddles_end_of_ram(struct crafted *c)
{
    c->si.modlist_paddr = ram_end() - sizeof(c->mods[0]);
}

/* --- modules: each ---------------------------------------------------------- */

static void module_at_0(struct crafted *c) { c->mods[0].paddr = 0; }

static void module_past_end_of_ram(struct crafted *c)
{
    c->mods[0].paddr = PAST_RAM;
    c->mods[0].size = 4096;
}

static void module_straddles_end_of_ram(struct crafted *c)
{
    c->mods[0].paddr = ram_end() - 4096;
    c->mods[0].size = 8192;
}

static void module_above_4g(struct crafted *c)
{
    c->mods[0].paddr = ABOVE_4G;
    c->mods[0].size = 4096;
}

/* In the VGA hole: readable for structures, but not RAM. */
static void module_in_legacy_hole(struct crafted *c)
{
    c->mods[0].paddr = 0xa0000;
    c->mods[0].size = 4096;
}

static void module_overlaps_image(struct crafted *c)
{
    c->mods[0].paddr = IN_IMAGE;
    c->mods[0].size = 4096;
}

static void module_wraps(struct crafted *c)
{
    c->mods[0].paddr = WRAPS(0x1000);
    c->mods[0].size = 0x2000;
}

static void modules_overlap(struct crafted *c)
{
    c->mods[1].paddr = c->mods[0].paddr + 0x1000;
}

static void module_zero_size_inside_another(struct crafted *c)
{
    c->mods[1].paddr = c->mods[0].paddr + 100;
    c->mods[1].size = 0;
}

/* A module is bytes: it may cover the loader's structures. */
static void module_covers_start_info(struct crafted *c)
{
    c->mods[1].paddr = SI_PA;
    c->mods[1].size = CMDLINE_PA + 0x1000 - SI_PA;
}

/* Modules that start with each compression format's magic (Xen 4.20 on
 * hands them over compressed), some cut short or off by a byte: hello
 * names the format their first bytes show, and no other. */
static void module_formats(struct crafted *c)
{
    static const struct {
        uint32_t size, len, offset;
        uint8_t magic[9];
    } m[] = {
        { 1000, 2, 0, { 0x1f, 0x8b } },                                     /* gzip */
        { 1000, 6, 0xffd, { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 } },         /* xz, across a page */
        { 4, 4, 0, { 0x28, 0xb5, 0x2f, 0xfd } },                           /* zstd, the magic alone */
        { 1000, 4, 3, { 0x02, 0x21, 0x4c, 0x18 } },                        /* lz4 legacy */
        { 1000, 4, 0, { 0x04, 0x22, 0x4d, 0x18 } },                        /* lz4 frame */
        { 1000, 3, 0, { 'B', 'Z', 'h' } },                                 /* bzip2 */
        { 1000, 3, 0, { 0x5d, 0x00, 0x00 } },                              /* lzma */
        { 1000, 9, 0, { 0x89, 'L', 'Z', 'O', 0x00, '\r', '\n', 0x1a, '\n' } }, /* lzo */
        { 8, 8, 0, { 0x89, 'L', 'Z', 'O', 0x00, '\r', '\n', 0x1a } },       /* lzo, cut short */
        { 1000, 2, 0, { 0x1f, 0x8c } },                                     /* one off gzip */
        { 1, 1, 0, { 0x1f } },                                             /* one byte */
        { 0, 0, 0, { 0 } },                                                /* none */
    };

    mods_clear(c);
    for (unsigned i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        uint64_t base = MOD_DATA + i * (uint64_t)MOD_STRIDE + m[i].offset;

        mod_add(c, base, m[i].size, NULL);
        poke(base, m[i].magic, m[i].len);
    }
}

/* --- module cmdlines -------------------------------------------------------- */

static void module_cmdline_unterminated_to_end_of_ram(struct crafted *c)
{
    c->mods[0].cmdline_paddr = ram_end() - 100;
    fill(ram_end() - 100, 100, 'm');
}

static void module_cmdline_too_long(struct crafted *c)
{
    c->mods[0].cmdline_paddr = BIG_PA;
    fill(BIG_PA, MODULE_CMDLINE_MAX + 1, 'm');
    fill(BIG_PA + MODULE_CMDLINE_MAX + 1, 1, 0);
}

static void module_cmdline_of_max_length(struct crafted *c)
{
    c->mods[0].cmdline_paddr = BIG_PA;
    fill(BIG_PA, MODULE_CMDLINE_MAX, 'm');
    fill(BIG_PA + MODULE_CMDLINE_MAX, 1, 0);
}

static void module_cmdline_overlaps_image(struct crafted *c)
{
    c->mods[0].cmdline_paddr = IN_IMAGE;
}

static void module_cmdline_past_end_of_ram(struct crafted *c)
{
    c->mods[0].cmdline_paddr = PAST_RAM;
}

static void module_cmdlines_over_64k_in_all(struct crafted *c)
{
    mods_clear(c);
    for (unsigned i = 0; i < 20; i++) {
        uint64_t pa = BIG_PA + i * 0x1000ull;

        fill(pa, 4000, (uint8_t)('a' + i));
        fill(pa + 4000, 1, 0);
        mod_add(c, MOD_DATA + i * 0x1000ull, 16, NULL);
        c->mods[i].cmdline_paddr = pa;
    }
}

static void module_cmdline_bytes(struct crafted *c)
{
    static char s[256];
    unsigned n = 0;

    for (unsigned b = 1; b < 256; b++)
        s[n++] = (char)b;
    s[n] = 0;
    c->mods[1].cmdline_paddr = c->modcmd_next;
    poke_string(c->modcmd_next, s);
}

static void module_cmdlines_shared(struct crafted *c)
{
    c->mods[1].cmdline_paddr = c->mods[0].cmdline_paddr;
}

/* --- the cmdline ------------------------------------------------------------ */

static void cmdline_absent(struct crafted *c) { c->si.cmdline_paddr = 0; }

static void cmdline_empty(struct crafted *c) { set_cmdline(c, CMDLINE_PA, ""); }

static void cmdline_bytes(struct crafted *c)
{
    static char s[300];
    unsigned n = 0;

    for (unsigned b = 1; b < 256; b++)
        s[n++] = (char)b;
    for (const char *t = " \"quoted\" back\\slash"; *t; t++)
        s[n++] = *t;
    s[n] = 0;
    set_cmdline(c, CMDLINE_PA, s);
}

static void cmdline_of_max_length(struct crafted *c)
{
    fill(BIG_PA, STRING_MAX, 'c');
    fill(BIG_PA + STRING_MAX, 1, 0);
    c->si.cmdline_paddr = BIG_PA;
}

static void cmdline_1mib(struct crafted *c)
{
    fill(BIG_PA, 0x100000, 'c');
    fill(BIG_PA + 0x100000, 1, 0);
    c->si.cmdline_paddr = BIG_PA;
}

static void cmdline_unterminated_to_end_of_ram(struct crafted *c)
{
    fill(ram_end() - 0x3000, 0x3000, 'c');
    c->si.cmdline_paddr = ram_end() - 0x3000;
}

/* The map ends RAM at MAP_END; the bytes go on past it, without a NUL. */
static void cmdline_unterminated_to_end_of_map(struct crafted *c)
{
    map_qemu_ram_until(c, MAP_END);
    fill(MAP_END - 0x3000, 0x6000, 'c');
    c->si.cmdline_paddr = MAP_END - 0x3000;
}

static void cmdline_ends_at_end_of_ram(struct crafted *c)
{
    fill(ram_end() - 0x2001, 0x2000, 'c');
    fill(ram_end() - 1, 1, 0);
    c->si.cmdline_paddr = ram_end() - 0x2001;
}

static void cmdline_past_end_of_ram(struct crafted *c) { c->si.cmdline_paddr = PAST_RAM; }

static void cmdline_above_4g(struct crafted *c) { c->si.cmdline_paddr = ABOVE_4G; }

static void cmdline_overlaps_image(struct crafted *c) { c->si.cmdline_paddr = IN_IMAGE; }

static void cmdline_wraps(struct crafted *c) { c->si.cmdline_paddr = WRAPS(8); }

/* The cmdline is bytes of a module: both are what they are. */
static void cmdline_inside_module(struct crafted *c)
{
    set_cmdline(c, c->mods[0].paddr + 16, "cmdline inside module 0");
}

/* --- the memory map --------------------------------------------------------- */

static void memmap_at_0(struct crafted *c) { c->si.memmap_paddr = 0; }

static void memmap_empty(struct crafted *c) { c->si.memmap_entries = 0; }

static void memmap_entries_max(struct crafted *c) { c->si.memmap_entries = 0xffffffffu; }

/* QEMU's map, then small reserved entries up to n in all, 8 KiB apart. */
static void map_padded(struct crafted *c, unsigned n)
{
    for (unsigned i = c->nr_map; i < n; i++)
        map_add(c, PAST_RAM + i * 0x2000ull, 0x1000, RESERVED);
}

static void memmap_1024_entries(struct crafted *c) { map_padded(c, 1024); }

static void memmap_1025_entries(struct crafted *c) { map_padded(c, 1025); }

/* For pvhboot.elf with a packed kernel: a map of 200 entries (more than
 * the 128 a Linux zero page holds), no modules, no cmdline (the packed
 * default applies). A packed Linux spans 1 MiB to about 82 MiB, where the
 * loader writes nothing: the start info and map go above it. */
#define ABOVE_PACKED_LINUX 0x06000000u

static void firmware_map_over_128(struct crafted *c)
{
    map_padded(c, 200);
    c->si.nr_modules = 0;
    c->si.modlist_paddr = 0;
    c->si.cmdline_paddr = 0;
    c->si_pa = ABOVE_PACKED_LINUX;
    c->si.memmap_paddr = ABOVE_PACKED_LINUX + 0x1000;
}

static void memmap_past_end_of_ram(struct crafted *c) { c->si.memmap_paddr = PAST_RAM; }

static void memmap_outside_itself(struct crafted *c)
{
    map_qemu_ram_until(c, MAP_END);
    c->si.memmap_paddr = MAP_END + 0x1000;
}

static void memmap_above_4g(struct crafted *c) { c->si.memmap_paddr = ABOVE_4G; }

static void memmap_overlaps_image(struct crafted *c) { c->si.memmap_paddr = IN_IMAGE; }

static void memmap_wraps(struct crafted *c) { c->si.memmap_paddr = WRAPS(0x10); }

static void memmap_unsorted(struct crafted *c)
{
    for (unsigned i = 0; i < c->nr_map / 2; i++) {
        struct hvm_memmap_table_entry t = c->map[i];

        c->map[i] = c->map[c->nr_map - 1 - i];
        c->map[c->nr_map - 1 - i] = t;
    }
}

static void memmap_overlapping(struct crafted *c)
{
    map_add(c, 0x8000000, 0x100000, RESERVED);              /* a hole punched in RAM */
    map_add(c, 0x9000000, 0x200000, XEN_HVM_MEMMAP_TYPE_ACPI);
    map_add(c, 0x9100000, 0x200000, XEN_HVM_MEMMAP_TYPE_NVS); /* overlaps the ACPI one */
    map_add(c, 0x100000, 0x1000000, RAM_TYPE);               /* RAM twice */
    map_add(c, 0xa000800, 0x1000, XEN_HVM_MEMMAP_TYPE_UNUSABLE); /* splits pages */
}

static void memmap_zero_size_entries(struct crafted *c)
{
    map_add(c, 0, 0, 0);                  /* QEMU microvm's trailing entry */
    map_add(c, 0x8000000, 0, RESERVED);
    map_add(c, PAST_RAM, 0, RAM_TYPE);
}

static void memmap_unknown_types(struct crafted *c)
{
    map_add(c, 0x8000000, 0x1000, 0);
    map_add(c, 0x8002000, 0x1000, 12);
    map_add(c, 0x8004000, 0x1000, 31);
    map_add(c, 0x8006000, 0x1000, 32);
    map_add(c, 0x8008000, 0x1000, 0xffffffffu);
    map_add(c, PAST_RAM, 0x1000, 0x12345678u);
    map_add(c, 0x800a000, 0x2000, RESERVED);   /* overlapping reserved-class types: */
    map_add(c, 0x800b000, 0x2000, 20);         /* the larger number wins */
}

static void memmap_entry_wraps(struct crafted *c) { map_add(c, WRAPS(0x1000), 0x2000, RESERVED); }

static void memmap_entry_ends_at_2_64(struct crafted *c)
{
    map_add(c, WRAPS(0x1000), 0x1000, RESERVED);
}

/* ACPI tables (a memory type, not rounded in as RAM is) in the last page
 * below 2^64: their base rounded up to a page would wrap to 0. */
static void memmap_acpi_in_last_page(struct crafted *c)
{
    map_add(c, WRAPS(0x800), 0x400, XEN_HVM_MEMMAP_TYPE_ACPI);
}

static void memmap_nonexistent_ram(struct crafted *c) { map_add(c, PAST_RAM, 0x10000000, RAM_TYPE); }

/* RAM everywhere but where the image lives. */
static void memmap_without_image_ram(struct crafted *c)
{
    map_clear(c);
    map_add(c, 0, M.low_end, RAM_TYPE);
    map_add(c, 0x200000, ram_end() - 0x200000, RAM_TYPE);
}

static void memmap_image_partly_reserved(struct crafted *c)
{
    map_add(c, M.image_hi - 0x2000, 0x1000, RESERVED);
}

static void memmap_reserves_itself(struct crafted *c)
{
    map_add(c, MEMMAP_PA, 0x1000, RESERVED);
}

/* One MiB of RAM, pvhboot's; everything else in the legacy area. */
static void memmap_only_image_mib(struct crafted *c)
{
    structures_in_legacy_area(c);
    map_clear(c);
    map_add(c, 0x100000, 0x100000, RAM_TYPE);
    mods_clear(c);
    c->modcmd_next = LEGACY_PA + 0x800;
    mod_add(c, 0x1f0000, 0x10000, "the last 64 KiB of RAM");
}

/* --- the RSDP --------------------------------------------------------------- */

static void rsdp_absent(struct crafted *c) { c->si.rsdp_paddr = 0; }

/* A copy of QEMU's RSDP (20 or 36 bytes, as its revision says) at pa. */
static void copy_qemu_rsdp(uint64_t pa)
{
    const volatile uint8_t *r = (const volatile uint8_t *)(uint32_t)M.rsdp;
    uint8_t copy[36];
    uint32_t len = r[15] >= 2 ? 36 : 20;

    for (uint32_t i = 0; i < len; i++)
        copy[i] = r[i];
    poke(pa, copy, len);
}

static void set_ebda_segment(uint16_t seg)
{
    poke(0x40e, &seg, sizeof(seg));
}

/* RSDP 0 and a copy of QEMU's RSDP in the EBDA, which the BIOS data
 * area now says is at 0x90000: found there before SeaBIOS's own. */
static void rsdp_absent_found_in_ebda(struct crafted *c)
{
    c->si.rsdp_paddr = 0;
    set_ebda_segment(0x9000);
    copy_qemu_rsdp(0x90000 + 0x40);
}

/* RSDP 0 and an EBDA pointer to 0xf00 (Linux and ACPICA take any EBDA
 * above 0x400), a copy of QEMU's RSDP 0x120 into it, in page 1. */
static void rsdp_absent_found_in_low_ebda(struct crafted *c)
{
    c->si.rsdp_paddr = 0;
    set_ebda_segment(0x00f0);
    copy_qemu_rsdp(0xf00 + 0x120);
}

/* The same EBDA, the copy 0x20 into it, in page 0: passed over (pvhboot
 * could not read it after the boot); SeaBIOS's in the BIOS area is found. */
static void rsdp_absent_low_ebda_rsdp_in_page_0(struct crafted *c)
{
    c->si.rsdp_paddr = 0;
    set_ebda_segment(0x00f0);
    copy_qemu_rsdp(0xf00 + 0x20);
}

/* RSDP 0 and an EBDA pointer into page 0, where a copy of the RSDP waits:
 * not looked at; SeaBIOS's in the BIOS area is found. */
static void rsdp_absent_ebda_in_page_0(struct crafted *c)
{
    c->si.rsdp_paddr = 0;
    set_ebda_segment(0x0001);
    copy_qemu_rsdp(0x10);
}

/* A valid RSDP (QEMU's, copied) at 0x10: pvhboot would read it after
 * page 0 is unmapped. */
static void rsdp_in_page_0(struct crafted *c)
{
    copy_qemu_rsdp(0x10);
    c->si.rsdp_paddr = 0x10;
}

static void rsdp_garbage(struct crafted *c) { c->si.rsdp_paddr = c->mods[0].paddr; }

static void rsdp_above_4g(struct crafted *c) { c->si.rsdp_paddr = ABOVE_4G; }

static void rsdp_wraps(struct crafted *c) { c->si.rsdp_paddr = WRAPS(4); }

/* A well-formed RSDP (v1, checksum right) whose RSDT is nowhere. */
static void rsdp_to_nowhere(struct crafted *c)
{
    uint8_t r[20] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0, 'H', 'O', 'S', 'T', 'I', 'L', 0 };
    uint32_t rsdt = (uint32_t)PAST_RAM;
    uint8_t sum = 0;

    for (unsigned i = 0; i < 4; i++)
        r[16 + i] = (uint8_t)(rsdt >> (8 * i));
    for (unsigned i = 0; i < sizeof(r); i++)
        sum = (uint8_t)(sum + r[i]);
    r[8] = (uint8_t)-sum;
    poke(BIG_PA, r, sizeof(r));
    c->si.rsdp_paddr = BIG_PA;
}

/* --- the CPUs (the tests give these cases -smp 2) ------------------------------ */

#define ACPI_HDR_LENGTH   4u
#define ACPI_HDR_CHECKSUM 9u
#define ACPI_HDR_SIZE     36u
#define MADT_ENTRIES      44u   /* after the header, the LAPIC address and flags */
#define MADT_LAPIC        0u    /* entry type: processor local APIC */
#define MADT_LAPIC_APIC_ID 3u
#define TABLES_PA         (BIG_PA + 0x100000u)
#define ABSENT_APIC_ID    5u    /* no CPU of -smp 2 has it */

static uint8_t acpi_sum(const uint8_t *p, uint32_t len)
{
    uint8_t sum = 0;

    for (uint32_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * QEMU's tables lie in memory the e820 map reserves, which cases do not
 * write: copy the RSDT and the MADT to scratch RAM, give the MADT's
 * entry for APIC ID 1 an ID no CPU has, and point a new RSDP at the copy.
 * The other tables (the FADT, for poweroff) stay QEMU's.
 */
static void madt_lists_absent_cpu(struct crafted *c)
{
    static uint8_t rsdt[256], madt[1024];
    const volatile uint8_t *rsdp = (const volatile uint8_t *)(uint32_t)M.rsdp;
    uint8_t hdr[ACPI_HDR_SIZE], r[20];
    uint32_t rsdt_pa = 0, rsdt_len, madt_pa = 0, madt_len = 0, at;
    bool changed = false;

    for (unsigned i = 0; i < 4; i++)
        rsdt_pa |= (uint32_t)rsdp[16 + i] << (8 * i);
    peek(rsdt_pa, hdr, sizeof(hdr));
    rsdt_len = le32_at(hdr + ACPI_HDR_LENGTH);
    if (rsdt_len > sizeof(rsdt) || rsdt_len < ACPI_HDR_SIZE)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's RSDT is %u bytes", rsdt_len);
    peek(rsdt_pa, rsdt, rsdt_len);
    for (at = ACPI_HDR_SIZE; at + 4 <= rsdt_len; at += 4) {
        uint32_t pa = le32_at(rsdt + at);

        peek(pa, hdr, sizeof(hdr));
        if (hdr[0] == 'A' && hdr[1] == 'P' && hdr[2] == 'I' && hdr[3] == 'C') {
            madt_pa = pa;
            madt_len = le32_at(hdr + ACPI_HDR_LENGTH);
            break;
        }
    }
    if (!madt_pa || madt_len > sizeof(madt) || madt_len < MADT_ENTRIES)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's MADT: at 0x%x, %u bytes", madt_pa, madt_len);
    peek(madt_pa, madt, madt_len);
    for (uint32_t e = MADT_ENTRIES; e + 2 <= madt_len && madt[e + 1] >= 2; e += madt[e + 1])
        if (madt[e] == MADT_LAPIC && madt[e + MADT_LAPIC_APIC_ID] == 1) {
            madt[e + MADT_LAPIC_APIC_ID] = ABSENT_APIC_ID;
            changed = true;
        }
    if (!changed)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's MADT lists no APIC ID 1: give -smp 2");
    madt[ACPI_HDR_CHECKSUM] = 0;
    madt[ACPI_HDR_CHECKSUM] = (uint8_t)-acpi_sum(madt, madt_len);
    poke(TABLES_PA + 0x400, madt, madt_len);
    for (unsigned i = 0; i < 4; i++)
        rsdt[at + i] = (uint8_t)((TABLES_PA + 0x400) >> (8 * i));
    rsdt[ACPI_HDR_CHECKSUM] = 0;
    rsdt[ACPI_HDR_CHECKSUM] = (uint8_t)-acpi_sum(rsdt, rsdt_len);
    poke(TABLES_PA + 0x100, rsdt, rsdt_len);
    for (unsigned i = 0; i < 20; i++)
        r[i] = rsdp[i];
    r[15] = 0; /* revision 0: 20 bytes, the RSDT alone */
    for (unsigned i = 0; i < 4; i++)
        r[16 + i] = (uint8_t)((TABLES_PA + 0x100) >> (8 * i));
    r[8] = 0;
    r[8] = (uint8_t)-acpi_sum(r, sizeof(r));
    poke(TABLES_PA, r, sizeof(r));
    c->si.rsdp_paddr = TABLES_PA;
}

/*
 * Xen 4.21 marks the ACPI tables of a PVH guest NVS (type 4), not ACPI
 * (3): QEMU's map with every entry that holds the RSDP, the RSDT or a
 * table the RSDT lists turned NVS (where QEMU's map has no entry for
 * them, an NVS entry of the page added). pvhboot must still read them
 * (CPUs, poweroff) and must not take that memory as RAM.
 */
static void nvs_over(struct crafted *c, uint64_t pa)
{
    for (unsigned i = 0; i < c->nr_map; i++)
        if (c->map[i].addr <= pa && pa - c->map[i].addr < c->map[i].size) {
            c->map[i].type = XEN_HVM_MEMMAP_TYPE_NVS;
            return;
        }
    map_add(c, pa & ~0xfffull, 0x1000, XEN_HVM_MEMMAP_TYPE_NVS);
}

static void acpi_tables_in_nvs(struct crafted *c)
{
    const volatile uint8_t *rsdp = (const volatile uint8_t *)(uint32_t)M.rsdp;
    uint8_t hdr[ACPI_HDR_SIZE], rsdt[256];
    uint32_t rsdt_pa = 0, len;

    for (unsigned i = 0; i < 4; i++)
        rsdt_pa |= (uint32_t)rsdp[16 + i] << (8 * i);
    peek(rsdt_pa, hdr, sizeof(hdr));
    len = le32_at(hdr + ACPI_HDR_LENGTH);
    if (len > sizeof(rsdt) || len < ACPI_HDR_SIZE)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's RSDT is %u bytes", len);
    peek(rsdt_pa, rsdt, len);
    nvs_over(c, M.rsdp);
    nvs_over(c, rsdt_pa);
    for (uint32_t at = ACPI_HDR_SIZE; at + 4 <= len; at += 4)
        nvs_over(c, le32_at(rsdt + at));
}

/* --- above 4 GiB: RAM there with QEMU -m 5G (0x100000000-0x17fffffff) ---- */

#define SECOND_GIB 0x40000000ull
#define BEYOND_PHYS_BITS 0x7ffffffff000ull /* canonical, past QEMU TCG's 40 address bits */

static uint64_t high_ram(void)
{
    uint64_t base = high_ram_base();

    if (!base)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "no RAM above 4 GiB: give QEMU -m 5G");
    return base;
}

/* Everything but the start info (%ebx is 32 bits) above 4 GiB, over two
 * GiBs, at odd addresses; the RSDP a copy of QEMU's. */
static void structures_above_4g(struct crafted *c)
{
    uint64_t h = high_ram();

    c->si.memmap_paddr = h + 0x1000 + 8;
    c->si.modlist_paddr = h + SECOND_GIB + 0x2000 + 4;
    c->modcmd_next = h + 0x3000 + 1;
    mods_clear(c);
    mod_add(c, h + 0x100000, 12345, "module above 4 GiB");
    mod_add(c, h + SECOND_GIB + 0x200000 + 3, 4096, "module in the second GiB above 4 GiB");
    set_cmdline(c, h + 0x5000 + 1, "cmdline above 4 GiB");
    copy_qemu_rsdp(h + 0x6000);
    c->si.rsdp_paddr = h + 0x6000;
}

/* The list's first entry in the last 32 bytes of RAM, the second past it. */
static void modlist_straddles_end_of_high_ram(struct crafted *c)
{
    c->si.modlist_paddr = high_ram_end() - sizeof(c->mods[0]);
    (void)high_ram();
}

static void module_straddles_end_of_high_ram(struct crafted *c)
{
    c->mods[0].paddr = high_ram_end() - 4096;
    c->mods[0].size = 8192;
    (void)high_ram();
}

static void cmdline_unterminated_to_end_of_high_ram(struct crafted *c)
{
    uint64_t end = high_ram_end();

    (void)high_ram();
    fill(end - 0x3000, 0x3000, 'c');
    c->si.cmdline_paddr = end - 0x3000;
}

/* Past what the CPU can address: no page table can map it. */
static void memmap_beyond_physical_address_width(struct crafted *c)
{
    c->si.memmap_paddr = BEYOND_PHYS_BITS;
}

/* --- ACPI tables where pvhboot reads them only after the boot ---------------
 * Poweroff reads the FADT and DSDT when it is asked for, after pvhboot
 * has taken down the mappings it made for the loader's data. */

/* RSDP, XSDT, FADT and DSDT copies in the last MiB of RAM above 4 GiB,
 * which the map says is reserved: not memory pvhboot maps for good. */
#define HIGH_TABLES_SIZE 0x100000ull

static void acpi_in_reserved_above_4g(struct crafted *c)
{
    uint64_t at = high_ram_end() - HIGH_TABLES_SIZE;

    (void)high_ram();
    map_qemu_ram_until(c, at);
    map_add(c, at, HIGH_TABLES_SIZE, RESERVED);
    acpi_tables_place(&(struct acpi_places){ at, at + 0x100, at + 0x1000, at + 0x2000 });
    c->si.rsdp_paddr = at;
}

/* The FADT's DSDT at 0x800, in page 0 (a copy of QEMU's DSDT there, the
 * rest in scratch RAM): reading it after the boot would map page 0 again,
 * and NULL would stop faulting. */
#define PAGE0_DSDT 0x800u

static void dsdt_in_page_0(struct crafted *c)
{
    acpi_tables_place(&(struct acpi_places){ TABLES_PA, TABLES_PA + 0x100, TABLES_PA + 0x1000,
                                             PAGE0_DSDT });
    c->si.rsdp_paddr = TABLES_PA;
}

/* --- a kernel for the firmware ----------------------------------------------- */

/* The only module: the bytes of QEMU's module from the offset
 * "payload=0x<hex>" names (a kernel the test appended to the image under
 * test, pvhboot.elf), left where QEMU put them and named by no cmdline. */
static void payload_in_tail(struct crafted *c)
{
    uint32_t off;

    if (!machine_cmdline_hex("payload=0x", &off) || !off || off >= M.module_size)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "payload-in-tail: payload=0x<offset> inside "
                     "the module wanted");
    mods_clear(c);
    c->mods[0] = (struct hvm_modlist_entry){ M.module_base + off, M.module_size - off, 0, 0 };
    c->nr_mods = 1;
    c->si.nr_modules = 1;
}

/* --- loading ---------------------------------------------------------------- */

static const struct hostile_case cases[] = {
    { "baseline", baseline, 0 },
    { "payload-in-tail", payload_in_tail, 0 },
    { "bss-not-zeroed", baseline, CASE_BSS_GARBAGE },
    { "fill-free-ram", baseline, CASE_FILL_RAM },
    { "magic-bad", magic_bad, 0 },
    { "magic-byte-swapped", magic_byte_swapped, 0 },
    { "version-0", version_0, 0 },
    { "version-2", version_2, 0 },
    { "version-max", version_max, 0 },
    { "flags-all-set", flags_all_set, 0 },
    { "reserved-fields-set", reserved_fields_set, 0 },
    { "start-info-at-0", start_info_at_0, 0 },
    { "start-info-overlaps-image", start_info_overlaps_image, 0 },
    { "start-info-past-end-of-ram", start_info_past_end_of_ram, 0 },
    { "start-info-last-bytes-of-ram", start_info_last_bytes_of_ram, 0 },
    { "start-info-straddles-end-of-ram", start_info_straddles_end_of_ram, 0 },
    { "start-info-outside-map", start_info_outside_map, 0 },
    { "unaligned-everything", unaligned_everything, 0 },
    { "structures-in-legacy-area", structures_in_legacy_area, 0 },
    { "structures-in-page-0", structures_in_page_0, 0 },
    { "module-in-page-0", module_in_page_0, 0 },
    { "module-straddles-page-0-and-1", module_straddles_page_0_and_1, 0 },
    { "cmdline-in-page-0-runs-into-page-1", cmdline_in_page_0_runs_into_page_1, 0 },
    { "module-cmdline-in-page-0", module_cmdline_in_page_0, 0 },
    { "modules-0-list-garbage", modules_0_list_garbage, 0 },
    { "modules-64", modules_64, 0 },
    { "modules-128", modules_128, 0 },
    { "modules-129", modules_129, 0 },
    { "modules-max", modules_max, 0 },
    { "modlist-at-0", modlist_at_0, 0 },
    { "modlist-past-end-of-ram", modlist_past_end_of_ram, 0 },
    { "modlist-above-4g", modlist_above_4g, 0 },
    { "modlist-overlaps-image", modlist_overlaps_image, 0 },
    { "modlist-wraps", modlist_wraps, 0 },
    { "modlist-straddles-end-of-ram", modlist_straddles_end_of_ram, 0 },
    { "module-at-0", module_at_0, 0 },
    { "module-past-end-of-ram", module_past_end_of_ram, 0 },
    { "module-straddles-end-of-ram", module_straddles_end_of_ram, 0 },
    { "module-above-4g", module_above_4g, 0 },
    { "module-in-legacy-hole", module_in_legacy_hole, 0 },
    { "module-overlaps-image", module_overlaps_image, 0 },
    { "module-wraps", module_wraps, 0 },
    { "modules-overlap", modules_overlap, 0 },
    { "module-zero-size-inside-another", module_zero_size_inside_another, 0 },
    { "module-covers-start-info", module_covers_start_info, 0 },
    { "module-formats", module_formats, 0 },
    { "module-cmdline-unterminated-to-end-of-ram", module_cmdline_unterminated_to_end_of_ram, 0 },
    { "module-cmdline-too-long", module_cmdline_too_long, 0 },
    { "module-cmdline-of-max-length", module_cmdline_of_max_length, 0 },
    { "module-cmdline-overlaps-image", module_cmdline_overlaps_image, 0 },
    { "module-cmdline-past-end-of-ram", module_cmdline_past_end_of_ram, 0 },
    { "module-cmdlines-over-64k-in-all", module_cmdlines_over_64k_in_all, 0 },
    { "module-cmdline-bytes", module_cmdline_bytes, 0 },
    { "module-cmdlines-shared", module_cmdlines_shared, 0 },
    { "cmdline-absent", cmdline_absent, 0 },
    { "cmdline-empty", cmdline_empty, 0 },
    { "cmdline-bytes", cmdline_bytes, 0 },
    { "cmdline-of-max-length", cmdline_of_max_length, 0 },
    { "cmdline-1mib", cmdline_1mib, 0 },
    { "cmdline-unterminated-to-end-of-ram", cmdline_unterminated_to_end_of_ram, 0 },
    { "cmdline-unterminated-to-end-of-map", cmdline_unterminated_to_end_of_map, 0 },
    { "cmdline-ends-at-end-of-ram", cmdline_ends_at_end_of_ram, 0 },
    { "cmdline-past-end-of-ram", cmdline_past_end_of_ram, 0 },
    { "cmdline-above-4g", cmdline_above_4g, 0 },
    { "cmdline-overlaps-image", cmdline_overlaps_image, 0 },
    { "cmdline-wraps", cmdline_wraps, 0 },
    { "cmdline-inside-module", cmdline_inside_module, 0 },
    { "memmap-at-0", memmap_at_0, 0 },
    { "memmap-empty", memmap_empty, 0 },
    { "memmap-entries-max", memmap_entries_max, 0 },
    { "memmap-1024-entries", memmap_1024_entries, 0 },
    { "memmap-1025-entries", memmap_1025_entries, 0 },
    { "firmware-map-over-128", firmware_map_over_128, 0 },
    { "memmap-past-end-of-ram", memmap_past_end_of_ram, 0 },
    { "memmap-outside-itself", memmap_outside_itself, 0 },
    { "memmap-above-4g", memmap_above_4g, 0 },
    { "memmap-overlaps-image", memmap_overlaps_image, 0 },
    { "memmap-wraps", memmap_wraps, 0 },
    { "memmap-unsorted", memmap_unsorted, 0 },
    { "memmap-overlapping", memmap_overlapping, 0 },
    { "memmap-zero-size-entries", memmap_zero_size_entries, 0 },
    { "memmap-unknown-types", memmap_unknown_types, 0 },
    { "memmap-entry-wraps", memmap_entry_wraps, 0 },
    { "memmap-entry-ends-at-2-64", memmap_entry_ends_at_2_64, 0 },
    { "memmap-acpi-in-last-page", memmap_acpi_in_last_page, 0 },
    { "memmap-nonexistent-ram", memmap_nonexistent_ram, 0 },
    { "memmap-without-image-ram", memmap_without_image_ram, 0 },
    { "memmap-image-partly-reserved", memmap_image_partly_reserved, 0 },
    { "memmap-reserves-itself", memmap_reserves_itself, 0 },
    { "memmap-only-image-mib", memmap_only_image_mib, 0 },
    { "structures-above-4g", structures_above_4g, 0 },
    { "modlist-straddles-end-of-high-ram", modlist_straddles_end_of_high_ram, 0 },
    { "module-straddles-end-of-high-ram", module_straddles_end_of_high_ram, 0 },
    { "cmdline-unterminated-to-end-of-high-ram", cmdline_unterminated_to_end_of_high_ram, 0 },
    { "memmap-beyond-physical-address-width", memmap_beyond_physical_address_width, 0 },
    { "rsdp-absent", rsdp_absent, 0 },
    { "rsdp-absent-found-in-ebda", rsdp_absent_found_in_ebda, 0 },
    { "rsdp-absent-found-in-low-ebda", rsdp_absent_found_in_low_ebda, 0 },
    { "rsdp-absent-low-ebda-rsdp-in-page-0", rsdp_absent_low_ebda_rsdp_in_page_0, 0 },
    { "rsdp-absent-ebda-in-page-0", rsdp_absent_ebda_in_page_0, 0 },
    { "rsdp-in-page-0", rsdp_in_page_0, 0 },
    { "rsdp-garbage", rsdp_garbage, 0 },
    { "rsdp-above-4g", rsdp_above_4g, 0 },
    { "rsdp-wraps", rsdp_wraps, 0 },
    { "rsdp-to-nowhere", rsdp_to_nowhere, 0 },
    { "madt-lists-absent-cpu", madt_lists_absent_cpu, 0 },
    { "acpi-in-reserved-above-4g", acpi_in_reserved_above_4g, 0 },
    { "dsdt-in-page-0", dsdt_in_page_0, 0 },
    { "acpi-tables-in-nvs", acpi_tables_in_nvs, 0 },
};

static bool word_is(const char *w, const char *s, unsigned len)
{
    unsigned i;

    for (i = 0; i < len; i++)
        if (!s[i] || s[i] != w[i])
            return false;
    return !s[i];
}

const struct hostile_case *case_find(const char *cmdline)
{
    const char *p = cmdline;

    while (*p) {
        const char *w = p;
        unsigned len = 0;

        while (w[len] && w[len] != ' ')
            len++;
        if (len > 5 && w[0] == 'c' && w[1] == 'a' && w[2] == 's' && w[3] == 'e' && w[4] == '=')
            for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                if (word_is(w + 5, cases[i].name, len - 5))
                    return &cases[i];
        p = w + len;
        while (*p == ' ')
            p++;
    }
    return NULL;
}
