/*
 * common/fdt/fdt_cpus.c: the CPUs of /cpus and whether /psci has CPU_ON.
 * Trees are built with the writer in QEMU's property order (reg and
 * enable-method before device_type, a cpu-map before the CPUs), then
 * varied one rule at a time; the real trees of tests/unit/data/ are
 * read as well. Every blob is handed over in a heap buffer of exactly
 * its size, so ASan reports any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fdt/fdt.h"
#include "common/fdt/fdt_cpus.h"
#include "tests/unit/support.h"

#define BUF 16384
#define ABSENT (-1)

struct cpu_spec {
    uint32_t reg[2];         /* one or two cells (reg_cells) */
    unsigned reg_cells;      /* 0: no reg */
    const char *device_type; /* NULL: none */
    const char *method;      /* NULL: none */
    const char *status;      /* NULL: none */
};

struct tree_spec {
    int addr_cells, size_cells;   /* of /cpus; ABSENT: not given */
    const char *psci_compat;      /* NULL: no /psci */
    unsigned psci_compat_len;     /* with the NULs of a list; 0: strlen + 1 */
    struct cpu_spec cpu[24];
    unsigned nr;
    bool no_cpus_node, second_cpus_node;
};

static uint8_t *blob;
static uint32_t blob_len;
static struct pvh_fdt fdt;
static struct pvh_fdt_cpus out;
static struct pvh_error err;

static const char PSCI_1_0[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";

static void prop_u32(struct pvh_fdt_writer *w, const char *name, uint32_t v)
{
    uint8_t b[4];

    pvh_put_be32(b, v);
    assert_int_equal(pvh_fdt_property(w, name, b, 4, &err), 0);
}

static void prop_str(struct pvh_fdt_writer *w, const char *name, const char *s)
{
    assert_int_equal(pvh_fdt_property(w, name, s, (uint32_t)strlen(s) + 1, &err), 0);
}

/* A QEMU-like CPU: reg = <index>, enable-method "psci", device_type "cpu". */
static struct cpu_spec qemu_cpu(uint32_t mpidr)
{
    return (struct cpu_spec){ .reg = { mpidr }, .reg_cells = 1, .device_type = "cpu",
                              .method = "psci" };
}

/* /cpus { #address-cells 1; #size-cells 0; cpu-map {...}; cpu@0..n-1 }, psci 1.0 */
static struct tree_spec qemu_tree(unsigned n)
{
    struct tree_spec t = { .addr_cells = 1, .size_cells = 0, .psci_compat = PSCI_1_0,
                           .psci_compat_len = sizeof(PSCI_1_0), .nr = n };

    for (unsigned i = 0; i < n; i++)
        t.cpu[i] = qemu_cpu(i);
    return t;
}

static void write_cpus_node(struct pvh_fdt_writer *w, const struct tree_spec *t)
{
    char name[32];

    pvh_fdt_begin_node(w, "cpus", &err);
    if (t->size_cells != ABSENT)
        prop_u32(w, "#size-cells", (uint32_t)t->size_cells);
    if (t->addr_cells != ABSENT)
        prop_u32(w, "#address-cells", (uint32_t)t->addr_cells);
    /* cpu-map: nodes without device_type, one level deeper too. */
    pvh_fdt_begin_node(w, "cpu-map", &err);
    pvh_fdt_begin_node(w, "cluster0", &err);
    pvh_fdt_begin_node(w, "core0", &err);
    prop_u32(w, "cpu", 0x8000);
    pvh_fdt_end_node(w, &err);
    pvh_fdt_end_node(w, &err);
    pvh_fdt_end_node(w, &err);
    for (unsigned i = 0; i < t->nr; i++) {
        const struct cpu_spec *c = &t->cpu[i];

        snprintf(name, sizeof(name), "cpu@%x", i);
        pvh_fdt_begin_node(w, name, &err);
        if (c->reg_cells) {
            uint8_t b[8];

            pvh_put_be32(b, c->reg[0]);
            pvh_put_be32(b + 4, c->reg[1]);
            assert_int_equal(pvh_fdt_property(w, "reg", b, 4 * c->reg_cells, &err), 0);
        }
        if (c->method)
            prop_str(w, "enable-method", c->method);
        prop_str(w, "compatible", "arm,cortex-a57");
        if (c->status)
            prop_str(w, "status", c->status);
        if (c->device_type)
            prop_str(w, "device_type", c->device_type);
        pvh_fdt_end_node(w, &err);
    }
    pvh_fdt_end_node(w, &err);
}

static void build(const struct tree_spec *t)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total;

    assert_int_equal(pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err), 0);
    pvh_fdt_begin_node(&w, "", &err);
    prop_u32(&w, "#address-cells", 2);
    prop_u32(&w, "#size-cells", 2);
    if (t->psci_compat) {
        pvh_fdt_begin_node(&w, "psci", &err);
        pvh_fdt_property(&w, "compatible", t->psci_compat,
                         t->psci_compat_len ? t->psci_compat_len
                                            : (uint32_t)strlen(t->psci_compat) + 1, &err);
        prop_str(&w, "method", "hvc");
        pvh_fdt_end_node(&w, &err);
    }
    if (!t->no_cpus_node)
        write_cpus_node(&w, t);
    if (t->second_cpus_node)
        write_cpus_node(&w, t);
    pvh_fdt_begin_node(&w, "chosen", &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    free(blob);
    blob = malloc(total);
    assert_non_null(blob);
    memcpy(blob, buf, total);
    blob_len = total;
    assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
}

static int read_cpus(const struct tree_spec *t, uint64_t boot)
{
    build(t);
    return pvh_fdt_read_cpus(&fdt, boot, &out, &err);
}

static void assert_hwids(const uint64_t *want, unsigned n)
{
    assert_int_equal(out.nr, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(out.cpus[i].hwid, want[i]);
        assert_int_equal(out.cpus[i].flags, i == 0 ? PVH_CPU_BOOT : 0);
        assert_int_equal(out.cpus[i].acpi_id, 0);
    }
}

static int teardown(void **state)
{
    (void)state;
    free(blob);
    blob = NULL;
    return 0;
}

/* ---- what is read ---------------------------------------------------------- */

static void lists_qemu_cpus_boot_first(void **state)
{
    struct tree_spec t = qemu_tree(4);

    (void)state;
    assert_int_equal(read_cpus(&t, 0), 0);
    assert_hwids((const uint64_t[]){ 0, 1, 2, 3 }, 4);
    assert_int_equal(out.found, 4);
    assert_int_equal(out.not_psci, 0);
    assert_true(out.psci_cpu_on);
}

static void moves_boot_cpu_first_keeps_tree_order(void **state)
{
    struct tree_spec t = qemu_tree(4);

    (void)state;
    assert_int_equal(read_cpus(&t, 2), 0);
    assert_hwids((const uint64_t[]){ 2, 0, 1, 3 }, 4);
}

static void reads_two_cell_reg_with_aff3(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.addr_cells = 2;
    t.cpu[0] = (struct cpu_spec){ .reg = { 0x1, 0x00010203 }, .reg_cells = 2,
                                  .device_type = "cpu", .method = "psci" };
    t.cpu[1] = (struct cpu_spec){ .reg = { 0xff, 0x00ffffff }, .reg_cells = 2,
                                  .device_type = "cpu", .method = "psci" };
    assert_int_equal(read_cpus(&t, 0x100010203ull), 0);
    assert_hwids((const uint64_t[]){ 0x100010203ull, 0xff00ffffffull }, 2);
}

static void skips_disabled_cpus_accepts_okay_and_ok(void **state)
{
    struct tree_spec t = qemu_tree(4);

    (void)state;
    t.cpu[1].status = "disabled";
    t.cpu[2].status = "ok";
    t.cpu[3].status = "okay";
    assert_int_equal(read_cpus(&t, 0), 0);
    assert_hwids((const uint64_t[]){ 0, 2, 3 }, 3);
    assert_int_equal(out.found, 3);
}

static void ignores_nodes_that_are_not_cpus(void **state)
{
    struct tree_spec t = qemu_tree(3);

    (void)state;
    t.cpu[1].device_type = "cache"; /* an l2-cache node, say */
    t.cpu[2].device_type = NULL;    /* and one with no type at all */
    t.cpu[2].reg_cells = 0;
    assert_int_equal(read_cpus(&t, 0), 0);
    assert_hwids((const uint64_t[]){ 0 }, 1);
}

static void leaves_out_cpus_without_psci_counts_them(void **state)
{
    struct tree_spec t = qemu_tree(5);

    (void)state;
    t.cpu[0].method = "spin-table"; /* the boot CPU: running already */
    t.cpu[2].method = "spin-table";
    t.cpu[4].method = NULL;
    assert_int_equal(read_cpus(&t, 0), 0);
    assert_hwids((const uint64_t[]){ 0, 1, 3 }, 3);
    assert_int_equal(out.found, 3);
    assert_int_equal(out.not_psci, 2);
    assert_int_equal(out.not_psci_first, 2);
}

static void keeps_sixteen_of_twenty_boot_cpu_last_in_tree(void **state)
{
    struct tree_spec t = qemu_tree(20);
    uint64_t want[PVH_CPUS_MAX] = { 19 };

    (void)state;
    for (unsigned i = 1; i < PVH_CPUS_MAX; i++)
        want[i] = i - 1;
    assert_int_equal(read_cpus(&t, 19), 0);
    assert_hwids(want, PVH_CPUS_MAX);
    assert_int_equal(out.found, 20);
}

static void keeps_exactly_sixteen(void **state)
{
    struct tree_spec t = qemu_tree(16);

    (void)state;
    assert_int_equal(read_cpus(&t, 5), 0);
    assert_int_equal(out.nr, 16);
    assert_int_equal(out.found, 16);
    assert_int_equal(out.cpus[0].hwid, 5);
    assert_int_equal(out.cpus[15].hwid, 15);
}

static void psci_0_1_tree_has_no_cpu_on(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.psci_compat = "arm,psci";
    t.psci_compat_len = 0;
    assert_int_equal(read_cpus(&t, 0), 0);
    assert_false(out.psci_cpu_on);
    assert_int_equal(out.nr, 2); /* listed all the same: starting them fails later */
}

static void psci_0_2_alone_has_cpu_on(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.psci_compat = "arm,psci-0.2";
    t.psci_compat_len = 0;
    assert_int_equal(read_cpus(&t, 0), 0);
    assert_true(out.psci_cpu_on);
}

static void no_psci_node_no_cpu_on(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.psci_compat = NULL;
    assert_int_equal(read_cpus(&t, 0), 0);
    assert_false(out.psci_cpu_on);
}

/* ---- what is refused ------------------------------------------------------- */

static void refuse(const struct tree_spec *t, uint64_t boot, int code, const char *want)
{
    int rc = read_cpus(t, boot);

    assert_error(rc, &err, code, want);
    assert_int_equal(out.nr, 0);
}

static void rejects_tree_without_cpus(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.no_cpus_node = true;
    refuse(&t, 0, PVH_ENOENT, "fdt: no /cpus node");
}

static void rejects_tree_without_boot_cpu(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    refuse(&t, 0x100, PVH_ENOENT, "fdt: /cpus does not list the boot cpu (mpidr 0x100)");
}

static void rejects_disabled_boot_cpu(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.cpu[0].status = "fail";
    refuse(&t, 0, PVH_ENOENT, "does not list the boot cpu (mpidr 0x0)");
}

static void rejects_address_cells_other_than_1_or_2(void **state)
{
    static const int bad[] = { 0, 3, 4, 0x10000 };

    (void)state;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct tree_spec t = qemu_tree(1);

        t.addr_cells = bad[i];
        refuse(&t, 0, PVH_EINVAL, "fdt: /cpus: #address-cells ");
    }
}

static void rejects_size_cells_not_0(void **state)
{
    struct tree_spec t = qemu_tree(1);

    (void)state;
    t.size_cells = 1;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus: #size-cells 1, expected 0");
}

static void rejects_missing_cells(void **state)
{
    struct tree_spec t = qemu_tree(1);

    (void)state;
    t.addr_cells = ABSENT;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus: no #address-cells");
    t = qemu_tree(1);
    t.size_cells = ABSENT;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus: no #size-cells");
    /* Also when /cpus has no child to read. */
    t = qemu_tree(0);
    t.addr_cells = ABSENT;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus: no #address-cells");
}

static void rejects_cpu_without_reg(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.cpu[1].reg_cells = 0;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus/cpu@1: no reg");
}

static void rejects_reg_of_the_wrong_length(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.cpu[1].reg_cells = 2;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus/cpu@1: reg of 8 bytes, expected 4");
    t = qemu_tree(2);
    t.addr_cells = 2;
    t.cpu[0].reg_cells = 2;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus/cpu@1: reg of 4 bytes, expected 8");
}

static void rejects_reg_outside_the_affinity_fields(void **state)
{
    struct tree_spec t = qemu_tree(2);

    (void)state;
    t.cpu[1].reg[0] = 0x80000001; /* bit 31: RES1 in MPIDR_EL1, not affinity */
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus/cpu@1: reg 0x80000001 has bits outside");
    t = qemu_tree(2);
    t.cpu[1].reg[0] = 0x01000000; /* bit 24: MT */
    refuse(&t, 0, PVH_EINVAL, "reg 0x1000000 has bits outside the MPIDR affinity fields");
    t = qemu_tree(1);
    t.addr_cells = 2;
    t.cpu[0] = (struct cpu_spec){ .reg = { 0x100, 0 }, .reg_cells = 2, .device_type = "cpu",
                                  .method = "psci" };
    refuse(&t, 0, PVH_EINVAL, "reg 0x10000000000 has bits outside");
}

static void rejects_duplicate_mpidrs(void **state)
{
    struct tree_spec t = qemu_tree(3);

    (void)state;
    t.cpu[2].reg[0] = 1;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus/cpu@2: mpidr 0x1 listed twice");
    t = qemu_tree(3);
    t.cpu[2].reg[0] = 0; /* the boot CPU twice */
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus/cpu@2: mpidr 0x0 listed twice");
    t = qemu_tree(3);
    t.cpu[2].reg[0] = 1; /* a non-psci duplicate of a kept CPU */
    t.cpu[2].method = NULL;
    refuse(&t, 0, PVH_EINVAL, "mpidr 0x1 listed twice");
    /* Past the sixteenth CPU still compared with the kept ones. */
    t = qemu_tree(20);
    t.cpu[19].reg[0] = 3;
    refuse(&t, 0, PVH_EINVAL, "fdt: /cpus/cpu@13: mpidr 0x3 listed twice");
}

static void rejects_second_cpus_node(void **state)
{
    struct tree_spec t = qemu_tree(1);

    (void)state;
    t.second_cpus_node = true;
    refuse(&t, 0, PVH_EINVAL, "fdt: a second /cpus node");
}

static void rejects_malformed_cells_property(void **state)
{
    static uint8_t buf[BUF];
    struct pvh_fdt_writer w;
    uint32_t total;

    (void)state;
    assert_int_equal(pvh_fdt_writer_init(&w, buf, sizeof(buf), NULL, 0, &err), 0);
    pvh_fdt_begin_node(&w, "", &err);
    pvh_fdt_begin_node(&w, "cpus", &err);
    pvh_fdt_property(&w, "#address-cells", "\0\0\0\0\1", 5, &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);
    free(blob);
    blob = malloc(total);
    assert_non_null(blob);
    memcpy(blob, buf, total);
    assert_int_equal(pvh_fdt_open(&fdt, blob, total, &err), 0);
    assert_error(pvh_fdt_read_cpus(&fdt, 0, &out, &err), &err, PVH_EINVAL,
                 "fdt: /cpus: #address-cells of 5 bytes, expected 4");
}

/* A structure error anywhere in the tree: the walk's own refusal. */
static void passes_on_the_readers_refusal(void **state)
{
    struct tree_spec t = qemu_tree(2);
    uint32_t off_struct;

    (void)state;
    build(&t);
    off_struct = pvh_be32(blob + 8);
    pvh_put_be32(blob + off_struct, 0x7); /* an unknown token where the root begins */
    assert_int_equal(pvh_fdt_open(&fdt, blob, blob_len, &err), 0);
    assert_int_not_equal(pvh_fdt_read_cpus(&fdt, 0, &out, &err), 0);
    assert_int_equal(out.nr, 0);
}

/* ---- the real trees ---------------------------------------------------------- */

static void reads_the_real_trees(void **state)
{
    static const struct { const char *file; unsigned cpus; } trees[] = {
        { "qemu-virt-1_-smp1.dtb", 1 },
        { "qemu-virt-5_-smp4.dtb", 4 },
        { "qemu-virt_virtualization_on_gic-version_3-2_-smp2.dtb", 2 },
        { "xen-dom0.dtb", 2 },
    };

    (void)state;
    for (unsigned i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
        size_t len;

        free(blob);
        blob = load_fixture(trees[i].file, &len);
        assert_int_equal(pvh_fdt_open(&fdt, blob, len, &err), 0);
        assert_int_equal(pvh_fdt_read_cpus(&fdt, 0, &out, &err), 0);
        assert_int_equal(out.nr, trees[i].cpus);
        assert_int_equal(out.found, trees[i].cpus);
        for (unsigned c = 0; c < out.nr; c++)
            assert_int_equal(out.cpus[c].hwid, c);
        assert_true(out.psci_cpu_on);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(lists_qemu_cpus_boot_first, teardown),
        cmocka_unit_test_teardown(moves_boot_cpu_first_keeps_tree_order, teardown),
        cmocka_unit_test_teardown(reads_two_cell_reg_with_aff3, teardown),
        cmocka_unit_test_teardown(skips_disabled_cpus_accepts_okay_and_ok, teardown),
        cmocka_unit_test_teardown(ignores_nodes_that_are_not_cpus, teardown),
        cmocka_unit_test_teardown(leaves_out_cpus_without_psci_counts_them, teardown),
        cmocka_unit_test_teardown(keeps_sixteen_of_twenty_boot_cpu_last_in_tree, teardown),
        cmocka_unit_test_teardown(keeps_exactly_sixteen, teardown),
        cmocka_unit_test_teardown(psci_0_1_tree_has_no_cpu_on, teardown),
        cmocka_unit_test_teardown(psci_0_2_alone_has_cpu_on, teardown),
        cmocka_unit_test_teardown(no_psci_node_no_cpu_on, teardown),
        cmocka_unit_test_teardown(rejects_tree_without_cpus, teardown),
        cmocka_unit_test_teardown(rejects_tree_without_boot_cpu, teardown),
        cmocka_unit_test_teardown(rejects_disabled_boot_cpu, teardown),
        cmocka_unit_test_teardown(rejects_address_cells_other_than_1_or_2, teardown),
        cmocka_unit_test_teardown(rejects_size_cells_not_0, teardown),
        cmocka_unit_test_teardown(rejects_missing_cells, teardown),
        cmocka_unit_test_teardown(rejects_cpu_without_reg, teardown),
        cmocka_unit_test_teardown(rejects_reg_of_the_wrong_length, teardown),
        cmocka_unit_test_teardown(rejects_reg_outside_the_affinity_fields, teardown),
        cmocka_unit_test_teardown(rejects_duplicate_mpidrs, teardown),
        cmocka_unit_test_teardown(rejects_second_cpus_node, teardown),
        cmocka_unit_test_teardown(rejects_malformed_cells_property, teardown),
        cmocka_unit_test_teardown(passes_on_the_readers_refusal, teardown),
        cmocka_unit_test_teardown(reads_the_real_trees, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
