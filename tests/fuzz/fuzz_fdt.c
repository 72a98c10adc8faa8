/*
 * Fuzz target: the device-tree reader (common/fdt/fdt.c) and the device tree
 * to boot store steps arm64 runs (common/fdt/fdt_boot.c, with
 * common/boot/memmap.c): platform (UART, PSCI, /hypervisor), memory nodes and
 * reservations, normalisation and pvhboot's claim, /chosen.
 *
 * Input: u64 self_base, u32 self_size (pvhboot's own memory), u64 the
 * blob's physical address, then the blob, in an exactly sized buffer.
 * Seeds: QEMU virt's trees (several -m, -smp, GIC, virtualization) and
 * Xen dom0's, from tests/unit/data/.
 *
 * Checked: against libfdt, the reference reader: whatever ours accepts,
 * fdt_check_full accepts too, with the same tokens; whatever libfdt
 * accepts and ours refuses breaks one of the rules common/fdt/fdt.h lists as
 * stricter than libfdt's. (Blobs that make libfdt 1.6.1 loop forever or
 * crash, see libfdt_can_judge(), are left out of the comparison.)
 * Every token's name is terminated inside its block and every value lies
 * inside the structure block. On a tree that goes through the boot steps:
 * a well-formed map with pvhboot's memory claimed, a terminated cmdline
 * within its bound, modules of non-zero size in RAM, clear of pvhboot, of
 * the tree and of each other, with terminated cmdlines in the store. And
 * the copy arm64 keeps, cut to pvh_fdt_used_size(), reads back the same.
 * The ways to the same answers agree: pvh_fdt_walk_fast with
 * pvh_fdt_walk_next, token by token (the same tokens, state, errors); a
 * blob one byte off alignment (read byte by byte) with the aligned one;
 * and arm64's one walk (pvh_fdt_scan, then pvh_fdt_scan_memory and
 * pvh_fdt_scan_chosen) with pvh_fdt_platform, pvh_fdt_read_memory,
 * pvh_fdt_read_chosen and pvh_fdt_read_cpus run one by one.
 */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>

#include "common/fdt/fdt.h"
#include "common/fdt/fdt_boot.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/libfdt_tokens.h"

#define MAX_TOKENS 8192

static struct fdt_tok ours[MAX_TOKENS], theirs[MAX_TOKENS];
static struct pvh_boot_store st, st2;

/* Our tokens, each checked to lie inside its block; -1 if refused. */
static int our_tokens(const struct pvh_fdt *fdt, struct pvh_error *err)
{
    const uint8_t *s = fdt->blob + fdt->off_struct, *strings = fdt->blob + fdt->off_strings;
    struct pvh_fdt_walk w;
    struct pvh_fdt_token t;
    int n = 0;

    pvh_fdt_walk_start(&w, fdt);
    for (;;) {
        if (pvh_fdt_walk_next(&w, &t, err))
            return -1;
        if (t.kind == PVH_FDT_DONE)
            return n;
        FUZZ_CHECK(n < MAX_TOKENS, "more than %d tokens", MAX_TOKENS);
        FUZZ_CHECK(t.depth >= 1 && t.depth <= PVH_FDT_MAX_DEPTH, "depth %u", t.depth);
        if (t.kind == PVH_FDT_NODE) {
            const uint8_t *name = (const uint8_t *)t.name;

            FUZZ_CHECK(name > s && name < s + fdt->size_struct &&
                           memchr(name, 0, (size_t)(s + fdt->size_struct - name)),
                       "node name outside the structure block");
        } else if (t.kind == PVH_FDT_PROP) {
            const uint8_t *name = (const uint8_t *)t.name;

            FUZZ_CHECK(name >= strings && name < strings + fdt->size_strings &&
                           memchr(name, 0, (size_t)(strings + fdt->size_strings - name)),
                       "property name outside the strings block");
            FUZZ_CHECK(t.value >= s && t.value <= s + fdt->size_struct &&
                           t.len <= (size_t)(s + fdt->size_struct - t.value),
                       "property value outside the structure block");
        }
        ours[n++] = (struct fdt_tok){ t.kind, t.depth, t.name, t.value, t.len };
    }
}

/* pvh_fdt_walk_fast and pvh_fdt_walk_next in step: the same answer,
 * token, and walk after each (an error ends both alike). */
static void check_fast_walk(const struct pvh_fdt *fdt)
{
    struct pvh_fdt_walk a, b;
    struct pvh_fdt_token ta, tb;
    struct pvh_error ea, eb;
    int i, ra, rb;

    pvh_fdt_walk_start(&a, fdt);
    pvh_fdt_walk_start(&b, fdt);
    for (i = 0; i <= MAX_TOKENS; i++) {
        ra = pvh_fdt_walk_fast(&a, &ta, &ea);
        rb = pvh_fdt_walk_next(&b, &tb, &eb);
        FUZZ_CHECK(ra == rb, "token %d: fast walk %d, walk %d", i, ra, rb);
        if (ra) {
            FUZZ_CHECK(!strcmp(ea.msg, eb.msg), "token %d: '%s', walk '%s'", i, ea.msg, eb.msg);
            return;
        }
        FUZZ_CHECK(ta.kind == tb.kind && ta.name == tb.name && ta.value == tb.value &&
                       ta.len == tb.len && ta.name_len == tb.name_len && ta.depth == tb.depth &&
                       ta.offset == tb.offset,
                   "token %d differs: kind %d/%d offset 0x%x/0x%x", i, ta.kind, tb.kind, ta.offset,
                   tb.offset);
        FUZZ_CHECK(a.next == b.next && a.depth == b.depth && a.seen_root == b.seen_root &&
                       a.after_subnode == b.after_subnode,
                   "token %d: the walks differ after it", i);
        if (ta.kind == PVH_FDT_DONE)
            return;
    }
}

/* The blob one byte off 4-byte alignment: read a byte at a time, the
 * same tokens (by content) or the same error. */
static void check_unaligned(const uint8_t *blob, size_t len, int n, const char *msg)
{
    uint8_t *buf = malloc(len + 1);
    struct pvh_fdt fdt;
    struct pvh_error err;
    int m, i;

    if (!buf)
        abort();
    memcpy(buf + 1, blob, len);
    if (pvh_fdt_open(&fdt, buf + 1, len, &err)) {
        FUZZ_CHECK(n < 0 && !strcmp(err.msg, msg), "unaligned: open refuses '%s'", err.msg);
        free(buf);
        return;
    }
    FUZZ_CHECK(!fdt.words, "a blob at an odd address read as words");
    memcpy(theirs, ours, (size_t)(n > 0 ? n : 0) * sizeof(ours[0]));
    m = our_tokens(&fdt, &err);
    FUZZ_CHECK(m == n, "unaligned: %d tokens, aligned %d", m, n);
    if (m < 0)
        FUZZ_CHECK(!strcmp(err.msg, msg), "unaligned: '%s', aligned '%s'", err.msg, msg);
    for (i = 0; i < m; i++)
        FUZZ_CHECK(ours[i].kind == theirs[i].kind && ours[i].depth == theirs[i].depth &&
                       ours[i].len == theirs[i].len &&
                       (ours[i].kind == PVH_FDT_END_NODE ||
                        !strcmp(ours[i].name, theirs[i].name)) &&
                       (ours[i].kind != PVH_FDT_PROP ||
                        !memcmp(ours[i].value, theirs[i].value, ours[i].len)),
                   "unaligned: token %d differs", i);
    memcpy(ours, theirs, (size_t)(n > 0 ? n : 0) * sizeof(ours[0]));
    free(buf);
}

/* Ours and libfdt's tokens are the same (the blob has passed
 * fdt_check_full). */
static void check_same_tokens(const void *blob, int n)
{
    const char *why = "";
    int m = libfdt_tokens(blob, theirs, MAX_TOKENS, &why), d;

    FUZZ_CHECK(m >= 0, "libfdt: %s", why);
    d = fdt_tokens_first_difference(ours, n, theirs, m);
    FUZZ_CHECK(d < 0, "token %d of %d differs from libfdt's (of %d): kind %d depth %u, libfdt kind %d "
               "depth %u", d, n, m, d < n ? ours[d].kind : -1, d < n ? ours[d].depth : 0,
               d < m ? theirs[d].kind : -1, d < m ? theirs[d].depth : 0);
}

/* Blobs libfdt 1.6.1 cannot judge, which ours refuses anyway:
 *   - versions below 16 (ours needs 16): for them fdt_check_full reads the
 *     root's name through fdt_get_name, which returns NULL for a name
 *     without '/', and dereferences it;
 *   - a property length of 2^31 or more: libfdt adds it to an int offset,
 *     which wraps (0xfffffff4 back to the same token: fdt_check_full never
 *     returns). Its walk visits only 4-byte steps of the structure block,
 *     so a blob with no such FDT_PROP word there is safe. */
static bool libfdt_can_judge(const uint8_t *blob, size_t len)
{
    uint64_t off, start, end;

    if (len < 40)
        return true;
    if (pvh_be32(blob + 20) < 16)
        return false;
    start = pvh_be32(blob + 8);
    end = start + pvh_be32(blob + 36);
    if (end > len)
        end = len;
    for (off = start; off + 8 <= end; off += 4)
        if (pvh_be32(blob + off) == FDT_PROP && pvh_be32(blob + off + 4) >= 0x80000000u)
            return false;
    return true;
}

/* arm64 keeps a copy of the tree cut to pvh_fdt_used_size(), with that as
 * its totalsize: the copy must read back as the same tree. */
static void check_used_copy(const struct pvh_fdt *fdt, int n, bool judge)
{
    uint32_t used = pvh_fdt_used_size(fdt);
    uint8_t *copy = malloc(used ? used : 1);
    struct pvh_fdt cut;
    struct pvh_error err;
    int m, i;

    if (!copy)
        abort();
    FUZZ_CHECK(used >= FDT_V16_HEADER_SIZE && used <= fdt->totalsize, "used size 0x%x of 0x%x",
               used, fdt->totalsize);
    memcpy(copy, fdt->blob, used);
    pvh_put_be32(copy + 4, used);
    FUZZ_CHECK(!pvh_fdt_open(&cut, copy, used, &err), "the cut copy does not open: %s", err.msg);
    FUZZ_CHECK(cut.nr_rsv == fdt->nr_rsv, "the cut copy has %u reservations, not %u", cut.nr_rsv,
               fdt->nr_rsv);
    /* Compare by content: the copy's tokens point into the copy. */
    memcpy(theirs, ours, (size_t)n * sizeof(ours[0]));
    m = our_tokens(&cut, &err);
    FUZZ_CHECK(m == n, "the cut copy reads %d tokens, not %d (%s)", m, n, m < 0 ? err.msg : "");
    for (i = 0; i < n; i++)
        FUZZ_CHECK(ours[i].kind == theirs[i].kind && ours[i].depth == theirs[i].depth &&
                       ours[i].len == theirs[i].len &&
                       (ours[i].kind == PVH_FDT_END_NODE || !strcmp(ours[i].name, theirs[i].name)) &&
                       (ours[i].kind != PVH_FDT_PROP ||
                        !memcmp(ours[i].value, theirs[i].value, ours[i].len)),
                   "the cut copy differs at token %d", i);
    if (judge)
        FUZZ_CHECK(fdt_check_full(copy, used) == 0, "libfdt refuses the cut copy");
    free(copy);
}

static bool overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
    return a < b + b_len && b < a + a_len;
}

static void check_boot(const struct pvh_fdt *fdt, uint64_t dtb_pa)
{
    const struct pvh_boot *b = &st.boot;
    unsigned i, j;

    fuzz_check_memmap(b->memmap, b->nr_memmap, "boot memory map");
    FUZZ_CHECK(pvh_memmap_covers(&st.map, st.self_base, st.self_end - st.self_base,
                                 PVH_TYPE_BIT(E820_TYPE_RAM)),
               "pvhboot's own memory is not RAM");
    FUZZ_CHECK(b->cmdline == st.cmdline && fuzz_terminated(st.cmdline, sizeof(st.cmdline)) &&
                   b->cmdline_len == strlen(st.cmdline),
               "cmdline");
    FUZZ_CHECK(b->nr_modules <= PVH_MODULES_MAX, "%u modules", b->nr_modules);
    for (i = 0; i < b->nr_modules; i++) {
        const struct pvh_module *m = &b->modules[i];

        FUZZ_CHECK(m->size && m->base + m->size > m->base, "module %u: empty or wrapping", i);
        FUZZ_CHECK(pvh_memmap_covers(&st.map, m->base, m->size, PVH_TYPE_BIT(E820_TYPE_RAM)),
                   "module %u not in RAM", i);
        FUZZ_CHECK(!overlap(m->base, m->size, st.self_base, st.self_end - st.self_base),
                   "module %u overlaps pvhboot", i);
        FUZZ_CHECK(!overlap(m->base, m->size, dtb_pa, fdt->totalsize),
                   "module %u overlaps the tree", i);
        for (j = 0; j < i; j++)
            FUZZ_CHECK(!overlap(m->base, m->size, b->modules[j].base, b->modules[j].size),
                       "modules %u and %u overlap", i, j);
        FUZZ_CHECK(!m->cmdline[0] ||
                       (m->cmdline >= st.module_cmdlines &&
                        m->cmdline < st.module_cmdlines + PVH_MODULE_CMDLINES_ALL &&
                        memchr(m->cmdline, 0, (size_t)(st.module_cmdlines +
                                                       PVH_MODULE_CMDLINES_ALL - m->cmdline))),
                   "module %u cmdline outside the store", i);
        FUZZ_CHECK(strlen(m->cmdline) <= PVH_MODULE_CMDLINE_MAX, "module %u cmdline too long", i);
    }
}

/* The identity map's plan: sorted, disjoint, page-aligned ranges, and
 * the first page of every no-map range (outside the kept tree) unmapped. */
static void check_map_plan(uint64_t keep, uint32_t keep_size)
{
    static struct pvh_map_plan plan;
    struct pvh_error err;
    uint64_t keep_end = keep + keep_size < keep ? ~0ull : keep + keep_size;
    unsigned i, j;

    FUZZ_CHECK(!pvh_fdt_map_plan(st.raw, st.nr_raw, keep, keep_end, &plan, &err), "plan: %s",
               err.msg);
    for (i = 0; i < plan.nr; i++) {
        const struct pvh_map_range *r = &plan.ranges[i];

        FUZZ_CHECK(r->base < r->end && !(r->base % 4096) && !(r->end % 4096), "range %u", i);
        FUZZ_CHECK(!i || plan.ranges[i - 1].end <= r->base, "range %u not after the last", i);
    }
    for (j = 0; j < st.nr_raw; j++) {
        uint64_t page = st.raw[j].base & ~4095ull;

        if (!(st.raw[j].flags & PVH_FDT_REGION_NO_MAP) || !st.raw[j].size ||
            (keep_end > keep && page < keep_end && (keep & ~4095ull) <= page))
            continue;
        for (i = 0; i < plan.nr; i++)
            if (plan.ranges[i].base <= page && page < plan.ranges[i].end)
                FUZZ_CHECK(plan.ranges[i].kind == PVH_MAP_NONE, "no-map page 0x%llx mapped",
                           (unsigned long long)page);
    }
}

static bool same_error(int a, const struct pvh_error *ea, int b, const struct pvh_error *eb)
{
    return a == b && (!a || !strcmp(ea->msg, eb->msg));
}

/* The store st2 after pvh_fdt_scan's steps agrees with st after the
 * readers one by one (rc, err: theirs at each step). */
static void check_scan_memory(const struct pvh_fdt *fdt, const struct pvh_fdt_scan *sc, int rc,
                              const struct pvh_error *err)
{
    struct pvh_error e2;
    int rc2 = pvh_fdt_scan_memory(fdt, sc, &st2, &e2);
    unsigned i;

    FUZZ_CHECK(same_error(rc, err, rc2, &e2), "memory: scan %d '%s', read %d '%s'", rc2, e2.msg,
               rc, err->msg);
    if (rc)
        return;
    FUZZ_CHECK(st2.nr_raw == st.nr_raw, "memory: scan %u ranges, read %u", st2.nr_raw, st.nr_raw);
    for (i = 0; i < st.nr_raw; i++)
        FUZZ_CHECK(!memcmp(&st2.raw[i], &st.raw[i], sizeof(st.raw[i])), "memory: range %u differs", i);
}

static void check_scan_chosen(const struct pvh_fdt *fdt, const struct pvh_fdt_scan *sc,
                              uint64_t dtb_pa, int rc, const struct pvh_error *err)
{
    struct pvh_error e2;
    int rc2 = pvh_fdt_scan_chosen(fdt, sc, &st2, dtb_pa, &e2);
    unsigned i;

    FUZZ_CHECK(same_error(rc, err, rc2, &e2), "chosen: scan %d '%s', read %d '%s'", rc2, e2.msg,
               rc, err->msg);
    if (rc)
        return;
    FUZZ_CHECK(!strcmp(st2.cmdline, st.cmdline), "chosen: the cmdlines differ");
    FUZZ_CHECK(st2.boot.nr_modules == st.boot.nr_modules, "chosen: %u modules, read %u",
               st2.boot.nr_modules, st.boot.nr_modules);
    for (i = 0; i < st.boot.nr_modules; i++)
        FUZZ_CHECK(st2.modules[i].base == st.modules[i].base &&
                       st2.modules[i].size == st.modules[i].size &&
                       !strcmp(st2.modules[i].cmdline, st.modules[i].cmdline),
                   "chosen: module %u differs", i);
}

static void check_scan_cpus(const struct pvh_fdt *fdt, const struct pvh_fdt_scan *sc,
                            const struct pvh_fdt_cpus *cpus)
{
    static struct pvh_fdt_cpus want;
    struct pvh_error err;
    int rc = pvh_fdt_read_cpus(fdt, 0, &want, &err);
    unsigned i;

    FUZZ_CHECK(same_error(rc, &err, sc->cpus_rc, &sc->cpus_err), "cpus: scan %d '%s', read %d '%s'",
               sc->cpus_rc, sc->cpus_err.msg, rc, err.msg);
    FUZZ_CHECK(cpus->nr == want.nr && cpus->found == want.found &&
                   cpus->not_psci == want.not_psci && cpus->psci_cpu_on == want.psci_cpu_on &&
                   (!want.not_psci || cpus->not_psci_first == want.not_psci_first),
               "cpus: the counts differ");
    for (i = 0; i < want.nr; i++)
        FUZZ_CHECK(!memcmp(&cpus->cpus[i], &want.cpus[i], sizeof(want.cpus[i])), "cpus: %u differs",
                   i);
}

static void boot_steps(const struct pvh_fdt *fdt, uint64_t self_base, uint64_t self_size,
                       uint64_t dtb_pa)
{
    static struct pvh_fdt_cpus cpus;
    struct pvh_fdt_platform p;
    struct pvh_fdt_scan sc;
    struct pvh_error err, e2;
    int rc, rc2;

    rc = pvh_fdt_platform(fdt, &p, &err);
    FUZZ_CHECK(rc == PVH_OK || fuzz_terminated(err.msg, sizeof(err.msg)), "message");
    /* The one walk: what the platform reader says, errors included. */
    memset(&st2, 0xa5, sizeof(st2));
    pvh_boot_store_init(&st2, self_base, self_base + self_size);
    rc2 = pvh_fdt_scan(fdt, &st2, 0, &cpus, &sc, &e2);
    FUZZ_CHECK(same_error(rc, &err, rc2, &e2), "scan %d '%s', platform %d '%s'", rc2, e2.msg, rc,
               err.msg);
    if (rc)
        return;
    FUZZ_CHECK(sc.platform.uart == p.uart && sc.platform.uart_base == p.uart_base &&
                   sc.platform.uart_from_stdout_path == p.uart_from_stdout_path &&
                   sc.platform.psci == p.psci && sc.platform.xen_node == p.xen_node,
               "scan: the platform differs");
    check_scan_cpus(fdt, &sc, &cpus);
    FUZZ_CHECK(p.uart != PVH_UART_NONE || !p.uart_from_stdout_path, "stdout-path without a UART");
    memset(&st, 0xa5, sizeof(st));
    pvh_boot_store_init(&st, self_base, self_base + self_size);
    st.boot.loader = PVH_LOADER_FDT;
    rc = pvh_fdt_read_memory(fdt, &st, &err);
    FUZZ_CHECK(rc || st.nr_raw <= PVH_MEMMAP_IN_MAX, "%u raw ranges", st.nr_raw);
    check_scan_memory(fdt, &sc, rc, &err);
    if (!rc)
        check_map_plan(dtb_pa, fdt->totalsize);
    if (!rc) {
        rc = pvh_boot_set_memmap(&st, &err);
        rc2 = pvh_boot_set_memmap(&st2, &e2);
        FUZZ_CHECK(same_error(rc, &err, rc2, &e2), "set_memmap after the scan differs");
    }
    if (!rc) {
        rc = pvh_fdt_read_chosen(fdt, &st, dtb_pa, &err);
        check_scan_chosen(fdt, &sc, dtb_pa, rc, &err);
    }
    if (rc) {
        FUZZ_CHECK(rc < 0 && rc >= PVH_ENOENT && err.code == rc, "rc %d", rc);
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");
        return;
    }
    pvh_boot_finish(&st);
    check_boot(fdt, dtb_pa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint64_t self_base = fuzz_u64(&in), self_size = fuzz_u32(&in), dtb_pa = fuzz_u64(&in);
    size_t len = in.left;
    uint8_t *blob = malloc(len ? len : 1);
    struct pvh_error err;
    struct pvh_fdt fdt;
    bool theirs_ok, judge;
    int n = -1;

    if (!blob)
        abort();
    memcpy(blob, in.p, len);
    if (!pvh_fdt_open(&fdt, blob, len, &err)) {
        check_fast_walk(&fdt);
        n = our_tokens(&fdt, &err);
    }
    check_unaligned(blob, len, n, err.msg);
    judge = libfdt_can_judge(blob, len);
    theirs_ok = judge && len >= sizeof(struct fdt_header) && fdt_check_full(blob, len) == 0;
    if (n >= 0) {
        FUZZ_CHECK(theirs_ok || !judge, "our reader accepts what libfdt refuses");
        if (judge)
            check_same_tokens(blob, n);
        check_used_copy(&fdt, n, judge);
        if (self_size && self_base + self_size > self_base)
            boot_steps(&fdt, self_base, self_size, dtb_pa);
    } else {
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");
        FUZZ_CHECK(!theirs_ok || fdt_stricter_rule(err.msg), "libfdt accepts, we refuse: %s", err.msg);
    }
    free(blob);
    return 0;
}
