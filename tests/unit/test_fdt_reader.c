/*
 * common/fdt/fdt.c, common/fdt/fdt_write.c and common/fdt/fdt_boot.c: every rule the
 * FDT reader checks, the writer, and the device tree to boot store
 * steps (one by one, and as arm64's one walk gives them). Blobs are
 * built with the writer, then broken on purpose, and always handed over
 * in a heap buffer of exactly their size, so ASan reports any read past
 * the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>

#include "common/boot/boot_store.h"
#include "common/fdt/fdt.h"
#include "common/fdt/fdt_boot.h"
#include "common/fdt/fdt_cpus.h"
#include "tests/unit/support.h"

#define BUF 8192
#define SELF_BASE 0x40200000ull
#define SELF_END 0x40300000ull

static uint8_t *blob;    /* the last blob built, exactly sized */
static uint32_t blob_len;
static struct pvh_error err;

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void cells(uint8_t *p, const uint32_t *v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        be32(p + 4 * i, v[i]);
}

static void prop_u32(struct pvh_fdt_writer *w, const char *name, uint32_t v)
{
    uint8_t b[4];

    be32(b, v);
    assert_int_equal(pvh_fdt_property(w, name, b, 4, &err), 0);
}

static void prop_str(struct pvh_fdt_writer *w, const char *name, const char *s)
{
    assert_int_equal(pvh_fdt_property(w, name, s, (uint32_t)strlen(s) + 1, &err), 0);
}

static void prop_cells(struct pvh_fdt_writer *w, const char *name, const uint32_t *v, unsigned n)
{
    uint8_t b[64];

    cells(b, v, n);
    assert_int_equal(pvh_fdt_property(w, name, b, 4 * n, &err), 0);
}

/* Keep the writer's output as an exactly sized heap blob. */
static void take(uint8_t *buf, uint32_t total)
{
    free(blob);
    blob = malloc(total);
    assert_non_null(blob);
    memcpy(blob, buf, total);
    blob_len = total;
}

/*
 * The standard tree: a QEMU-like machine.
 *   / { #address-cells = 2; #size-cells = 2;
 *       memory@40000000 { reg = <0x40000000 1 GiB>; device_type = "memory"; }   (reg first, as QEMU)
 *       reserved-memory { #address-cells 2, #size-cells 2, ranges; fw@50000000 { reg; } }
 *       pl011@9000000 { reg; compatible = "arm,pl011", "arm,primecell"; }
 *       psci { compatible; method = "hvc"; }
 *       chosen { bootargs; linux,initrd-start/end; stdout-path; #address-cells 2; #size-cells 2;
 *                module@1 { compatible "multiboot,kernel", "multiboot,module"; reg; bootargs } } }
 *   /memreserve/ 0x48000000 0x1000
 */
struct tree_opts {
    const char *bootargs;            /* NULL: none */
    uint32_t initrd[2];              /* start, end (32-bit cells); 0, 0: none */
    uint32_t module_base;            /* 0: no module node */
    uint32_t module_size;
    bool hypervisor;
};

static void build_tree(const struct tree_opts *o)
{
    static uint8_t buf[BUF];
    const uint64_t rsv[1][2] = { { 0x48000000, 0x1000 } };
    struct pvh_fdt_writer w;
    uint32_t total;

    assert_int_equal(pvh_fdt_writer_init(&w, buf, sizeof(buf), rsv, 1, &err), 0);
    pvh_fdt_begin_node(&w, "", &err);
    prop_u32(&w, "#address-cells", 2);
    prop_u32(&w, "#size-cells", 2);
    pvh_fdt_begin_node(&w, "memory@40000000", &err);
    prop_cells(&w, "reg", (const uint32_t[]){ 0, 0x40000000, 0, 0x40000000 }, 4);
    prop_str(&w, "device_type", "memory");
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_begin_node(&w, "reserved-memory", &err);
    prop_u32(&w, "#address-cells", 2);
    prop_u32(&w, "#size-cells", 2);
    pvh_fdt_property(&w, "ranges", NULL, 0, &err);
    pvh_fdt_begin_node(&w, "fw@50000000", &err);
    prop_cells(&w, "reg", (const uint32_t[]){ 0, 0x50000000, 0, 0x200000 }, 4);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_begin_node(&w, "pl011@9000000", &err);
    prop_cells(&w, "reg", (const uint32_t[]){ 0, 0x9000000, 0, 0x1000 }, 4);
    pvh_fdt_property(&w, "compatible", "arm,pl011\0arm,primecell", 24, &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_begin_node(&w, "psci", &err);
    prop_str(&w, "compatible", "arm,psci-1.0");
    prop_str(&w, "method", "hvc");
    pvh_fdt_end_node(&w, &err);
    if (o->hypervisor) {
        pvh_fdt_begin_node(&w, "hypervisor", &err);
        pvh_fdt_property(&w, "compatible", "xen,xen-4.17\0xen,xen", 21, &err);
        pvh_fdt_end_node(&w, &err);
    }
    pvh_fdt_begin_node(&w, "chosen", &err);
    if (o->bootargs)
        prop_str(&w, "bootargs", o->bootargs);
    if (o->initrd[0] || o->initrd[1]) {
        prop_u32(&w, "linux,initrd-start", o->initrd[0]);
        prop_u32(&w, "linux,initrd-end", o->initrd[1]);
    }
    prop_str(&w, "stdout-path", "/pl011@9000000");
    prop_u32(&w, "#address-cells", 2);
    prop_u32(&w, "#size-cells", 2);
    if (o->module_base) {
        pvh_fdt_begin_node(&w, "module@1", &err);
        pvh_fdt_property(&w, "compatible", "multiboot,kernel\0multiboot,module", 34, &err);
        prop_cells(&w, "reg", (const uint32_t[]){ 0, o->module_base, 0, o->module_size }, 4);
        prop_str(&w, "bootargs", "module words");
        pvh_fdt_end_node(&w, &err);
    }
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
}

static void build_default(void)
{
    struct tree_opts o = { .bootargs = "console=ttyAMA0 quiet", .initrd = { 0x48100000, 0x48100400 },
                           .module_base = 0x49000000, .module_size = 0x1234 };

    build_tree(&o);
}

/* Header fields, by byte offset. */
#define H_TOTALSIZE 4
#define H_OFF_STRUCT 8
#define H_OFF_STRINGS 12
#define H_OFF_RSVMAP 16
#define H_VERSION 20
#define H_SIZE_STRINGS 32
#define H_SIZE_STRUCT 36

static uint32_t hdr(unsigned off)
{
    return pvh_be32(blob + off);
}

static int open_and_check(void)
{
    struct pvh_fdt fdt;
    int rc = pvh_fdt_open(&fdt, blob, blob_len, &err);

    return rc ? rc : pvh_fdt_check(&fdt, &err);
}

static int teardown(void **state)
{
    (void)state;
    free(blob);
    blob = NULL;
    return 0;
}

/* ---- the reader's rules ------------------------------------------------- */

static void accepts_the_writers_tree(void **state)
{
    (void)state;
    build_default();
    assert_int_equal(open_and_check(), 0);
}

/* Free space after the blocks (QEMU pads to 1 MiB) is not "used"; the
 * trimmed copy pvhboot keeps opens and reads the same. */
static void used_size_leaves_out_free_space(void **state)
{
    struct pvh_fdt fdt;
    uint32_t used;
    uint8_t *padded;

    (void)state;
    build_default();
    used = blob_len;
    assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
    assert_int_equal(pvh_fdt_used_size(&fdt), used);
    padded = calloc(1, used + 0x10000);
    memcpy(padded, blob, used);
    be32(padded + H_TOTALSIZE, used + 0x10000);
    assert_int_equal(pvh_fdt_open(&fdt, padded, used + 0x10000, &err), 0);
    assert_int_equal(pvh_fdt_used_size(&fdt), used);
    /* Blocks in another order: the strings block first, the structure last. */
    be32(padded + H_OFF_STRINGS, used + 0x100);
    memcpy(padded + used + 0x100, blob + hdr(H_OFF_STRINGS), hdr(H_SIZE_STRINGS));
    assert_int_equal(pvh_fdt_open(&fdt, padded, used + 0x10000, &err), 0);
    assert_int_equal(pvh_fdt_used_size(&fdt), used + 0x100 + hdr(H_SIZE_STRINGS));
    free(padded);
}

static void rejects_bad_magic(void **state)
{
    (void)state;
    build_default();
    blob[0] = 0xd0 ^ 1;
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt magic: 0xd10dfeed, expected 0xd00dfeed");
}

static void rejects_buffer_smaller_than_header(void **state)
{
    struct pvh_fdt fdt;

    (void)state;
    build_default();
    assert_error(pvh_fdt_open(&fdt, blob, 20, &err), &err, PVH_EINVAL,
                 "fdt: 20 bytes, smaller than a header");
}

static void rejects_totalsize_beyond_buffer(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_TOTALSIZE, blob_len + 1);
    assert_error(open_and_check(), &err, PVH_ERANGE, "fdt totalsize: ");
}

static void rejects_totalsize_smaller_than_header(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_TOTALSIZE, 39);
    assert_error(open_and_check(), &err, PVH_ERANGE, "fdt totalsize: 0x27");
}

static void rejects_old_version(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_VERSION, 15);
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt version: 15");
}

/* Found by fuzzing against libfdt (tests/fuzz/fuzz_fdt.c): a blob cannot
 * be compatible forward, with a later version than its own. */
static void rejects_last_compatible_version_above_version(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_VERSION, 16);
    be32(blob + 24, 17); /* last_comp_version */
    assert_error(open_and_check(), &err, PVH_EINVAL,
                 "fdt last compatible version: 17, above its version 16");
}

static void rejects_struct_block_outside_blob(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_SIZE_STRUCT, blob_len - hdr(H_OFF_STRUCT) + 4);
    assert_error(open_and_check(), &err, PVH_ERANGE, "fdt: structure block outside the blob");
}

static void rejects_struct_offset_past_end(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_OFF_STRUCT, 0xfffffff0);
    assert_error(open_and_check(), &err, PVH_ERANGE, "fdt: structure block outside the blob");
}

static void rejects_strings_block_outside_blob(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_SIZE_STRINGS, 0xffffffff);
    assert_error(open_and_check(), &err, PVH_ERANGE, "fdt: strings block outside the blob");
}

static void rejects_rsvmap_offset_outside_blob(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_OFF_RSVMAP, blob_len + 8);
    assert_error(open_and_check(), &err, PVH_ERANGE, "fdt: memory reservation map offset outside");
}

static void rejects_rsvmap_without_terminator(void **state)
{
    (void)state;
    build_default();
    /* The map starts 16 bytes before the end: one entry fits, no terminator. */
    be32(blob + H_OFF_RSVMAP, blob_len - 16);
    memset(blob + blob_len - 16, 0xff, 16);
    assert_error(open_and_check(), &err, PVH_EINVAL, "memory reservation map has no terminator");
}

static void rejects_unaligned_struct_block(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_OFF_STRUCT, hdr(H_OFF_STRUCT) + 2);
    be32(blob + H_SIZE_STRUCT, hdr(H_SIZE_STRUCT) - 2);
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt: structure block not 4-byte aligned");
}

/* The structure block cut after the root's BEGIN_NODE and the first byte
 * of a node name (no NUL before the block ends). */
static void rejects_unterminated_node_name(void **state)
{
    uint32_t s;

    (void)state;
    build_default();
    s = hdr(H_OFF_STRUCT);
    /* root: tag(4) name ""(4) props... find "memory@40000000" and cut inside it */
    for (uint32_t i = s; i + 6 < blob_len; i++)
        if (!memcmp(blob + i, "memory@", 7)) {
            be32(blob + H_SIZE_STRUCT, i + 3 - s);
            break;
        }
    assert_error(open_and_check(), &err, PVH_EINVAL, "not terminated in the structure block");
}

static void rejects_unterminated_property_name(void **state)
{
    (void)state;
    build_default();
    /* The strings block loses its last byte: the last name has no NUL. */
    be32(blob + H_SIZE_STRINGS, hdr(H_SIZE_STRINGS) - 1);
    assert_error(open_and_check(), &err, PVH_EINVAL, "not terminated in the strings block");
}

/* The first property of the root: its token offset in the blob. */
static uint32_t first_prop(void)
{
    return hdr(H_OFF_STRUCT) + 8; /* BEGIN_NODE, "" padded */
}

static void rejects_name_offset_outside_strings(void **state)
{
    (void)state;
    build_default();
    be32(blob + first_prop() + 8, hdr(H_SIZE_STRINGS));
    assert_error(open_and_check(), &err, PVH_ERANGE, "name offset outside the strings block");
}

static void rejects_property_longer_than_block(void **state)
{
    (void)state;
    build_default();
    be32(blob + first_prop() + 4, hdr(H_SIZE_STRUCT));
    assert_error(open_and_check(), &err, PVH_EINVAL, "runs past the structure block");
}

static void rejects_huge_property_length(void **state)
{
    (void)state;
    build_default();
    be32(blob + first_prop() + 4, 0xfffffffc);
    assert_error(open_and_check(), &err, PVH_EINVAL, "value of 4294967292 bytes runs past");
}

static void rejects_unknown_token(void **state)
{
    (void)state;
    build_default();
    be32(blob + first_prop(), 7);
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt: unknown token 0x7");
}

static void rejects_missing_end_token(void **state)
{
    (void)state;
    build_default();
    be32(blob + H_SIZE_STRUCT, hdr(H_SIZE_STRUCT) - 4); /* FDT_END falls outside */
    assert_error(open_and_check(), &err, PVH_EINVAL, "structure block ends without FDT_END");
}

static void rejects_end_node_with_nothing_open(void **state)
{
    (void)state;
    build_default();
    be32(blob + hdr(H_OFF_STRUCT), FDT_END_NODE);
    assert_error(open_and_check(), &err, PVH_EINVAL, "FDT_END_NODE with no node open");
}

static void build_nested(unsigned depth)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total;
    unsigned i;

    assert_int_equal(pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err), 0);
    for (i = 0; i < depth; i++)
        pvh_fdt_begin_node(&w, i ? "n" : "", &err);
    for (i = 0; i < depth; i++)
        pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
}

static void accepts_nesting_at_the_bound(void **state)
{
    (void)state;
    build_nested(PVH_FDT_MAX_DEPTH);
    assert_int_equal(open_and_check(), 0);
}

static void rejects_nesting_deeper_than_the_bound(void **state)
{
    (void)state;
    build_nested(PVH_FDT_MAX_DEPTH + 1);
    assert_error(open_and_check(), &err, PVH_E2BIG, "fdt: nodes nested deeper than 32");
}

static void rejects_property_after_subnode(void **state)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total;

    (void)state;
    pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err);
    pvh_fdt_begin_node(&w, "", &err);
    pvh_fdt_begin_node(&w, "child", &err);
    pvh_fdt_end_node(&w, &err);
    prop_u32(&w, "late", 1);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt: property after a subnode");
}

static void rejects_second_root(void **state)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total;

    (void)state;
    pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err);
    pvh_fdt_begin_node(&w, "", &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_begin_node(&w, "", &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt: a second root node");
}

/* The root and an empty child, in a blob of exactly their size:
 * BEGIN_NODE "" | BEGIN_NODE "child" | END_NODE | END_NODE | END. */
static void build_root_and_child(const char *root_name)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total;

    pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err);
    pvh_fdt_begin_node(&w, root_name, &err);
    pvh_fdt_begin_node(&w, "child", &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
}

/* Found by fuzzing against libfdt (tests/fuzz/fuzz_fdt.c): the root node
 * is "/", with an empty name; libfdt refuses any other. */
static void rejects_named_root_node(void **state)
{
    (void)state;
    build_root_and_child("");
    assert_int_equal(open_and_check(), 0);
    build_root_and_child("x");
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt: the root node has a name at 0x0");
}

/* Found by fuzzing against libfdt: only FDT_END may follow the root
 * node; NOPs inside the tree stay allowed. Words of the structure block:
 * 0-1 the root's BEGIN_NODE and name, 2-5 the child, 6 the root's
 * END_NODE, 7 FDT_END. */
static void rejects_nop_after_root_node(void **state)
{
    uint32_t s, i;

    (void)state;
    build_root_and_child("");
    s = hdr(H_OFF_STRUCT);
    for (i = 2; i < 6; i++) /* the child becomes NOPs inside the root */
        be32(blob + s + 4 * i, FDT_NOP);
    assert_int_equal(open_and_check(), 0);
    be32(blob + s + 4 * 2, FDT_END_NODE); /* the root ends at once, then NOPs */
    be32(blob + s + 4 * 6, FDT_NOP);
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt: FDT_NOP after the root node at 0xc");
}

/* Found by fuzzing against libfdt: a property before the root node
 * belongs to no node (libfdt 1.6.1 lets it pass). The root's property,
 * words 2-5 of the structure block, moves in front of the root. */
static void rejects_property_before_root_node(void **state)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total, s, words[4];

    (void)state;
    pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err);
    pvh_fdt_begin_node(&w, "", &err);
    pvh_fdt_property(&w, "x", "abc", 4, &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
    assert_int_equal(open_and_check(), 0);
    s = hdr(H_OFF_STRUCT);
    assert_int_equal(pvh_be32(blob + s), FDT_BEGIN_NODE);
    assert_int_equal(pvh_be32(blob + s + 8), FDT_PROP);
    memcpy(words, blob + s + 8, sizeof(words));
    memmove(blob + s + 16, blob + s, 8); /* BEGIN_NODE and the empty name */
    memcpy(blob + s, words, sizeof(words));
    assert_error(open_and_check(), &err, PVH_EINVAL, "fdt: property outside any node at 0x0");
}

/* Found with clang-tidy (tests/lint/): the header's size counted n + 1
 * reservation entries in 32 bits, so n = UINT_MAX wrapped to an empty map,
 * passed the room check and the entries were written past the buffer. */
static void writer_refuses_reservation_count_that_wraps(void **state)
{
    uint8_t *buf = malloc(64);
    const uint64_t rsv[1][2] = { { 0x48000000, 0x1000 } };
    struct pvh_fdt_writer w;

    (void)state;
    assert_non_null(buf);
    assert_error(pvh_fdt_writer_init(&w, buf, 64, rsv, UINT_MAX, &err), &err, PVH_ENOMEM,
                 "fdt writer: no room for the header in 0x40 bytes");
    free(buf);
}

static void writer_refuses_overflow(void **state)
{
    uint8_t buf[64];
    struct pvh_fdt_writer w;

    (void)state;
    assert_int_equal(pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err), 0);
    pvh_fdt_begin_node(&w, "", &err);
    assert_error(pvh_fdt_property(&w, "a-long-property-name", "0123456789", 10, &err), &err,
                 PVH_ENOMEM, "fdt writer: no room");
}

/* ---- device tree to boot store ------------------------------------------ */

static struct pvh_boot_store *st;

static int setup_store(void **state)
{
    (void)state;
    st = calloc(1, sizeof(*st));
    assert_non_null(st);
    pvh_boot_store_init(st, SELF_BASE, SELF_END);
    return 0;
}

static int teardown_store(void **state)
{
    free(st);
    return teardown(state);
}

static int load(uint64_t dtb_pa)
{
    struct pvh_fdt fdt;
    int rc = pvh_fdt_open(&fdt, blob, blob_len, &err);

    if (!rc)
        rc = pvh_fdt_read_memory(&fdt, st, &err);
    if (!rc)
        rc = pvh_boot_set_memmap(st, &err);
    if (!rc)
        rc = pvh_fdt_read_chosen(&fdt, st, dtb_pa, &err);
    if (!rc)
        pvh_boot_finish(st);
    return rc;
}

static void platform_finds_console_psci_hypervisor(void **state)
{
    struct tree_opts o = { .hypervisor = true };
    struct pvh_fdt_platform p;
    struct pvh_fdt fdt;

    (void)state;
    build_tree(&o);
    assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
    assert_int_equal(pvh_fdt_platform(&fdt, &p, &err), 0);
    assert_int_equal(p.uart, PVH_UART_PL011);
    assert_int_equal(p.uart_base, 0x9000000);
    assert_true(p.uart_from_stdout_path);
    assert_int_equal(p.psci, PVH_PSCI_HVC);
    assert_true(p.xen_node);
    build_default();
    assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
    assert_int_equal(pvh_fdt_platform(&fdt, &p, &err), 0);
    assert_false(p.xen_node);
}

static void fills_cmdline_initrd_modules_memory(void **state)
{
    const struct pvh_boot *b = &st->boot;

    (void)state;
    build_default();
    assert_int_equal(load(0x48000000), 0);
    assert_string_equal(b->cmdline, "console=ttyAMA0 quiet");
    assert_int_equal(b->nr_modules, 2);
    assert_int_equal(b->modules[0].base, 0x48100000);
    assert_int_equal(b->modules[0].size, 0x400);
    assert_string_equal(b->modules[0].cmdline, "");
    assert_int_equal(b->modules[1].base, 0x49000000);
    assert_int_equal(b->modules[1].size, 0x1234);
    assert_string_equal(b->modules[1].cmdline, "module words");
    /* 1 GiB less /memreserve/ (one page) and the reserved-memory child (2 MiB). */
    assert_int_equal(pvh_boot_ram_total(b), 0x40000000ull - 0x1000 - 0x200000);
    assert_true(pvh_memmap_covers(&st->map, 0x48000000, 0x1000, PVH_TYPE_BIT(E820_TYPE_RESERVED)));
    assert_true(pvh_memmap_covers(&st->map, 0x50000000, 0x200000, PVH_TYPE_BIT(E820_TYPE_RESERVED)));
}

static void equal_initrd_start_and_end_mean_none(void **state)
{
    struct tree_opts o = { .bootargs = "", .initrd = { 0x48100000, 0x48100000 } };

    (void)state;
    build_tree(&o);
    assert_int_equal(load(0x48000000), 0);
    assert_int_equal(st->boot.nr_modules, 0);
    assert_string_equal(st->boot.cmdline, "");
}

static void rejects_initrd_ending_before_it_starts(void **state)
{
    struct tree_opts o = { .initrd = { 0x48100000, 0x48000000 } };

    (void)state;
    build_tree(&o);
    assert_error(load(0x48000000), &err, PVH_ERANGE, "initrd ends before it starts");
}

static void rejects_module_overlapping_pvhboot(void **state)
{
    struct tree_opts o = { .module_base = 0x402ff000, .module_size = 0x2000 };

    (void)state;
    build_tree(&o);
    assert_error(load(0x48000000), &err, PVH_EOVERLAP,
                 "module 0 at 0x402ff000-0x40300fff: overlaps pvhboot 0x40200000-0x402fffff");
}

static void rejects_module_outside_ram(void **state)
{
    struct tree_opts o = { .module_base = 0x9000000, .module_size = 0x100 };

    (void)state;
    build_tree(&o);
    assert_error(load(0x48000000), &err, PVH_ERANGE, "module 0 at 0x9000000 size 256: not in RAM");
}

static void rejects_module_overlapping_the_tree(void **state)
{
    struct tree_opts o = { .module_base = 0x49000000, .module_size = 0x100 };

    (void)state;
    build_tree(&o);
    assert_error(load(0x49000080), &err, PVH_EOVERLAP, "overlaps the device tree at 0x49000080");
}

static void rejects_unterminated_bootargs(void **state)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total;

    (void)state;
    pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err);
    pvh_fdt_begin_node(&w, "", &err);
    pvh_fdt_begin_node(&w, "memory@40000000", &err);
    prop_str(&w, "device_type", "memory");
    prop_cells(&w, "reg", (const uint32_t[]){ 0, 0x40000000, 0x40000000 }, 3);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_begin_node(&w, "chosen", &err);
    pvh_fdt_property(&w, "bootargs", "abc", 3, &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
    /* Default cells (2, 1) for the memory node's reg. */
    assert_error(load(0x48000000), &err, PVH_EINVAL, "/chosen/bootargs: not a NUL-terminated string");
}

static void rejects_tree_without_memory(void **state)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total;

    (void)state;
    pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err);
    pvh_fdt_begin_node(&w, "", &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
    assert_error(load(0x48000000), &err, PVH_ENOENT, "fdt: no /memory node with RAM");
}

/* arm64's one walk (pvh_fdt_scan, then pvh_fdt_scan_memory,
 * pvh_fdt_set_memmap and pvh_fdt_scan_chosen) fills a store as load()
 * does; and reads the same blob one byte off alignment. */
static void scan_gives_what_the_readers_give(void **state)
{
    static struct pvh_fdt_cpus cpus;
    struct pvh_boot_store *st2 = calloc(1, sizeof(*st2));
    struct pvh_fdt_scan sc;
    struct pvh_fdt fdt;
    unsigned i, pass;
    uint8_t *odd;

    (void)state;
    assert_non_null(st2);
    build_default();
    odd = malloc(blob_len + 1);
    assert_non_null(odd);
    assert_int_equal(load(0x48000000), 0);
    memcpy(odd + 1, blob, blob_len);
    for (pass = 0; pass < 2; pass++) {
        pvh_boot_store_init(st2, SELF_BASE, SELF_END);
        assert_int_equal(pvh_fdt_open(&fdt, pass ? odd + 1 : blob, blob_len, &err), 0);
        assert_int_equal(fdt.words, !pass);
        assert_int_equal(pvh_fdt_scan(&fdt, st2, 0, &cpus, &sc, &err), 0);
        assert_int_equal(sc.platform.uart, PVH_UART_PL011);
        assert_int_equal(sc.platform.uart_base, 0x9000000);
        assert_true(sc.platform.uart_from_stdout_path);
        assert_int_equal(sc.platform.psci, PVH_PSCI_HVC);
        /* No /cpus in this tree: the reader's answer, kept for later. */
        assert_int_equal(sc.cpus_rc, PVH_ENOENT);
        assert_string_equal(sc.cpus_err.msg, "fdt: no /cpus node");
        assert_int_equal(pvh_fdt_scan_memory(&fdt, &sc, st2, &err), 0);
        assert_int_equal(st2->nr_raw, st->nr_raw);
        for (i = 0; i < st->nr_raw; i++)
            assert_memory_equal(&st2->raw[i], &st->raw[i], sizeof(st->raw[i]));
        assert_int_equal(pvh_boot_set_memmap(st2, &err), 0);
        assert_int_equal(pvh_fdt_scan_chosen(&fdt, &sc, st2, 0x48000000, &err), 0);
        assert_string_equal(st2->cmdline, st->cmdline);
        assert_int_equal(st2->boot.nr_modules, st->boot.nr_modules);
        for (i = 0; i < st->boot.nr_modules; i++) {
            assert_int_equal(st2->modules[i].base, st->modules[i].base);
            assert_int_equal(st2->modules[i].size, st->modules[i].size);
            assert_string_equal(st2->modules[i].cmdline, st->modules[i].cmdline);
        }
    }
    free(odd);
    free(st2);
}

/* An error the memory reader finds is kept for its step, and the walk
 * still reads the rest (the console). */
static void scan_keeps_the_memory_error_for_its_step(void **state)
{
    static uint8_t buf[BUF];
    struct pvh_boot_store *st2 = calloc(1, sizeof(*st2));
    struct pvh_fdt_writer w;
    struct pvh_fdt_scan sc;
    struct pvh_fdt fdt;
    uint32_t total;

    (void)state;
    assert_non_null(st2);
    pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err);
    pvh_fdt_begin_node(&w, "", &err);
    pvh_fdt_begin_node(&w, "memory@40000000", &err);
    prop_str(&w, "device_type", "memory");
    prop_cells(&w, "reg", (const uint32_t[]){ 0, 0x40000000, 0x40000000, 0 }, 4);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_begin_node(&w, "pl011@9000000", &err);
    prop_cells(&w, "reg", (const uint32_t[]){ 0, 0x9000000, 0x1000 }, 3);
    prop_str(&w, "compatible", "arm,pl011");
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    take(buf, total);
    pvh_boot_store_init(st2, SELF_BASE, SELF_END);
    assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
    assert_int_equal(pvh_fdt_scan(&fdt, st2, 0, NULL, &sc, &err), 0);
    assert_int_equal(sc.platform.uart, PVH_UART_PL011);
    assert_int_equal(sc.platform.uart_base, 0x9000000);
    assert_error(pvh_fdt_scan_memory(&fdt, &sc, st2, &err), &err, PVH_EINVAL,
                 "fdt: /memory@40000000: reg of 16 bytes is not a list of 12-byte entries");
    assert_error(pvh_fdt_read_memory(&fdt, st2, &err), &err, PVH_EINVAL,
                 "fdt: /memory@40000000: reg of 16 bytes is not a list of 12-byte entries");
    free(st2);
}

/* The console among more UARTs than the walk keeps before it knows
 * stdout-path (/chosen comes last): the one named, wherever it is. */
static void console_named_among_many_uarts(void **state)
{
    static uint8_t buf[BUF];
    unsigned named, i;

    (void)state;
    for (named = 0; named < 12; named += 11) {
        struct pvh_fdt_writer w;
        struct pvh_fdt_platform p;
        struct pvh_fdt fdt;
        uint32_t total;
        char name[32], path[40];

        pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err);
        pvh_fdt_begin_node(&w, "", &err);
        for (i = 0; i < 12; i++) {
            snprintf(name, sizeof(name), "pl011@%x", 0x9000000 + i * 0x1000);
            pvh_fdt_begin_node(&w, name, &err);
            prop_cells(&w, "reg", (const uint32_t[]){ 0, 0x9000000 + i * 0x1000, 0x1000 }, 3);
            prop_str(&w, "compatible", i % 2 ? "arm,sbsa-uart" : "arm,pl011");
            pvh_fdt_end_node(&w, &err);
        }
        pvh_fdt_begin_node(&w, "chosen", &err);
        snprintf(path, sizeof(path), "/pl011@%x:115200n8", 0x9000000 + named * 0x1000);
        prop_str(&w, "stdout-path", path);
        pvh_fdt_end_node(&w, &err);
        pvh_fdt_end_node(&w, &err);
        assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
        take(buf, total);
        assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
        assert_int_equal(pvh_fdt_platform(&fdt, &p, &err), 0);
        assert_int_equal(p.uart_base, 0x9000000 + named * 0x1000);
        assert_int_equal(p.uart, named % 2 ? PVH_UART_SBSA : PVH_UART_PL011);
        assert_true(p.uart_from_stdout_path);
    }
}

/* A strings block whose last byte is not a NUL: names are checked one by
 * one, and one that ends there is refused. */
static void strings_block_without_a_final_nul(void **state)
{
    struct pvh_fdt fdt;
    struct pvh_fdt_platform p;
    uint8_t *b;

    (void)state;
    build_default();
    /* One more byte, 'x', behind the strings block, counted in it. */
    b = malloc(blob_len + 1);
    assert_non_null(b);
    memcpy(b, blob, blob_len);
    b[blob_len] = 'x';
    be32(b + H_SIZE_STRINGS, hdr(H_SIZE_STRINGS) + 1);
    be32(b + H_TOTALSIZE, blob_len + 1);
    take(b, blob_len + 1);
    free(b);
    assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
    assert_false(fdt.strings_end_nul);
    assert_int_equal(pvh_fdt_check(&fdt, &err), 0);
    assert_int_equal(pvh_fdt_platform(&fdt, &p, &err), 0);
    assert_int_equal(p.uart_base, 0x9000000);
    /* A property named by that last byte: no NUL before the block ends. */
    be32(blob + hdr(H_OFF_STRUCT) + 4 + 4 + 8, hdr(H_SIZE_STRINGS) - 1);
    assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
    assert_error(pvh_fdt_check(&fdt, &err), &err, PVH_EINVAL,
                 "not terminated in the strings block");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(accepts_the_writers_tree, teardown),
        cmocka_unit_test_teardown(used_size_leaves_out_free_space, teardown),
        cmocka_unit_test_teardown(rejects_bad_magic, teardown),
        cmocka_unit_test_teardown(rejects_buffer_smaller_than_header, teardown),
        cmocka_unit_test_teardown(rejects_totalsize_beyond_buffer, teardown),
        cmocka_unit_test_teardown(rejects_totalsize_smaller_than_header, teardown),
        cmocka_unit_test_teardown(rejects_old_version, teardown),
        cmocka_unit_test_teardown(rejects_last_compatible_version_above_version, teardown),
        cmocka_unit_test_teardown(rejects_struct_block_outside_blob, teardown),
        cmocka_unit_test_teardown(rejects_struct_offset_past_end, teardown),
        cmocka_unit_test_teardown(rejects_strings_block_outside_blob, teardown),
        cmocka_unit_test_teardown(rejects_rsvmap_offset_outside_blob, teardown),
        cmocka_unit_test_teardown(rejects_rsvmap_without_terminator, teardown),
        cmocka_unit_test_teardown(rejects_unaligned_struct_block, teardown),
        cmocka_unit_test_teardown(rejects_unterminated_node_name, teardown),
        cmocka_unit_test_teardown(rejects_unterminated_property_name, teardown),
        cmocka_unit_test_teardown(rejects_name_offset_outside_strings, teardown),
        cmocka_unit_test_teardown(rejects_property_longer_than_block, teardown),
        cmocka_unit_test_teardown(rejects_huge_property_length, teardown),
        cmocka_unit_test_teardown(rejects_unknown_token, teardown),
        cmocka_unit_test_teardown(rejects_missing_end_token, teardown),
        cmocka_unit_test_teardown(rejects_end_node_with_nothing_open, teardown),
        cmocka_unit_test_teardown(accepts_nesting_at_the_bound, teardown),
        cmocka_unit_test_teardown(rejects_nesting_deeper_than_the_bound, teardown),
        cmocka_unit_test_teardown(rejects_property_after_subnode, teardown),
        cmocka_unit_test_teardown(rejects_second_root, teardown),
        cmocka_unit_test_teardown(rejects_named_root_node, teardown),
        cmocka_unit_test_teardown(rejects_nop_after_root_node, teardown),
        cmocka_unit_test_teardown(rejects_property_before_root_node, teardown),
        cmocka_unit_test_teardown(writer_refuses_overflow, teardown),
        cmocka_unit_test_teardown(writer_refuses_reservation_count_that_wraps, teardown),
        cmocka_unit_test_setup_teardown(platform_finds_console_psci_hypervisor, setup_store,
                                        teardown_store),
        cmocka_unit_test_setup_teardown(fills_cmdline_initrd_modules_memory, setup_store,
                                        teardown_store),
        cmocka_unit_test_setup_teardown(equal_initrd_start_and_end_mean_none, setup_store,
                                        teardown_store),
        cmocka_unit_test_setup_teardown(rejects_initrd_ending_before_it_starts, setup_store,
                                        teardown_store),
        cmocka_unit_test_setup_teardown(scan_gives_what_the_readers_give, setup_store,
                                        teardown_store),
        cmocka_unit_test_teardown(scan_keeps_the_memory_error_for_its_step, teardown),
        cmocka_unit_test_teardown(console_named_among_many_uarts, teardown),
        cmocka_unit_test_teardown(strings_block_without_a_final_nul, teardown),
        cmocka_unit_test_setup_teardown(rejects_module_overlapping_pvhboot, setup_store,
                                        teardown_store),
        cmocka_unit_test_setup_teardown(rejects_module_outside_ram, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(rejects_module_overlapping_the_tree, setup_store,
                                        teardown_store),
        cmocka_unit_test_setup_teardown(rejects_unterminated_bootargs, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(rejects_tree_without_memory, setup_store, teardown_store),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
