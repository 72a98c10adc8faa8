/*
 * Reading the x86 PVH start info (struct hvm_start_info) into the boot
 * store. Every address in it is the loader's word only: each range is
 * checked for 0, for wrapping, for overlap with pvhboot itself and for
 * lying in memory before a byte of it is read, and every count and
 * string length is bounded.
 */
#include "common/boot/boot_store.h"

#include <xen/e820.h>

#include "common/boot/compression.h"
#include "common/lib/string.h"

/* Loader data may also sit in the legacy area below 1 MiB (QEMU's
 * option ROM and qboot keep their start info there), which PC memory
 * maps leave partly undescribed even though it is always backed. */
#define LEGACY_AREA_END 0x100000u

/*
 * Page 0 stays unmapped once the boot description is built, so that a
 * NULL pointer faults. What pvhboot copies while it builds it (start
 * info, map, module list, cmdlines) may lie there: QEMU's option ROM
 * keeps its map at 0x5a8. A module or the RSDP is read later, by the
 * unikernel, the poweroff code or a kernel handed over, and would fault
 * there far from its cause; no real loader puts one there (the real-mode
 * interrupt table and BIOS data area live there), so they are refused.
 */
static bool in_page_0(uint64_t base)
{
    return base < PVH_PAGE_SIZE;
}

static bool wraps(uint64_t base, uint64_t size)
{
    return base + size < base;
}

static bool overlaps_self(const struct pvh_boot_store *st, uint64_t base, uint64_t size)
{
    return base < st->self_end && st->self_base < base + size;
}

/* How many bytes from at on can be read as loader data: up to the end of
 * the memory run at holds (the legacy area counts), never into pvhboot. */
static uint64_t readable_run(const struct pvh_boot_store *st, uint64_t at)
{
    uint64_t run = pvh_memmap_run(&st->map, at, PVH_MEMORY_TYPES);

    if (at >= PVH_PAGE_SIZE && at < LEGACY_AREA_END && run < LEGACY_AREA_END - at)
        run = LEGACY_AREA_END - at;
    if (at < st->self_base && run > st->self_base - at)
        run = st->self_base - at;
    if (overlaps_self(st, at, 1))
        run = 0;
    return run;
}

/* The shapes most messages take: "<what> at <where>: <why>". */
#define AT_RANGE "%s at 0x%llx-0x%llx: %s"
#define AT "%s at 0x%llx: %s"
/* Loader data pvhboot would have to read there, or hand on there. */
#define IN_PAGE_0 "in page 0, which pvhboot leaves unmapped"

static int __attribute__((noinline)) range_fail(int code, const char *what, uint64_t base,
                                                uint64_t size, const char *why,
                                                struct pvh_error *err)
{
    return pvh_fail(err, code, AT_RANGE, what, (unsigned long long)base,
                    (unsigned long long)(base + size - 1), why);
}

/* The checks every loader structure gets before it is read. */
static int check_range(const struct pvh_boot_store *st, uint64_t base, uint64_t size,
                       const char *what, struct pvh_error *err)
{
    if (!base)
        return pvh_fail(err, PVH_ERANGE, "%s: address 0", what);
    if (wraps(base, size))
        return pvh_fail(err, PVH_ERANGE, "%s at 0x%llx: size 0x%llx wraps past 2^64", what,
                        (unsigned long long)base, (unsigned long long)size);
    if (overlaps_self(st, base, size))
        return pvh_fail(err, PVH_EOVERLAP, "%s at 0x%llx-0x%llx: overlaps pvhboot 0x%llx-0x%llx",
                        what, (unsigned long long)base, (unsigned long long)(base + size - 1),
                        (unsigned long long)st->self_base, (unsigned long long)st->self_end - 1);
    return PVH_OK;
}

/* [base, base + size) is in memory (the legacy area counts): called
 * after check_range, so the run from base never stops at pvhboot. */
static int check_in_memory(const struct pvh_boot_store *st, uint64_t base, uint64_t size,
                           const char *what, struct pvh_error *err)
{
    if (readable_run(st, base) < size)
        return range_fail(PVH_ERANGE, what, base, size, "not in memory", err);
    return PVH_OK;
}

/* Where a loader structure can be read, after check_range and, once the
 * map is known (in_mem), check_in_memory; NULL with err set if not. */
static const void *map_range(const struct pvh_boot_store *st, const struct pvh_phys *phys,
                             uint64_t base, uint64_t size, const char *what, bool in_mem,
                             struct pvh_error *err)
{
    const void *p;

    if (check_range(st, base, size, what, err) ||
        (in_mem && check_in_memory(st, base, size, what, err)))
        return NULL;
    p = phys->map(phys, base, size);
    if (!p)
        range_fail(PVH_ERANGE, what, base, size, "not accessible", err);
    return p;
}

int pvh_start_info_read_header(struct pvh_boot_store *st, const struct pvh_phys *phys,
                               uint64_t start_info_pa, struct pvh_error *err)
{
    const uint8_t *si; /* the loader may misalign it: read bytes, never through the struct */
    uint32_t magic, version, size;

    si = map_range(st, phys, start_info_pa, 8, "start info", false, err);
    if (!si)
        return err->code;
    memcpy(&magic, si + offsetof(struct hvm_start_info, magic), sizeof(magic));
    memcpy(&version, si + offsetof(struct hvm_start_info, version), sizeof(version));
    if (magic != XEN_HVM_START_MAGIC_VALUE)
        return PVH_FAIL(err, PVH_EINVAL, "start info magic: 0x%x, expected 0x%x", magic,
                        XEN_HVM_START_MAGIC_VALUE);

    /* Later versions only append fields: read what version 1 defines. */
    size = version == 0 ? HVM_START_INFO_V0_SIZE : HVM_START_INFO_V1_SIZE;
    si = map_range(st, phys, start_info_pa, size, "start info", false, err);
    if (!si)
        return err->code;
    memset(&st->si, 0, sizeof(st->si));
    memcpy(&st->si, si, size);
    st->start_info_pa = start_info_pa;

    st->boot.loader = version == 0 ? PVH_LOADER_PVH_V0 : PVH_LOADER_PVH_V1;
    st->boot.loader_version = version;
    st->boot.start_flags = st->si.flags;
    st->boot.rsdp = st->si.rsdp_paddr;
    st->boot.rsdp_source = st->si.rsdp_paddr ? PVH_RSDP_LOADER : PVH_RSDP_NONE;
    return PVH_OK;
}

_Static_assert(sizeof(struct hvm_memmap_table_entry) == sizeof(struct pvh_region) &&
                   offsetof(struct hvm_memmap_table_entry, addr) == offsetof(struct pvh_region, base) &&
                   offsetof(struct hvm_memmap_table_entry, size) == offsetof(struct pvh_region, size) &&
                   offsetof(struct hvm_memmap_table_entry, type) == offsetof(struct pvh_region, type) &&
                   offsetof(struct hvm_memmap_table_entry, reserved) ==
                       offsetof(struct pvh_region, flags),
               "a start info memory map entry is laid out as a pvh_region");

int pvh_start_info_read_memmap(struct pvh_boot_store *st, const struct pvh_phys *phys,
                               struct pvh_error *err)
{
    const uint8_t *e; /* possibly misaligned: copied out entry by entry */
    uint64_t bytes;
    unsigned i;

    if (st->si.version == 0)
        return PVH_FAIL(err, PVH_ENOENT, "start info version 0: no memory map");
    /* 0 entries is how version 1 says "no map": Xen's start_info.h. */
    if (!st->si.memmap_entries || !st->si.memmap_paddr)
        return PVH_FAIL(err, PVH_ENOENT,
                        st->si.memmap_entries
                            ? "start info memory map: %u entries at 0x%llx"
                            : "start info memory map: none given (%u entries at 0x%llx)",
                        st->si.memmap_entries, (unsigned long long)st->si.memmap_paddr);
    if (st->si.memmap_entries > PVH_MEMMAP_IN_MAX)
        return PVH_FAIL(err, PVH_E2BIG, "start info memory map: %u entries, at most %u supported",
                        st->si.memmap_entries, PVH_MEMMAP_IN_MAX);
    bytes = (uint64_t)st->si.memmap_entries * sizeof(struct hvm_memmap_table_entry);
    e = map_range(st, phys, st->si.memmap_paddr, bytes, "memory map", false, err);
    if (!e)
        return err->code;
    /* The entries are pvh_regions already, but for the field that must
     * be zero, which becomes the flags: each copied as it is, that field
     * cleared. */
    for (i = 0; i < st->si.memmap_entries; i++) {
        memcpy(&st->raw[i], e + (size_t)i * sizeof(st->raw[i]), sizeof(st->raw[i]));
        st->raw[i].flags = 0;
    }
    st->nr_raw = st->si.memmap_entries;
    return PVH_OK;
}

bool pvh_start_info_lacks_memmap(const struct pvh_boot_store *st)
{
    return st->si.version == 0 || st->si.memmap_entries == 0;
}

int pvh_start_info_find_memmap(struct pvh_boot_store *st, const struct pvh_phys *phys,
                               pvh_platform_memmap_fn *platform, const char *hv_name,
                               struct pvh_error *err)
{
    int rc;
    size_t n;

    if (pvh_start_info_lacks_memmap(st) && platform)
        return platform(st, err);
    rc = pvh_start_info_read_memmap(st, phys, err);
    if (!pvh_start_info_lacks_memmap(st))
        return rc;
    /* Why the start info has none, and that no one else can say. */
    n = strlen(err->msg);
    pvh_snprintf(err->msg + n, sizeof(err->msg) - n, ", and no Xen to ask: hypervisor %s", hv_name);
    return rc;
}

/*
 * Copy the NUL-terminated string at pa (at most max bytes before the
 * NUL) into dst, which has room for max + 1 bytes. The string is read a
 * page at a time, each piece clipped to memory that may be read, so a
 * string that runs into pvhboot or off the end of memory is caught
 * where it does, and one that ends just before either is accepted.
 */
static int copy_string(const struct pvh_boot_store *st, const struct pvh_phys *phys,
                       uint64_t pa, size_t max, char *dst, const char *what,
                       struct pvh_error *err)
{
    size_t len = 0;

    while (len <= max) {
        uint64_t at = pa + len;
        uint64_t chunk = PVH_PAGE_SIZE - (at & (PVH_PAGE_SIZE - 1));
        uint64_t run = readable_run(st, at);
        const char *src;
        size_t i;

        /* at never wraps: the run it lies in ends below 2^64, as every
         * region of a normalised map does (one reaching it is refused). */
        if (!run) {
            bool self = overlaps_self(st, at, 1);

            if (!len && self)
                return PVH_FAIL(err, PVH_EOVERLAP, "%s at 0x%llx: overlaps pvhboot 0x%llx-0x%llx",
                                what, (unsigned long long)pa, (unsigned long long)st->self_base,
                                (unsigned long long)st->self_end - 1);
            if (!len)
                return PVH_FAIL(err, PVH_ERANGE, AT, what, (unsigned long long)pa, "not in memory");
            return PVH_FAIL(err, self ? PVH_EOVERLAP : PVH_ERANGE,
                            "%s at 0x%llx: no NUL before 0x%llx, where %s", what,
                            (unsigned long long)pa, (unsigned long long)at,
                            self ? "pvhboot begins" : "memory ends");
        }
        if (chunk > run)
            chunk = run;
        if (chunk > max + 1 - len)
            chunk = max + 1 - len;
        src = phys->map(phys, at, chunk);
        if (!src)
            return PVH_FAIL(err, PVH_ERANGE, "%s at 0x%llx: 0x%llx is not accessible", what,
                            (unsigned long long)pa, (unsigned long long)at);
        for (i = 0; i < chunk; i++) {
            dst[len + i] = src[i];
            if (!src[i])
                return PVH_OK;
        }
        len += chunk;
    }
    return PVH_FAIL(err, PVH_E2BIG, "%s at 0x%llx: longer than %zu bytes", what,
                    (unsigned long long)pa, max);
}

static int read_module_cmdline(struct pvh_boot_store *st, const struct pvh_phys *phys,
                               unsigned i, uint64_t pa, const char *what, struct pvh_error *err)
{
    char *dst = st->module_cmdlines + st->module_cmdlines_used;
    size_t room = PVH_MODULE_CMDLINES_ALL - st->module_cmdlines_used;
    size_t max;
    int rc;

    if (!pa)
        return PVH_OK; /* the module's cmdline stays "" */
    if (room) {
        max = room - 1 < PVH_MODULE_CMDLINE_MAX ? room - 1 : PVH_MODULE_CMDLINE_MAX;
        rc = copy_string(st, phys, pa, max, dst, what, err);
        /* Too long for what is left, not for a module's own bound: the
         * failure is the total's. */
        if (rc != PVH_E2BIG || max == PVH_MODULE_CMDLINE_MAX) {
            if (!rc) {
                st->modules[i].cmdline = dst;
                st->module_cmdlines_used += strlen(dst) + 1;
            }
            return rc;
        }
    }
    return PVH_FAIL(err, PVH_E2BIG, "module cmdlines: more than %u bytes in all",
                    PVH_MODULE_CMDLINES_ALL);
}

static int check_module(const struct pvh_boot_store *st, unsigned i, const char *what,
                        struct pvh_error *err)
{
    const struct pvh_module *m = &st->modules[i];
    const char *why = NULL;
    unsigned j;
    int rc;

    rc = check_range(st, m->base, m->size, what, err);
    if (rc)
        return rc;
    if (in_page_0(m->base))
        why = IN_PAGE_0;
    else if (!pvh_memmap_covers(&st->map, m->base, m->size, PVH_TYPE_BIT(E820_TYPE_RAM)))
        why = "not in RAM";
    if (why)
        return PVH_FAIL(err, PVH_ERANGE, "%s at 0x%llx size %llu: %s", what,
                        (unsigned long long)m->base, (unsigned long long)m->size, why);
    for (j = 0; j < i; j++) {
        const struct pvh_module *o = &st->modules[j];

        /* A module of no bytes overlaps nothing. */
        if (m->size && o->size && m->base < o->base + o->size && o->base < m->base + m->size)
            return PVH_FAIL(err, PVH_EOVERLAP, "%s at 0x%llx overlaps module %u at 0x%llx",
                            what, (unsigned long long)m->base, j, (unsigned long long)o->base);
    }
    return PVH_OK;
}

/* A module's first bytes (no more than it has) name its compression;
 * bytes that cannot be read name none. */
static enum pvh_compression module_compression(const struct pvh_phys *phys,
                                               const struct pvh_module *m)
{
    size_t n = m->size < PVH_COMPRESSION_MAGIC_MAX ? (size_t)m->size : PVH_COMPRESSION_MAGIC_MAX;
    const uint8_t *head = n ? phys->map(phys, m->base, n) : NULL;

    return head ? pvh_compression_of(head, n) : PVH_COMPRESSION_NONE;
}

static int read_modules(struct pvh_boot_store *st, const struct pvh_phys *phys,
                        struct pvh_error *err)
{
    const uint8_t *list; /* possibly misaligned: copied out entry by entry */
    uint32_t n = st->si.nr_modules;
    uint64_t bytes = (uint64_t)n * sizeof(struct hvm_modlist_entry);
    unsigned i;
    int rc;

    st->boot.nr_modules = 0;
    if (!n)
        return PVH_OK;
    if (n > PVH_MODULES_MAX)
        return PVH_FAIL(err, PVH_E2BIG, "start info: %u modules, at most %u supported", n,
                        PVH_MODULES_MAX);
    list = map_range(st, phys, st->si.modlist_paddr, bytes, "module list", true, err);
    if (!list)
        return err->code;
    for (i = 0; i < n; i++) {
        struct hvm_modlist_entry e;
        /* "module <i> cmdline", formatted once: the module's own name is
         * the part before " cmdline". */
        char what[32];
        size_t name = pvh_snprintf(what, sizeof(what), "module %u cmdline", i) -
                      (sizeof(" cmdline") - 1);

        memcpy(&e, list + (size_t)i * sizeof(e), sizeof(e));
        st->modules[i] = (struct pvh_module){ .base = e.paddr, .size = e.size, .cmdline = "" };
        what[name] = '\0';
        rc = check_module(st, i, what, err);
        what[name] = ' ';
        if (!rc)
            rc = read_module_cmdline(st, phys, i, e.cmdline_paddr, what, err);
        if (rc)
            return rc;
        st->modules[i].compression = module_compression(phys, &st->modules[i]);
    }
    st->boot.nr_modules = n;
    return PVH_OK;
}

int pvh_start_info_read_rest(struct pvh_boot_store *st, const struct pvh_phys *phys,
                             struct pvh_error *err)
{
    uint32_t size = st->si.version == 0 ? HVM_START_INFO_V0_SIZE : HVM_START_INFO_V1_SIZE;
    int rc;

    st->module_cmdlines_used = 0; /* this step may run again with a new map */
    /* Read before the map was known: now check they were in memory. */
    rc = check_in_memory(st, st->start_info_pa, size, "start info", err);
    if (!rc && !pvh_start_info_lacks_memmap(st))
        rc = check_in_memory(st, st->si.memmap_paddr,
                             (uint64_t)st->si.memmap_entries * sizeof(struct hvm_memmap_table_entry),
                             "memory map", err);
    if (!rc && st->si.rsdp_paddr && in_page_0(st->si.rsdp_paddr))
        rc = pvh_fail(err, PVH_ERANGE, AT, "rsdp", (unsigned long long)st->si.rsdp_paddr,
                      IN_PAGE_0);
    if (rc)
        return rc;

    st->cmdline[0] = '\0';
    if (st->si.cmdline_paddr) {
        rc = copy_string(st, phys, st->si.cmdline_paddr, PVH_CMDLINE_MAX, st->cmdline,
                         "cmdline", err);
        if (rc)
            return rc;
    }
    return read_modules(st, phys, err);
}

int pvh_start_info_load(struct pvh_boot_store *st, const struct pvh_phys *phys,
                        uint64_t start_info_pa, struct pvh_error *err)
{
    int rc;

    rc = pvh_start_info_read_header(st, phys, start_info_pa, err);
    if (!rc)
        rc = pvh_start_info_read_memmap(st, phys, err);
    if (!rc)
        rc = pvh_boot_set_memmap(st, err);
    if (!rc)
        rc = pvh_start_info_read_rest(st, phys, err);
    if (!rc)
        pvh_boot_finish(st);
    return rc;
}
