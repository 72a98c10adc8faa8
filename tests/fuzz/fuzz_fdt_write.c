/*
 * Fuzz target: the device-tree writer and the /chosen rewrite
 * (common/fdt/fdt_write.c), read back with our reader and with libfdt.
 *
 * Input: u8 mode. Mode even, the writer: u16 buffer size, u8 reservation
 * entries and their (address, size) pairs, then operations until the
 * input ends (u8 kind: begin a node with a name, add a property with a
 * name and a value, end a node; names are u8 length and bytes, values
 * u16 length and bytes). Mode odd, the rewrite: u16 destination size,
 * u8 flags (bit 0: bootargs, bit 1: an initrd), u64 initrd start and
 * end, u8 bootargs length and bytes, then a device tree (seeds: QEMU
 * virt's and Xen dom0's trees, with modules under /chosen).
 *
 * Checked, for the writer: it succeeds exactly when the operations are
 * well nested and the blob they make fits the buffer, and then the blob
 * is exactly that long, never written past, and reads back (ours and
 * libfdt's fdt_check_full) as the same tokens whenever the operations
 * make a tree the reader's rules allow, and is refused when they do not.
 * For the rewrite: it succeeds exactly when the result fits, and the
 * result reads back, in both readers, as the source with /chosen edited
 * as common/fdt/fdt.h documents, computed here token by token. Its two
 * ways (the source copied in runs, pvh_fdt_rewrite_chosen; the writer's,
 * pvh_fdt_rewrite_chosen_tokens) give the same answer: the same error,
 * or the same size and tokens; and a destination one byte off alignment
 * (the writer's way) gives the same again.
 */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "common/fdt/fdt.h"
#include "tests/fuzz/fuzz.h"

#define MAX_TOKENS 8192
#define NAME_MAX_LEN 40
#define VALUE_MAX_LEN 2048

struct tok {
    int kind; /* enum pvh_fdt_kind */
    unsigned depth;
    const char *name;
    const uint8_t *value;
    uint32_t len;
};

static struct tok want[MAX_TOKENS], got[MAX_TOKENS], src[MAX_TOKENS];
static char names[MAX_TOKENS][NAME_MAX_LEN + 1];

static uint64_t pad4(uint64_t v)
{
    return (v + 3) & ~(uint64_t)3;
}

/* The bytes the writer needs for these tokens: header, reservation map
 * with terminator, structure block with FDT_END, shared property names. */
static uint64_t blob_size(const struct tok *t, int n, unsigned nr_rsv)
{
    uint64_t size = FDT_HEADER_SIZE + (uint64_t)(nr_rsv + 1) * FDT_RSV_ENTRY_SIZE + 4;
    int i, j;

    for (i = 0; i < n; i++) {
        if (t[i].kind == PVH_FDT_NODE) {
            size += 4 + pad4(strlen(t[i].name) + 1);
        } else if (t[i].kind == PVH_FDT_END_NODE) {
            size += 4;
        } else {
            size += 12 + pad4(t[i].len);
            for (j = 0; j < i; j++)
                if (t[j].kind == PVH_FDT_PROP && !strcmp(t[j].name, t[i].name))
                    break;
            if (j == i)
                size += strlen(t[i].name) + 1;
        }
    }
    return size;
}

/* Our reader's tokens of a blob; -1 when it refuses it. */
static int read_tokens(const uint8_t *blob, size_t len, struct tok *out)
{
    struct pvh_fdt fdt;
    struct pvh_fdt_walk w;
    struct pvh_fdt_token t;
    struct pvh_error err;
    int n = 0;

    if (pvh_fdt_open(&fdt, blob, len, &err))
        return -1;
    pvh_fdt_walk_start(&w, &fdt);
    for (;;) {
        if (pvh_fdt_walk_next(&w, &t, &err))
            return -1;
        if (t.kind == PVH_FDT_DONE)
            return n;
        FUZZ_CHECK(n < MAX_TOKENS, "too many tokens");
        out[n++] = (struct tok){ t.kind, t.depth, t.name, t.value, t.len };
    }
}

static void check_same(const struct tok *a, int n, const struct tok *b, int m, const char *what)
{
    int i;

    FUZZ_CHECK(n == m, "%s: %d tokens, expected %d", what, m, n);
    for (i = 0; i < n; i++) {
        FUZZ_CHECK(a[i].kind == b[i].kind && a[i].depth == b[i].depth,
                   "%s: token %d is kind %d depth %u, expected kind %d depth %u", what, i,
                   b[i].kind, b[i].depth, a[i].kind, a[i].depth);
        if (a[i].kind != PVH_FDT_END_NODE)
            FUZZ_CHECK(!strcmp(a[i].name, b[i].name), "%s: token %d named \"%s\", expected \"%s\"",
                       what, i, b[i].name, a[i].name);
        if (a[i].kind == PVH_FDT_PROP)
            FUZZ_CHECK(a[i].len == b[i].len && (!a[i].len || !memcmp(a[i].value, b[i].value, a[i].len)),
                       "%s: token %d (%s) has another value", what, i, a[i].name);
    }
}

/* ---- the writer ------------------------------------------------------------ */

/* Would the reader accept a tree of these tokens? (common/fdt/fdt.h's rules) */
static bool reader_allows(const struct tok *t, int n, unsigned nr_rsv_read)
{
    bool after_subnode[PVH_FDT_MAX_DEPTH + 2] = { false };
    int i, roots = 0;

    if (nr_rsv_read > PVH_FDT_MAX_RSV)
        return false;
    for (i = 0; i < n; i++) {
        if (t[i].depth > PVH_FDT_MAX_DEPTH)
            return false;
        if (t[i].kind == PVH_FDT_NODE) {
            if (t[i].depth == 1 && (roots++ || t[i].name[0]))
                return false;
            after_subnode[t[i].depth - 1] = true;
            after_subnode[t[i].depth] = false;
        } else if (t[i].kind == PVH_FDT_PROP && after_subnode[t[i].depth]) {
            return false;
        }
    }
    return roots == 1;
}

static const char *take_name(struct fuzz_in *in, int i)
{
    size_t n;
    const uint8_t *p = fuzz_bytes(in, fuzz_u8(in) % (NAME_MAX_LEN + 1), &n);

    memcpy(names[i], p, n);
    names[i][n] = '\0'; /* a NUL inside the bytes ends the name earlier: fine */
    return names[i];
}

static void writer(struct fuzz_in *in)
{
    uint64_t rsv[80][2];
    struct pvh_fdt_writer w;
    struct pvh_error err;
    size_t size = fuzz_u16(in);
    uint8_t *buf = malloc(size ? size : 1), *copy;
    unsigned nr_rsv = fuzz_u8(in) % 80, nr_rsv_read, i;
    int n = 0, rc, depth = 0, m;
    bool nesting_ok = true;
    uint32_t total = 0;

    if (!buf)
        abort();
    for (i = 0; i < nr_rsv; i++) {
        rsv[i][0] = fuzz_u64(in);
        rsv[i][1] = fuzz_u64(in);
    }
    for (nr_rsv_read = 0; nr_rsv_read < nr_rsv; nr_rsv_read++)
        if (!rsv[nr_rsv_read][0] && !rsv[nr_rsv_read][1])
            break; /* the reader stops at the first (0, 0) */
    rc = pvh_fdt_writer_init(&w, buf, size, (const uint64_t(*)[2])rsv, nr_rsv, &err);
    while (in->left && n < MAX_TOKENS - 1) {
        uint8_t kind = fuzz_u8(in) % 3;
        size_t vl;

        if (kind == 0) {
            want[n] = (struct tok){ PVH_FDT_NODE, (unsigned)++depth, take_name(in, n), NULL, 0 };
            pvh_fdt_begin_node(&w, want[n].name, &err);
        } else if (kind == 1) {
            want[n] = (struct tok){ PVH_FDT_PROP, (unsigned)depth, take_name(in, n), NULL, 0 };
            want[n].value = fuzz_bytes(in, fuzz_u16(in) % (VALUE_MAX_LEN + 1), &vl);
            want[n].len = (uint32_t)vl;
            pvh_fdt_property(&w, want[n].name, want[n].value, want[n].len, &err);
            nesting_ok &= depth > 0;
        } else {
            want[n] = (struct tok){ PVH_FDT_END_NODE, (unsigned)depth, NULL, NULL, 0 };
            pvh_fdt_end_node(&w, &err);
            nesting_ok &= depth > 0;
            depth -= depth > 0;
        }
        n++;
        if (!nesting_ok)
            break; /* the writer refuses from here on */
    }
    nesting_ok &= depth == 0;
    rc = rc ? rc : pvh_fdt_finish(&w, &total, &err);
    if (!nesting_ok) {
        FUZZ_CHECK(rc == PVH_EINVAL || rc == PVH_ENOMEM, "badly nested operations: rc %d", rc);
        free(buf);
        return;
    }
    if (blob_size(want, n, nr_rsv) > size) {
        FUZZ_CHECK(rc == PVH_ENOMEM, "a blob of %llu bytes in %zu: rc %d",
                   (unsigned long long)blob_size(want, n, nr_rsv), size, rc);
        free(buf);
        return;
    }
    FUZZ_CHECK(rc == PVH_OK, "a blob of %llu bytes in %zu failed: %s",
               (unsigned long long)blob_size(want, n, nr_rsv), size, err.msg);
    FUZZ_CHECK(total == blob_size(want, n, nr_rsv), "totalsize %u, expected %llu", total,
               (unsigned long long)blob_size(want, n, nr_rsv));
    copy = malloc(total);
    if (!copy)
        abort();
    memcpy(copy, buf, total);
    m = read_tokens(copy, total, got);
    if (reader_allows(want, n, nr_rsv_read)) {
        FUZZ_CHECK(m >= 0, "our reader refuses what the writer wrote");
        check_same(want, n, got, m, "writer");
        FUZZ_CHECK(fdt_check_full(copy, total) == 0, "libfdt refuses what the writer wrote: %d",
                   fdt_check_full(copy, total));
    } else {
        FUZZ_CHECK(m < 0, "our reader accepts a tree its rules refuse");
    }
    free(copy);
    free(buf);
}

/* ---- the /chosen rewrite ------------------------------------------------------ */

static bool named(const struct tok *t, const char *s)
{
    return t->name && !strcmp(t->name, s);
}

static bool replaced(const struct tok *t)
{
    return named(t, "bootargs") || named(t, "linux,initrd-start") || named(t, "linux,initrd-end");
}

static bool has_compatible(const uint8_t *v, uint32_t len, const char *s)
{
    uint32_t at = 0, n = (uint32_t)strlen(s) + 1;

    while (at < len) {
        const uint8_t *nul = memchr(v + at, 0, len - at);

        if (!nul)
            return false;
        if ((uint32_t)(nul - v) + 1 - at == n && !memcmp(v + at, s, n))
            return true;
        at = (uint32_t)(nul - v) + 1;
    }
    return false;
}

/* Does the node opened at src[i] carry compatible "multiboot,module"? */
static bool module_node(int i, int n)
{
    for (i++; i < n && src[i].kind == PVH_FDT_PROP; i++)
        if (named(&src[i], "compatible") && has_compatible(src[i].value, src[i].len, "multiboot,module"))
            return true;
    return false;
}

static uint8_t cell_start[8], cell_end[8];

static int emit_chosen_props(int k, const struct pvh_fdt_chosen *c, unsigned depth)
{
    if (c->bootargs)
        want[k++] = (struct tok){ PVH_FDT_PROP, depth, "bootargs", (const uint8_t *)c->bootargs,
                                  (uint32_t)strlen(c->bootargs) + 1 };
    if (c->initrd_end > c->initrd_start) {
        for (int b = 0; b < 8; b++) {
            cell_start[b] = (uint8_t)(c->initrd_start >> (56 - 8 * b));
            cell_end[b] = (uint8_t)(c->initrd_end >> (56 - 8 * b));
        }
        want[k++] = (struct tok){ PVH_FDT_PROP, depth, "linux,initrd-start", cell_start, 8 };
        want[k++] = (struct tok){ PVH_FDT_PROP, depth, "linux,initrd-end", cell_end, 8 };
    }
    return k;
}

/* The documented edit, token by token: in each /chosen (a depth-2 node
 * named "chosen") drop bootargs and the initrd properties and every
 * "multiboot,module" child; give the first /chosen the new properties
 * after its own; add /chosen at the end of the root when there is none. */
static int expected_rewrite(int n, const struct pvh_fdt_chosen *c)
{
    int i, k = 0;
    bool in_chosen = false, written = false;
    unsigned skip = 0;

    for (i = 0; i < n; i++) {
        const struct tok *t = &src[i];

        FUZZ_CHECK(k < MAX_TOKENS - 8, "too many tokens");
        if (skip) {
            if (t->kind == PVH_FDT_END_NODE && t->depth == skip)
                skip = 0;
            continue;
        }
        if (t->kind == PVH_FDT_NODE && in_chosen && t->depth == 3) {
            if (!written)
                k = emit_chosen_props(k, c, 2);
            written = true;
            if (module_node(i, n)) {
                skip = 3;
                continue;
            }
        }
        if (t->kind == PVH_FDT_NODE && t->depth == 2 && named(t, "chosen"))
            in_chosen = true;
        if (t->kind == PVH_FDT_END_NODE && t->depth == 2 && in_chosen) {
            if (!written)
                k = emit_chosen_props(k, c, 2);
            written = true;
            in_chosen = false;
        }
        if (t->kind == PVH_FDT_END_NODE && t->depth == 1 && !written) {
            want[k++] = (struct tok){ PVH_FDT_NODE, 2, "chosen", NULL, 0 };
            k = emit_chosen_props(k, c, 2);
            want[k++] = (struct tok){ PVH_FDT_END_NODE, 2, NULL, NULL, 0 };
            written = true;
        }
        if (t->kind == PVH_FDT_PROP && in_chosen && t->depth == 2 && replaced(t))
            continue;
        want[k++] = *t;
    }
    return k;
}

/* The writer's way, into an aligned and a misaligned buffer, against
 * pvh_fdt_rewrite_chosen's answer (rc, total, err; on success its blob
 * read back as want[0..k)). */
static void compare_ways(const struct pvh_fdt *fdt, const struct pvh_fdt_chosen *c, size_t size,
                         int rc, uint32_t total, const struct pvh_error *err, int k)
{
    uint8_t *dst = malloc(size + 1);
    struct pvh_error e2;
    uint32_t total2 = 0;
    int off, rc2, m;

    if (!dst)
        abort();
    for (off = 0; off < 2; off++) {
        rc2 = pvh_fdt_rewrite_chosen_tokens(fdt, c, dst + off, size, &total2, &e2);
        FUZZ_CHECK(rc2 == rc, "the writer's way: rc %d, the copy's %d", rc2, rc);
        if (rc) {
            FUZZ_CHECK(!strcmp(e2.msg, err->msg), "the writer's way: '%s', the copy's '%s'",
                       e2.msg, err->msg);
            continue;
        }
        FUZZ_CHECK(total2 == total, "the writer's way: totalsize %u, the copy's %u", total2, total);
        m = read_tokens(dst + off, total2, got);
        FUZZ_CHECK(m >= 0, "our reader refuses the writer's way");
        check_same(want, k, got, m, "the writer's way");
    }
    free(dst);
}

static void rewrite(struct fuzz_in *in)
{
    struct pvh_fdt_chosen c = { NULL, 0, 0 };
    struct pvh_fdt fdt, out;
    struct pvh_error err;
    size_t size = fuzz_u16(in), blen, alen;
    uint8_t flags = fuzz_u8(in), *blob, *dst;
    char bootargs[256];
    const uint8_t *p;
    uint32_t total = 0, i;
    int n, k, m, rc;

    c.initrd_start = fuzz_u64(in);
    c.initrd_end = fuzz_u64(in);
    if (!(flags & 2))
        c.initrd_start = c.initrd_end = 0;
    p = fuzz_bytes(in, fuzz_u8(in), &alen);
    memcpy(bootargs, p, alen);
    bootargs[alen] = '\0';
    if (flags & 1)
        c.bootargs = bootargs;
    p = fuzz_bytes(in, in->left, &blen);
    blob = malloc(blen ? blen : 1);
    dst = malloc(size ? size : 1);
    if (!blob || !dst)
        abort();
    memcpy(blob, p, blen);
    n = read_tokens(blob, blen, src);
    if (n < 0 || pvh_fdt_open(&fdt, blob, blen, &err))
        goto out;
    k = expected_rewrite(n, &c);
    rc = pvh_fdt_rewrite_chosen(&fdt, &c, dst, size, &total, &err);
    if (blob_size(want, k, fdt.nr_rsv) > size) {
        FUZZ_CHECK(rc == PVH_ENOMEM, "a result of %llu bytes in %zu: rc %d",
                   (unsigned long long)blob_size(want, k, fdt.nr_rsv), size, rc);
        compare_ways(&fdt, &c, size, rc, total, &err, k);
        goto out;
    }
    FUZZ_CHECK(rc == PVH_OK, "rewrite into %zu bytes (%llu needed) failed: %s", size,
               (unsigned long long)blob_size(want, k, fdt.nr_rsv), err.msg);
    FUZZ_CHECK(total == blob_size(want, k, fdt.nr_rsv), "totalsize %u", total);
    m = read_tokens(dst, total, got);
    FUZZ_CHECK(m >= 0, "our reader refuses the rewritten tree");
    check_same(want, k, got, m, "rewrite");
    FUZZ_CHECK(fdt_check_full(dst, total) == 0, "libfdt refuses the rewritten tree: %d",
               fdt_check_full(dst, total));
    FUZZ_CHECK(!pvh_fdt_open(&out, dst, total, &err) && out.nr_rsv == fdt.nr_rsv,
               "the reservation map changed");
    for (i = 0; i < fdt.nr_rsv; i++) {
        uint64_t a, b, x, y;

        pvh_fdt_rsv(&fdt, i, &a, &b);
        pvh_fdt_rsv(&out, i, &x, &y);
        FUZZ_CHECK(a == x && b == y, "reservation %u changed", i);
    }
    compare_ways(&fdt, &c, size, rc, total, &err, k);
out:
    free(blob);
    free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };

    if (fuzz_u8(&in) & 1)
        rewrite(&in);
    else
        writer(&in);
    return 0;
}
