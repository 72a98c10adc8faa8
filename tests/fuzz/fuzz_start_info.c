/*
 * Fuzz target: reading an x86 PVH start info into the boot store
 * (common/boot/start_info.c, common/boot/boot.c, with common/boot/memmap.c), in the
 * order arch/x86/start.c runs the steps: header, memory map (or, for
 * version 0 and for version 1 with 0 entries, the platform's map, as
 * Xen's XENMEM_memory_map gives it, or a refusal without one),
 * normalisation and pvhboot's own claim, command line and modules; and,
 * when asked (pvhboot.xen_memmap=xen), the platform's map again and
 * the last two steps once more.
 *
 * Input: u64 self_base, u32 self_size (pvhboot's own memory), u64 start
 * info address, u8 flags (bit 0: read again with the platform map;
 * bit 1: no platform map to fall back on, as without Xen),
 * u16 platform entries, u8 segments; the segments of simulated memory
 * (fuzz.h); then the platform entries (u64 addr, u64 size, u32 type).
 * Seeds: what QEMU (pc, q35, microvm) and Xen hand over, captured.
 *
 * Checked: no read ever touches pvhboot's own memory, and once the map
 * is known every read lies in memory (the map's RAM, ACPI, NVS or PMEM,
 * or the legacy area below 1 MiB); on success the description holds
 * copies equal to the loader's bytes, every string terminated and within
 * its bound, every module in RAM, out of page 0 (unmapped later), clear
 * of pvhboot and of each other, the RSDP the loader's and out of page 0,
 * and the map well formed with pvhboot's memory claimed; on failure a
 * known error code and a terminated message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>
#include <xen/start_info.h>

#include "common/boot/boot_store.h"
#include "tests/fuzz/fuzz.h"

#define LEGACY_END 0x100000ull

static struct pvh_boot_store st;
static struct fuzz_mem mem;
static bool map_known;
static struct pvh_region platform[PVH_MEMMAP_IN_MAX + 1];

static bool overlaps_self(uint64_t base, uint64_t len)
{
    return base < st.self_end && st.self_base < base + len;
}

static bool in_memory(uint64_t base, uint64_t len)
{
    return (base >= PVH_PAGE_SIZE && base + len <= LEGACY_END && base + len > base) ||
           pvh_memmap_covers(&st.map, base, len, PVH_MEMORY_TYPES);
}

/* Every read start_info.c makes goes through here. */
static const void *checked_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    (void)phys;
    FUZZ_CHECK(len != 0, "map() asked for 0 bytes at 0x%llx", (unsigned long long)pa);
    FUZZ_CHECK(pa + len > pa, "map() of 0x%llx+0x%llx wraps", (unsigned long long)pa,
               (unsigned long long)len);
    FUZZ_CHECK(!overlaps_self(pa, len), "read of 0x%llx+0x%llx inside pvhboot 0x%llx-0x%llx",
               (unsigned long long)pa, (unsigned long long)len, (unsigned long long)st.self_base,
               (unsigned long long)st.self_end);
    if (map_known)
        FUZZ_CHECK(in_memory(pa, len), "read of 0x%llx+0x%llx outside memory",
                   (unsigned long long)pa, (unsigned long long)len);
    return fuzz_mem_at(&mem, pa, len);
}

static const struct pvh_phys phys = { checked_map };

/* Strings are read a page at a time, so one may run from the legacy area
 * on into RAM the map describes: each byte must be in one or the other. */
static bool string_in_memory(uint64_t pa, uint64_t len)
{
    uint64_t end = pa + len, cut[2] = { PVH_PAGE_SIZE, LEGACY_END }, lo = pa;
    unsigned i;

    for (i = 0; i < 2 && lo < end; i++) {
        uint64_t hi = end < cut[i] ? end : cut[i];

        if (lo >= hi)
            continue;
        /* Below the first page: the map only; in the legacy area: always. */
        if (i == 0 && !pvh_memmap_covers(&st.map, lo, hi - lo, PVH_MEMORY_TYPES))
            return false;
        lo = hi;
    }
    return lo >= end || pvh_memmap_covers(&st.map, lo, end - lo, PVH_MEMORY_TYPES);
}

/* The loader's string at pa equals s, NUL included, and lies in memory clear of pvhboot. */
static void check_copy(uint64_t pa, const char *s, const char *what)
{
    size_t len = strlen(s) + 1, i;

    /* Byte by byte: the string may run across two adjacent segments. */
    for (i = 0; i < len; i++) {
        const uint8_t *src = fuzz_mem_at(&mem, pa + i, 1);

        FUZZ_CHECK(src && *src == (uint8_t)s[i], "%s: byte %zu differs from the loader's", what, i);
    }
    FUZZ_CHECK(!overlaps_self(pa, len) && string_in_memory(pa, len), "%s: accepted outside memory",
               what);
}

static void check_boot(void)
{
    const struct pvh_boot *b = &st.boot;
    const struct hvm_modlist_entry *list = NULL;
    size_t used = 0;
    unsigned i, j;

    FUZZ_CHECK(b->loader == (st.si.version ? PVH_LOADER_PVH_V1 : PVH_LOADER_PVH_V0) &&
                   b->loader_version == st.si.version,
               "loader %d version %u", b->loader, b->loader_version);
    FUZZ_CHECK(b->cmdline == st.cmdline && fuzz_terminated(st.cmdline, sizeof(st.cmdline)) &&
                   strlen(b->cmdline) == b->cmdline_len && b->cmdline_len <= PVH_CMDLINE_MAX,
               "cmdline of %zu bytes", b->cmdline_len);
    if (st.si.cmdline_paddr)
        check_copy(st.si.cmdline_paddr, b->cmdline, "cmdline");
    else
        FUZZ_CHECK(!b->cmdline_len, "a cmdline from nowhere");

    fuzz_check_memmap(b->memmap, b->nr_memmap, "boot memory map");
    FUZZ_CHECK(pvh_memmap_covers(&st.map, st.self_base, st.self_end - st.self_base,
                                 PVH_TYPE_BIT(E820_TYPE_RAM)),
               "pvhboot's own memory is not RAM");
    for (i = 0; i < b->nr_memmap; i++)
        FUZZ_CHECK(b->memmap[i].flags == 0 ||
                       (b->memmap[i].flags == PVH_REGION_PVHBOOT &&
                        b->memmap[i].base < st.self_end + PVH_PAGE_SIZE &&
                        st.self_base < b->memmap[i].base + b->memmap[i].size + PVH_PAGE_SIZE),
                   "region %u flagged 0x%x away from pvhboot", i, b->memmap[i].flags);

    FUZZ_CHECK(b->nr_modules == st.si.nr_modules && b->nr_modules <= PVH_MODULES_MAX,
               "%u modules of %u", b->nr_modules, st.si.nr_modules);
    if (b->nr_modules)
        list = (const void *)fuzz_mem_at(&mem, st.si.modlist_paddr,
                                         (uint64_t)b->nr_modules * sizeof(*list));
    FUZZ_CHECK(!b->nr_modules || list, "modules from an unreadable list");
    for (i = 0; i < b->nr_modules; i++) {
        const struct pvh_module *m = &b->modules[i];
        struct hvm_modlist_entry e;
        char what[32];

        memcpy(&e, &list[i], sizeof(e));
        FUZZ_CHECK(m->base == e.paddr && m->size == e.size, "module %u differs from the list", i);
        FUZZ_CHECK(m->base && m->base + m->size >= m->base, "module %u at 0 or wrapping", i);
        FUZZ_CHECK(m->base >= PVH_PAGE_SIZE, "module %u in page 0, which is unmapped later", i);
        FUZZ_CHECK(pvh_memmap_covers(&st.map, m->base, m->size, PVH_TYPE_BIT(E820_TYPE_RAM)),
                   "module %u not in RAM", i);
        FUZZ_CHECK(!overlaps_self(m->base, m->size ? m->size : 1) || !m->size,
                   "module %u overlaps pvhboot", i);
        for (j = 0; j < i; j++) {
            const struct pvh_module *o = &b->modules[j];

            FUZZ_CHECK(!m->size || !o->size || m->base >= o->base + o->size ||
                           o->base >= m->base + m->size,
                       "modules %u and %u overlap", i, j);
        }
        FUZZ_CHECK(m->cmdline >= st.module_cmdlines || !m->cmdline[0], "module %u cmdline", i);
        FUZZ_CHECK(strlen(m->cmdline) <= PVH_MODULE_CMDLINE_MAX, "module %u cmdline too long", i);
        if (m->cmdline[0]) {
            FUZZ_CHECK(m->cmdline + strlen(m->cmdline) < st.module_cmdlines + PVH_MODULE_CMDLINES_ALL,
                       "module %u cmdline outside the store", i);
            used += strlen(m->cmdline) + 1;
        }
        snprintf(what, sizeof(what), "module %u cmdline", i);
        if (e.cmdline_paddr)
            check_copy(e.cmdline_paddr, m->cmdline, what);
        else
            FUZZ_CHECK(!m->cmdline[0], "module %u: a cmdline from nowhere", i);
    }
    FUZZ_CHECK(used <= st.module_cmdlines_used && st.module_cmdlines_used <= PVH_MODULE_CMDLINES_ALL,
               "module cmdlines: %zu bytes, %zu counted", used, st.module_cmdlines_used);
    FUZZ_CHECK(b->rsdp == st.si.rsdp_paddr && (!b->rsdp || b->rsdp >= PVH_PAGE_SIZE) &&
                   b->rsdp_source == (b->rsdp ? PVH_RSDP_LOADER : PVH_RSDP_NONE),
               "rsdp 0x%llx from %d", (unsigned long long)b->rsdp, b->rsdp_source);
    /* Every loader structure read lies clear of pvhboot. */
    FUZZ_CHECK(!overlaps_self(st.start_info_pa, HVM_START_INFO_V0_SIZE), "start info in pvhboot");
    if (b->nr_modules)
        FUZZ_CHECK(!overlaps_self(st.si.modlist_paddr, (uint64_t)b->nr_modules * 32) &&
                       in_memory(st.si.modlist_paddr, (uint64_t)b->nr_modules * 32),
                   "module list in pvhboot or outside memory");
}

static unsigned n_platform, platform_calls;

static int use_platform_map(struct pvh_boot_store *store, struct pvh_error *err)
{
    platform_calls++;
    /* As x86_xen_memory_map: at most PVH_MEMMAP_IN_MAX entries. */
    if (n_platform > PVH_MEMMAP_IN_MAX)
        return pvh_fail(err, PVH_E2BIG, "platform map: %u entries", n_platform);
    memcpy(store->raw, platform, n_platform * sizeof(platform[0]));
    store->nr_raw = n_platform;
    return PVH_OK;
}

static int load(uint8_t flags, uint64_t si_pa, struct pvh_error *err)
{
    /* Flags bit 1: no Xen, no platform map to fall back on. */
    pvh_platform_memmap_fn *fallback = (flags & 2) ? NULL : use_platform_map;
    int rc = pvh_start_info_read_header(&st, &phys, si_pa, err);

    if (rc)
        return rc;
    platform_calls = 0;
    rc = pvh_start_info_find_memmap(&st, &phys, fallback, fallback ? "xen" : "tcg", err);
    /* The platform is asked exactly when the start info has no map. */
    FUZZ_CHECK(platform_calls == (fallback && pvh_start_info_lacks_memmap(&st) ? 1u : 0u),
               "platform asked %u times, version %u, %u entries", platform_calls, st.si.version,
               st.si.memmap_entries);
    if (!rc)
        rc = pvh_boot_set_memmap(&st, err);
    map_known = !rc;
    if (!rc)
        rc = pvh_start_info_read_rest(&st, &phys, err);
    if (!rc && (flags & 1) && st.si.version && n_platform && fallback) {
        rc = use_platform_map(&st, err);
        if (!rc)
            rc = pvh_boot_set_memmap(&st, err);
        if (!rc)
            rc = pvh_start_info_read_rest(&st, &phys, err);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint64_t self_base = fuzz_u64(&in), self_size = fuzz_u32(&in), si_pa = fuzz_u64(&in);
    uint8_t flags = fuzz_u8(&in);
    unsigned nseg, i;
    struct pvh_error err;
    int rc;

    /* pvhboot's own extent comes from its linker script: never empty, never wrapping. */
    n_platform = fuzz_u16(&in) % (PVH_MEMMAP_IN_MAX + 2);
    nseg = fuzz_u8(&in);
    if (!self_size || self_base + self_size < self_base)
        return 0;
    fuzz_mem_from_input(&mem, &in, nseg);
    for (i = 0; i < n_platform; i++) {
        platform[i].base = fuzz_u64(&in);
        platform[i].size = fuzz_u64(&in);
        platform[i].type = fuzz_u32(&in);
        platform[i].flags = 0;
    }

    /* The store is not zeroed on the guest: start from garbage. */
    memset(&st, 0xa5, sizeof(st));
    pvh_boot_store_init(&st, self_base, self_base + self_size);
    map_known = false;
    rc = load(flags, si_pa, &err);
    if (getenv("FUZZ_DEBUG")) /* for making seeds: how far an input gets */
        fprintf(stderr, "%s: %s\n", rc ? "refused" : "accepted", rc ? err.msg : "");
    if (rc) {
        FUZZ_CHECK(rc < 0 && rc >= PVH_ENOENT && err.code == rc, "rc %d", rc);
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");
    } else {
        pvh_boot_finish(&st);
        check_boot();
    }
    fuzz_mem_free(&mem);
    return 0;
}
