/*
 * The firmware's planner, shared by the architectures: which payload,
 * what it is, and where things may go. The architecture's hand-off
 * builds the boot information its payload expects and jumps;
 * firmware/chainload.c calls it after pvh_fw_prepare, never this file.
 */
#include "firmware/firmware.h"

#include <pvhboot/console.h>
#include <xen/e820.h>

#include "common/boot/options.h"
#include "common/lib/compiler.h"
#include "common/lib/string.h"
#include "common/boot/timing.h"

void pvh_fw_log(const struct pvh_fw *fw, const char *fmt, ...)
{
    va_list ap;

    if (!fw->verbose)
        return;
    va_start(ap, fmt);
    pvh_vinfo("fw: ", fmt, ap); /* "pvhboot: fw: ...", one line */
    va_end(ap);
}

/* --- Ranges in use --------------------------------------------------------- */

static bool overlap(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

#define KINDS(k) (1u << (k))

/* The first range in use, of a kind in kinds (KINDS() bits), that
 * [base, end) overlaps; NULL if none. */
static const struct pvh_busy *busy_hit(const struct pvh_fw *fw, uint64_t base, uint64_t end,
                                       unsigned kinds)
{
    unsigned i;

    for (i = 0; i < fw->nr_busy; i++)
        if ((kinds & KINDS(fw->busy[i].kind)) && overlap(base, end, fw->busy[i].base,
                                                         fw->busy[i].end))
            return &fw->busy[i];
    return NULL;
}

/* A table of the plan is full. */
static int full(struct pvh_error *err, unsigned max, const char *what)
{
    return pvh_fail(err, PVH_E2BIG, "firmware: more than %u %s", max, what);
}

static int add_busy(struct pvh_fw *fw, uint64_t base, uint64_t end, enum pvh_busy_kind kind,
                    struct pvh_error *err)
{
    if (fw->nr_busy == PVH_FW_MAX_BUSY)
        return full(err, PVH_FW_MAX_BUSY, "ranges in use");
    fw->busy[fw->nr_busy++] = (struct pvh_busy){ base, end, kind };
    return PVH_OK;
}

int pvh_fw_add_dest(struct pvh_fw *fw, uint64_t base, uint64_t size, uint64_t limit,
                    const char *what, struct pvh_error *err)
{
    uint64_t end = base + size;
    const struct pvh_busy *b;
    const char *why;

    if (!size)
        return PVH_OK;
    /* Page 0 stays unmapped while pvhboot runs, so that NULL faults:
     * a copy there would fault. No kernel format needs it. */
    if (base < PVH_PAGE_SIZE)
        why = "in page 0";
    else if (end < base || end > limit)
        return pvh_fail(err, PVH_ERANGE, "%s at 0x%llx-0x%llx: beyond 0x%llx", what,
                        (unsigned long long)base, (unsigned long long)(end - 1),
                        (unsigned long long)limit);
    else if (!pvh_memmap_covers(&fw->map, base, size, PVH_TYPE_BIT(E820_TYPE_RAM)))
        why = "not in RAM";
    else if ((b = busy_hit(fw, base, end, KINDS(PVH_BUSY_DEST) | KINDS(PVH_BUSY_ALLOC) |
                           /* written by the trampoline, after pvhboot is done */
                           (fw->late_copies ? 0 : KINDS(PVH_BUSY_FIXED)))))
        return pvh_fail(err, PVH_EOVERLAP, "%s at 0x%llx-0x%llx: overlaps %s 0x%llx-0x%llx",
                        what, (unsigned long long)base, (unsigned long long)(end - 1),
                        b->kind == PVH_BUSY_FIXED ? "pvhboot" : "another part of the payload",
                        (unsigned long long)b->base, (unsigned long long)(b->end - 1));
    else
        return add_busy(fw, base, end, PVH_BUSY_DEST, err);
    return pvh_fail(err, PVH_ERANGE, "%s at 0x%llx-0x%llx: %s", what, (unsigned long long)base,
                    (unsigned long long)(end - 1), why);
}

int pvh_fw_add_copy(struct pvh_fw *fw, uint64_t dst, uint64_t src_off, uint64_t filesz,
                    uint64_t memsz, struct pvh_error *err)
{
    if (fw->nr_copies == PVH_ELF_MAX_LOADS)
        return full(err, PVH_ELF_MAX_LOADS, "copies");
    if (src_off > fw->payload.size || filesz > fw->payload.size - src_off)
        return pvh_fail(err, PVH_EINVAL, "payload: bytes 0x%llx+0x%llx outside its %llu bytes",
                        (unsigned long long)src_off, (unsigned long long)filesz,
                        (unsigned long long)fw->payload.size);
    /* src is relative until relocation is done: see pvh_fw_relocate_movables. */
    fw->copies[fw->nr_copies++] = (struct pvh_copy){ dst, src_off, filesz, memsz };
    return PVH_OK;
}

/* The avoid list for an allocation: everything in use, in any role. */
static unsigned avoid_list(const struct pvh_fw *fw, struct pvh_range *out, uint64_t floor)
{
    unsigned i, n = 0;

    for (i = 0; i < fw->nr_busy; i++)
        out[n++] = (struct pvh_range){ fw->busy[i].base, fw->busy[i].end };
    if (floor)
        out[n++] = (struct pvh_range){ 0, floor };
    return n;
}

uint64_t pvh_fw_alloc(struct pvh_fw *fw, uint64_t size, uint64_t align, uint64_t floor,
                      uint64_t limit)
{
    static struct pvh_range avoid[PVH_FW_MAX_BUSY + 1] PVH_LATE;
    struct pvh_error err;
    uint64_t rounded = (size + PVH_PAGE_SIZE - 1) & ~(uint64_t)(PVH_PAGE_SIZE - 1);
    uint64_t base;

    if (!size || rounded < size || fw->nr_busy == PVH_FW_MAX_BUSY)
        return 0;
    base = pvh_memmap_alloc(&fw->map, rounded, align, limit, avoid, avoid_list(fw, avoid, floor),
                            PVH_REGION_PVHBOOT);
    if (base && add_busy(fw, base, base + rounded, PVH_BUSY_ALLOC, &err))
        return 0;
    return base;
}

/* The first range in use, the movables aside, that [base, end) overlaps. */
static const struct pvh_busy *in_the_way(const struct pvh_fw *fw, uint64_t base, uint64_t end)
{
    return busy_hit(fw, base, end, ~KINDS(PVH_BUSY_MOVABLE));
}

bool pvh_fw_room_at(const struct pvh_fw *fw, uint64_t base, uint64_t size)
{
    return base >= PVH_PAGE_SIZE && size && base + size > base &&
           pvh_memmap_covers(&fw->map, base, size, PVH_TYPE_BIT(E820_TYPE_RAM)) &&
           !in_the_way(fw, base, base + size);
}

/* v rounded up to a power of two a; false if that wraps. */
static bool round_up(uint64_t v, uint64_t a, uint64_t *out)
{
    *out = (v + a - 1) & ~(a - 1);
    return *out >= v;
}

uint64_t pvh_fw_find_room(const struct pvh_fw *fw, uint64_t size, uint64_t align, uint64_t lo,
                          uint64_t hi)
{
    uint64_t best = 0, c = 0;
    unsigned i;

    if (!size || size > hi || (align & (align - 1)))
        return 0;
    if (align < PVH_PAGE_SIZE)
        align = PVH_PAGE_SIZE;
    if (lo < PVH_PAGE_SIZE)
        lo = PVH_PAGE_SIZE;
    /* From each RAM region's start, step past whatever is in the way;
     * each step passes one range in use, so the walk is bounded. */
    for (i = 0; i < fw->map.nr; i++) {
        const struct pvh_region *r = &fw->map.regions[i];
        bool ok = r->type == E820_TYPE_RAM && round_up(r->base > lo ? r->base : lo, align, &c);

        while (ok && c <= hi - size && (!best || c < best)) {
            const struct pvh_busy *b;

            if (!pvh_memmap_covers(&fw->map, c, size, PVH_TYPE_BIT(E820_TYPE_RAM)))
                break;
            b = in_the_way(fw, c, c + size);
            if (!b) {
                best = c;
                break;
            }
            ok = round_up(b->end, align, &c);
        }
    }
    return best;
}

/* Does [base, end) overlap a destination, or break the rule? */
static bool misplaced(const struct pvh_fw *fw, uint64_t base, uint64_t end,
                      const struct pvh_place_rule *rule)
{
    if (rule && (end > rule->limit || (rule->align && base % rule->align)))
        return true;
    return busy_hit(fw, base, end, KINDS(PVH_BUSY_DEST));
}

/* Move one piece to a new place meeting rule; the old place stays busy
 * (its bytes are read when the moves run, after the structures are written). */
static int relocate(struct pvh_fw *fw, struct pvh_module *m, const struct pvh_place_rule *rule,
                    const char *what, struct pvh_error *err)
{
    uint64_t limit = rule ? rule->limit : UINT64_MAX, align = rule ? rule->align : 0;
    uint64_t to;

    if (fw->nr_moves == PVH_MODULES_MAX + 1)
        return full(err, PVH_MODULES_MAX + 1, "moves");
    to = pvh_fw_alloc(fw, m->size ? m->size : 1, align, 0, limit);
    if (!to)
        return pvh_fail(err, PVH_ENOMEM, "%s of %llu bytes at 0x%llx must move, and no free RAM "
                        "below 0x%llx holds it", what, (unsigned long long)m->size,
                        (unsigned long long)m->base, (unsigned long long)limit);
    pvh_fw_log(fw, "moving %s 0x%llx+%llu to 0x%llx", what, (unsigned long long)m->base,
               (unsigned long long)m->size, (unsigned long long)to);
    fw->moves[fw->nr_moves++] = (struct pvh_copy){ to, m->base, m->size, m->size };
    m->base = to;
    return PVH_OK;
}

bool pvh_fw_copy_is_late(const struct pvh_fw *fw, const struct pvh_copy *c)
{
    return busy_hit(fw, c->dst, c->dst + c->memsz, KINDS(PVH_BUSY_FIXED));
}

/* Does a late copy read the payload? Then the trampoline, which sees
 * only what lies below late_src_limit, reads it. */
static bool late_copy_reads_payload(const struct pvh_fw *fw)
{
    unsigned i;

    for (i = 0; i < fw->nr_copies; i++)
        if (pvh_fw_copy_is_late(fw, &fw->copies[i]))
            return true;
    return false;
}

/* Does every copy read exactly where it writes? Then the payload already
 * lies where it runs (packed by pvhboot-pack, or put there by the loader)
 * and must not be moved out of its own way. */
static bool copies_in_place(const struct pvh_fw *fw)
{
    unsigned i;

    for (i = 0; i < fw->nr_copies; i++)
        if (fw->payload.base + fw->copies[i].src != fw->copies[i].dst)
            return false;
    return fw->nr_copies > 0;
}

int pvh_fw_relocate_movables(struct pvh_fw *fw, const struct pvh_place_rule *modules,
                             struct pvh_error *err)
{
    unsigned i;
    int rc;

    if (copies_in_place(fw)) {
        fw->payload_in_place = true;
        pvh_fw_log(fw, "payload lies where it runs: no copy");
    }
    if (!fw->payload_in_place) {
        /* Out of the destinations' way, and below late_src_limit when a
         * late copy reads it, so the trampoline can (free RAM above
         * 4 GiB would otherwise be an allocation's first choice). */
        struct pvh_place_rule low = { fw->late_src_limit, 0 };
        const struct pvh_place_rule *rule = late_copy_reads_payload(fw) ? &low : NULL;

        if (misplaced(fw, fw->payload.base, fw->payload.base + fw->payload.size, rule)) {
            rc = relocate(fw, &fw->payload, rule, "payload", err);
            if (rc)
                return rc;
        }
    }
    for (i = 0; i < fw->nr_copies; i++)
        fw->copies[i].src += fw->payload.base;
    for (i = 0; i < fw->nr_mods; i++) {
        struct pvh_module *m = &fw->mods[i];

        if (misplaced(fw, m->base, m->base + m->size, modules)) {
            rc = relocate(fw, m, modules, "module", err);
            if (rc)
                return rc;
        }
    }
    return PVH_OK;
}

void pvh_fw_run_copies(const struct pvh_fw *fw)
{
    unsigned i;

    for (i = 0; i < fw->nr_moves; i++)
        memmove((void *)(uintptr_t)fw->moves[i].dst, (const void *)(uintptr_t)fw->moves[i].src,
                (size_t)fw->moves[i].filesz);
    for (i = 0; i < fw->nr_copies; i++) {
        const struct pvh_copy *c = &fw->copies[i];

        if (pvh_fw_copy_is_late(fw, c))
            continue;
        memmove((void *)(uintptr_t)c->dst, (const void *)(uintptr_t)c->src, (size_t)c->filesz);
        memset((void *)(uintptr_t)(c->dst + c->filesz), 0, (size_t)(c->memsz - c->filesz));
    }
}

void pvh_fw_finish(const struct pvh_fw *fw)
{
    pvh_mark(PVH_MARK_PLACEMENT);
    pvh_fw_run_copies(fw);
    pvh_mark(PVH_MARK_COPY);
    pvh_timing_report(fw->options);
    pvh_console_flush();
}

unsigned pvh_fw_payload_map(const struct pvh_fw *fw, struct pvh_region *out, unsigned max)
{
    unsigned i, n = 0;

    for (i = 0; i < fw->map.nr && n < max; i++) {
        struct pvh_region r = fw->map.regions[i];

        r.flags = 0;
        if (n && out[n - 1].type == r.type && out[n - 1].base + out[n - 1].size == r.base)
            out[n - 1].size += r.size;
        else
            out[n++] = r;
    }
    return n;
}

/* --- The payload and its modules ------------------------------------------ */

/* Does [base, end) overlap pvhboot's own memory? Its image, and what the
 * boot flagged as pvhboot's (the page tables for RAM above 4 GiB, which
 * were taken from the memory map before the packed modules were known). */
static bool overlaps_pvhboot(const struct pvh_fw *fw, uint64_t base, uint64_t end)
{
    return busy_hit(fw, base, end, KINDS(PVH_BUSY_FIXED));
}

/* A NUL-terminated string of ours (packed): in memory, at most max bytes. */
static int copy_packed_string(struct pvh_fw *fw, uint64_t pa, char *dst, size_t max,
                              const char *what, struct pvh_error *err)
{
    const char *s = (const char *)(uintptr_t)pa;
    size_t n;

    for (n = 0; n <= max && pvh_memmap_covers(&fw->map, pa + n, 1, PVH_MEMORY_TYPES); n++) {
        dst[n] = s[n];
        if (!s[n])
            return PVH_OK;
    }
    if (!n)
        return pvh_fail(err, PVH_ERANGE, "packed %s at 0x%llx: not in memory", what,
                        (unsigned long long)pa);
    return pvh_fail(err, PVH_EINVAL, "packed %s at 0x%llx: not terminated within %zu bytes",
                    what, (unsigned long long)pa, max);
}

static int place_packed_module(struct pvh_fw *fw, const struct pvh_pack_module *pm, unsigned i,
                               struct pvh_module *out, struct pvh_error *err)
{
    bool in_ram = pm->base && pm->base + pm->size >= pm->base &&
                  pvh_memmap_covers(&fw->map, pm->base, pm->size, PVH_TYPE_BIT(E820_TYPE_RAM));

    if (!in_ram || overlaps_pvhboot(fw, pm->base, pm->base + pm->size))
        return pvh_fail(err, in_ram ? PVH_EOVERLAP : PVH_ERANGE,
                        "packed module %u at 0x%llx size %llu: %s", i,
                        (unsigned long long)pm->base, (unsigned long long)pm->size,
                        in_ram ? "overlaps pvhboot" : "not in RAM");
    *out = (struct pvh_module){ .base = pm->base, .size = pm->size, .cmdline = "" };
    return PVH_OK;
}

static int read_packed_module_cmdline(struct pvh_fw *fw, const struct pvh_pack_module *pm,
                                     struct pvh_module *out, struct pvh_error *err)
{
    char *dst = fw->mod_cmdlines + fw->mod_cmdlines_used;
    size_t room = sizeof(fw->mod_cmdlines) - fw->mod_cmdlines_used;
    int rc;

    if (!pm->cmdline_pa)
        return PVH_OK;
    if (room < 2)
        return pvh_fail(err, PVH_E2BIG, "packed module cmdlines: too long in all");
    rc = copy_packed_string(fw, pm->cmdline_pa, dst, room - 1 < PVH_MODULE_CMDLINE_MAX ?
                            room - 1 : PVH_MODULE_CMDLINE_MAX, "module cmdline", err);
    if (rc)
        return rc;
    out->cmdline = dst;
    fw->mod_cmdlines_used += strlen(dst) + 1;
    return PVH_OK;
}

int pvh_fw_read_pack(struct pvh_fw *fw, const struct pvh_pack *pack, struct pvh_module *packed,
                     struct pvh_error *err)
{
    unsigned i;
    int rc;

    if (memcmp(pack->magic, PVH_PACK_MAGIC, 8) || pack->version != PVH_PACK_VERSION)
        return pvh_fail(err, PVH_EINVAL, "packed descriptor: bad magic or version %u",
                        pack->version);
    if (pack->nr_modules > PVH_PACK_MAX_MODULES)
        return pvh_fail(err, PVH_E2BIG, "packed descriptor: %u modules", pack->nr_modules);
    if ((pack->flags & PVH_PACK_KERNEL) && !pack->nr_modules)
        return pvh_fail(err, PVH_EINVAL, "packed descriptor: a kernel flagged, none packed");
    /* Every piece where it must be first, then their strings (which
     * pvhboot-pack puts after them): in a guest with too little RAM the
     * error names the piece that does not fit. */
    for (i = 0; i < pack->nr_modules; i++) {
        rc = place_packed_module(fw, &pack->modules[i], i, &packed[i], err);
        if (rc)
            return rc;
    }
    for (i = 0; i < pack->nr_modules; i++) {
        rc = read_packed_module_cmdline(fw, &pack->modules[i], &packed[i], err);
        if (rc)
            return rc;
    }
    if (pack->nr_modules)
        pvh_fw_log(fw, "packed modules: %u%s", pack->nr_modules,
                   (pack->flags & PVH_PACK_KERNEL) ? ", the first the kernel" : "");
    return PVH_OK;
}

/* Read the image's own descriptor (one read of the volatile bytes) and check it. */
static int read_pack(struct pvh_fw *fw, struct pvh_pack *pack, struct pvh_module *packed,
                     struct pvh_error *err)
{
    const volatile struct pvh_pack *vp = &pvh_pack;

    memcpy(pack, (const void *)vp, sizeof(*pack));
    return pvh_fw_read_pack(fw, pack, packed, err);
}

/* pvhboot.payload=N: a decimal module index (0 without the option). */
static int payload_index(const struct pvh_fw *fw, unsigned *n, struct pvh_error *err)
{
    const char *v;
    size_t len, i;

    *n = 0;
    if (!pvh_option(fw->boot->cmdline, "payload", &v, &len))
        return PVH_OK;
    for (i = 0; i < len && v[i] >= '0' && v[i] <= '9' && i < 9; i++)
        *n = *n * 10 + (unsigned)(v[i] - '0');
    if (!len || i != len)
        return pvh_fail(err, PVH_EINVAL, "pvhboot.payload=%.*s: not a module number (0, 1, ...)",
                        len > 32 ? 32 : (int)len, v);
    return PVH_OK;
}

/*
 * The payload is the packed kernel if there is one, else the loader's
 * module pvhboot.payload=N (default 0). Passed on, in order: the packed
 * modules, then the loader's other modules.
 */
static int choose_payload(struct pvh_fw *fw, struct pvh_error *err)
{
    static struct pvh_module packed[PVH_PACK_MAX_MODULES] PVH_NOINIT;
    static char packed_cmdline[PVH_CMDLINE_MAX + 1] PVH_LATE;
    struct pvh_pack pack;
    unsigned i, first_packed = 0, want;
    int rc;

    rc = read_pack(fw, &pack, packed, err);
    if (!rc)
        rc = payload_index(fw, &want, err);
    if (rc)
        return rc;
    if (pack.flags & PVH_PACK_KERNEL) {
        fw->payload = packed[0];
        first_packed = 1;
    } else if (!fw->boot->nr_modules) {
        return pvh_fail(err, PVH_ENOENT, "no payload: no kernel packed (modules packed: %u) and "
                        "no module from the loader", pack.nr_modules);
    } else if (want >= fw->boot->nr_modules) {
        return pvh_fail(err, PVH_EINVAL, "pvhboot.payload=%u: no module %u: the loader gave %u, "
                        "numbered from 0", want, want, fw->boot->nr_modules);
    } else {
        fw->payload = fw->boot->modules[want];
    }
    fw->payload_original = fw->payload.base;
    if (pack.nr_modules - first_packed + fw->boot->nr_modules > PVH_MODULES_MAX)
        return pvh_fail(err, PVH_E2BIG, "%u packed and %u loader modules: at most %u",
                        pack.nr_modules, fw->boot->nr_modules, PVH_MODULES_MAX);
    fw->nr_mods = 0;
    for (i = first_packed; i < pack.nr_modules; i++)
        fw->mods[fw->nr_mods++] = packed[i];
    for (i = 0; i < fw->boot->nr_modules; i++)
        if (first_packed || i != want)
            fw->mods[fw->nr_mods++] = fw->boot->modules[i];

    /* The kernel's cmdline: the loader's and the packed one as the pack's
     * cmdline mode says, without our options; our options from both. */
    if (pack.cmdline_pa) {
        rc = copy_packed_string(fw, pack.cmdline_pa, packed_cmdline, PVH_CMDLINE_MAX, "cmdline",
                                err);
        if (rc)
            return rc;
    }
    rc = pvh_pack_cmdline(pack.flags, pack.cmdline_pa ? packed_cmdline : NULL, fw->boot->cmdline,
                          fw->cmdline, sizeof(fw->cmdline), fw->options_buf,
                          sizeof(fw->options_buf), &fw->options, err);
    if (rc)
        return rc;
    fw->verbose = pvh_option_present(fw->options, "verbose");
    return PVH_OK;
}

/* --- What the payload is --------------------------------------------------- */

/* By enum pvh_payload_kind; the first four, in order, are QEMU's for an
 * image with several headers (multiboot before PVH). aligned(1): x86's
 * ABI aligns an array of 16 bytes or more to 16, padding rodata. */
static const char kind_names[][11] __attribute__((aligned(1))) = { "linux", "multiboot", "multiboot2", "pvh", "image" };
_Static_assert(PVH_PAYLOAD_LINUX == 0 && PVH_PAYLOAD_MULTIBOOT1 == 1 &&
               PVH_PAYLOAD_MULTIBOOT2 == 2 && PVH_PAYLOAD_PVH == 3 &&
               PVH_PAYLOAD_ARM64_IMAGE == 4, "kind_names' order");

/* Try one format; PVH_ENOENT when the image is not of it at all. */
static int try_kind(struct pvh_fw *fw, enum pvh_payload_kind kind, const uint8_t *img,
                    uint64_t len, struct pvh_error *err)
{
    int rc;

    switch (kind) {
    case PVH_PAYLOAD_LINUX:
        if (!pvh_bzimage_detect(img, len))
            return pvh_fail(err, PVH_ENOENT, "not a bzImage");
        return pvh_bzimage_parse(img, len, &fw->bz, err);
    case PVH_PAYLOAD_MULTIBOOT1:
    case PVH_PAYLOAD_MULTIBOOT2:
        return pvh_multiboot_find(img, len, kind, &fw->mb, err); /* the version: 1 or 2 */
    case PVH_PAYLOAD_PVH:
        if (!pvh_elf_detect(img, len))
            return pvh_fail(err, PVH_ENOENT, "not an ELF");
        rc = pvh_elf_parse(img, len, &fw->elf, err);
        if (!rc && !fw->elf.has_pvh_entry)
            return pvh_fail(err, PVH_ENOENT, "ELF without a PHYS32_ENTRY note");
        return rc;
    default:
        return pvh_fail(err, PVH_ENOENT, "no arm64 Image support on this architecture");
    }
}

/* pvhboot.format=: PVH_EINVAL for a name not known, else *forced and the kind. */
static int forced_kind(const struct pvh_fw *fw, enum pvh_payload_kind *kind, bool *forced)
{
    unsigned i;

    *forced = false;
    if (!pvh_option_present(fw->options, "format") ||
        pvh_option_is(fw->options, "format", "auto"))
        return PVH_OK;
    for (i = 0; i <= PVH_PAYLOAD_ARM64_IMAGE; i++) {
        if (pvh_option_is(fw->options, "format", kind_names[i])) {
            *kind = i;
            *forced = true;
            return PVH_OK;
        }
    }
    return PVH_EINVAL;
}

static int identify(struct pvh_fw *fw, struct pvh_error *err)
{
    const uint8_t *img = (const uint8_t *)(uintptr_t)fw->payload.base;
    uint64_t len = fw->payload.size;
    unsigned i, first = PVH_PAYLOAD_ARM64_IMAGE; /* none yet */
    uint8_t start[4] = { 0 };
    bool forced;
    int rc;

    if (forced_kind(fw, &fw->kind, &forced))
        return pvh_fail(err, PVH_EINVAL, "pvhboot.format: not auto, linux, multiboot, "
                        "multiboot2, pvh or image");
    if (forced)
        return try_kind(fw, fw->kind, img, len, err);
    for (i = PVH_PAYLOAD_LINUX; i <= PVH_PAYLOAD_PVH; i++) {
        rc = try_kind(fw, i, img, len, err);
        if (!rc) {
            fw->kind = i;
            return PVH_OK;
        }
        if (rc != PVH_ENOENT && first == PVH_PAYLOAD_ARM64_IMAGE)
            first = i; /* a malformed header: report it unless another format fits */
    }
    if (first != PVH_PAYLOAD_ARM64_IMAGE)
        return try_kind(fw, first, img, len, err); /* the same failure, for its message */
    memcpy(start, img, len < 4 ? (size_t)len : 4);
    return pvh_fail(err, PVH_EINVAL, "payload of %llu bytes: not a bzImage, multiboot or PVH "
                    "kernel (starts %02x %02x %02x %02x)", (unsigned long long)len, start[0],
                    start[1], start[2], start[3]);
}

/* --- The flow ------------------------------------------------------------------ */

int pvh_fw_start(struct pvh_fw *fw, const struct pvh_boot *boot, struct pvh_error *err)
{
    unsigned i;
    int rc;

    /* Only the counters and flags: every array is written before it is read
     * (the whole structure is hundreds of KiB; clearing it would be most of
     * the firmware's own work). */
    fw->nr_busy = fw->nr_mods = fw->nr_moves = fw->nr_copies = 0;
    fw->mod_cmdlines_used = 0;
    fw->payload_in_place = false;
    fw->late_copies = false;
    fw->late_src_limit = UINT64_MAX;
    fw->entry = 0;
    fw->boot = boot;
    fw->options = boot->cmdline;
    fw->verbose = pvh_option_present(fw->options, "verbose");
    if (boot->nr_memmap > PVH_MEMMAP_MAX)
        return pvh_fail(err, PVH_E2BIG, "memory map: %u entries", boot->nr_memmap);
    for (i = 0; i < boot->nr_memmap; i++)
        fw->regions[i] = boot->memmap[i];
    fw->map = (struct pvh_memmap){ fw->regions, boot->nr_memmap, PVH_MEMMAP_MAX };
    rc = add_busy(fw, boot->self_base, boot->self_end, PVH_BUSY_FIXED, err);
    /* All of pvhboot's memory: the image again, and the page tables for RAM
     * above 4 GiB, which the boot claimed in its map. */
    for (i = 0; !rc && i < boot->nr_memmap; i++) {
        const struct pvh_region *r = &boot->memmap[i];

        if (r->flags & PVH_REGION_PVHBOOT)
            rc = add_busy(fw, r->base, r->base + r->size, PVH_BUSY_FIXED, err);
    }
    return rc;
}

static int mark_movables(struct pvh_fw *fw, struct pvh_error *err)
{
    unsigned i;
    int rc;

    /* The payload, then the modules. */
    for (i = 0, rc = PVH_OK; !rc && i <= fw->nr_mods; i++) {
        const struct pvh_module *m = i ? &fw->mods[i - 1] : &fw->payload;

        rc = add_busy(fw, m->base, m->base + m->size, PVH_BUSY_MOVABLE, err);
    }
    return rc;
}

/* Verbose: what the payload will be told, for people and for the tests. */
static void log_handover(struct pvh_fw *fw)
{
    const struct pvh_region *map = fw->payload_map;
    unsigned n, i;

    if (!fw->verbose)
        return;
    n = pvh_fw_payload_map(fw, fw->payload_map, PVH_MEMMAP_MAX);
    for (i = 0; i < n; i++)
        pvh_fw_log(fw, "map %u 0x%llx-0x%llx type %u", i, (unsigned long long)map[i].base,
                   (unsigned long long)(map[i].base + map[i].size - 1), map[i].type);
    for (i = 0; i < fw->nr_mods; i++)
        pvh_fw_log(fw, "module %u at 0x%llx size %llu cmdline \"%pE\"", i,
                   (unsigned long long)fw->mods[i].base, (unsigned long long)fw->mods[i].size,
                   fw->mods[i].cmdline);
    pvh_fw_log(fw, "rsdp 0x%llx", (unsigned long long)fw->boot->rsdp);
}

struct pvh_fw *pvh_fw_prepare(const struct pvh_boot *boot, struct pvh_error *err)
{
    static struct pvh_fw fw_store PVH_LATE;
    struct pvh_fw *fw = PVH_OPAQUE(&fw_store);
    int rc;

    rc = pvh_fw_start(fw, boot, err);
    if (!rc)
        rc = choose_payload(fw, err);
    if (!rc)
        rc = mark_movables(fw, err);
    if (!rc)
        rc = identify(fw, err);
    if (rc)
        return NULL;
    pvh_info("fw: payload %s at 0x%llx size %llu, %u module%s, cmdline \"%pE\"",
             kind_names[fw->kind], (unsigned long long)fw->payload.base,
             (unsigned long long)fw->payload.size, fw->nr_mods, fw->nr_mods == 1 ? "" : "s",
             fw->cmdline);
    log_handover(fw);
    return fw;
}
