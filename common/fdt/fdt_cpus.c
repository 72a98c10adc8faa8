/*
 * /cpus and /psci of a device tree into the list of CPUs pvhboot can
 * start (see fdt_cpus.h for what is accepted), token by token, from a
 * walk of its own or another reader's: a CPU node is decided at its
 * end, once all of its properties are known (QEMU writes "reg" and
 * "enable-method" before "device_type").
 */
#include "common/fdt/fdt_cpus.h"

#include <pvhboot/console.h>
#include <pvhboot/parts.h>

#include "common/boot/boot_store.h"
#include "common/lib/string.h"

/* The CPU list part's marker (include/pvhboot/parts.h). arm64 reads
 * /cpus in its one walk of the tree, so this is linked either way. */
const char pvh_part_cpu_list = 1;
const _Bool pvh_cpu_list_linked = 1;

/* "psci@0" is a "psci" node: the part before '@'. */
static bool base_name_is(const char *name, const char *want)
{
    while (*want && *name == *want) {
        name++;
        want++;
    }
    return !*want && (*name == '\0' || *name == '@');
}

/* The /cpus cells, checked before its first child is read (a node's
 * properties come before its children) and at its end. */
static int check_cells(struct pvh_fdt_cpus_reader *cw, struct pvh_error *err)
{
    if (cw->cells_checked)
        return PVH_OK;
    cw->cells_checked = true;
    if (cw->addr_cells < 0 || cw->size_cells < 0)
        return pvh_fail(err, PVH_EINVAL, "fdt: /cpus: no %s",
                        cw->addr_cells < 0 ? "#address-cells" : "#size-cells");
    if (cw->addr_cells != 1 && cw->addr_cells != 2)
        return pvh_fail(err, PVH_EINVAL, "fdt: /cpus: #address-cells %d, expected 1 or 2",
                        cw->addr_cells);
    if (cw->size_cells != 0)
        return pvh_fail(err, PVH_EINVAL, "fdt: /cpus: #size-cells %d, expected 0",
                        cw->size_cells);
    return PVH_OK;
}

static int cells_prop(const struct pvh_fdt_token *tok, int *cells, struct pvh_error *err)
{
    uint32_t v;

    if (tok->len != 4)
        return pvh_fail(err, PVH_EINVAL, "fdt: /cpus: %s of %u bytes, expected 4", tok->name,
                        tok->len);
    v = pvh_be32(tok->value);
    *cells = v > 0xffff ? 0xffff : (int)v; /* any value that large is refused alike */
    return PVH_OK;
}

static void cpu_prop(struct pvh_fdt_cpu_node *n, const struct pvh_fdt_token *tok)
{
    if (pvh_fdt_name_equal(tok->name, "device_type"))
        n->is_cpu = tok->len == sizeof("cpu") && !memcmp(tok->value, "cpu", sizeof("cpu"));
    else if (pvh_fdt_name_equal(tok->name, "status"))
        /* Not "okay", nor the older "ok" ("okay" cut short), each with its NUL. */
        n->disabled = !((tok->len == sizeof("okay") || tok->len == sizeof("ok")) &&
                        !memcmp(tok->value, "okay", tok->len - 1) && !tok->value[tok->len - 1]);
    else if (pvh_fdt_name_equal(tok->name, "enable-method"))
        n->psci = pvh_fdt_strlist_has(tok->value, tok->len, "psci");
    else if (pvh_fdt_name_equal(tok->name, "reg")) {
        n->reg = tok->value;
        n->reg_len = tok->len;
    }
}

static bool kept(const struct pvh_fdt_cpus_reader *cw, uint64_t hwid)
{
    unsigned i;

    if (cw->boot_listed && hwid == cw->boot_hwid)
        return true;
    for (i = 0; i < cw->others; i++)
        if (cw->out->cpus[1 + i].hwid == hwid)
            return true;
    return false;
}

/* The end of a /cpus child: a CPU to keep, to count, or to refuse. */
static int end_cpu_node(struct pvh_fdt_cpus_reader *cw, struct pvh_error *err)
{
    const struct pvh_fdt_cpu_node *n = &cw->node;
    struct pvh_fdt_cpus *out = cw->out;
    unsigned ac = (unsigned)cw->addr_cells;
    uint64_t hwid;

    if (!n->is_cpu || n->disabled)
        return PVH_OK;
    if (!n->reg)
        return pvh_fail(err, PVH_EINVAL, "fdt: /cpus/%s: no reg", n->name);
    if (n->reg_len != ac * 4)
        return pvh_fail(err, PVH_EINVAL, "fdt: /cpus/%s: reg of %u bytes, expected %u", n->name,
                        n->reg_len, ac * 4);
    pvh_fdt_cells(n->reg, ac, &hwid);
    if (hwid & ~PVH_MPIDR_HWID_MASK)
        return pvh_fail(err, PVH_EINVAL,
                        "fdt: /cpus/%s: reg 0x%llx has bits outside the MPIDR affinity fields",
                        n->name, (unsigned long long)hwid);
    if (kept(cw, hwid))
        return pvh_fail(err, PVH_EINVAL, "fdt: /cpus/%s: mpidr 0x%llx listed twice", n->name,
                        (unsigned long long)hwid);
    if (hwid == cw->boot_hwid) {
        /* Running already: how it would be started does not matter. */
        cw->boot_listed = true;
        out->found++;
        return PVH_OK;
    }
    if (!n->psci) {
        if (!out->not_psci++)
            out->not_psci_first = hwid;
        return PVH_OK;
    }
    out->found++;
    /* One slot stays free for the boot CPU, wherever the tree lists it. */
    if (cw->others < PVH_CPUS_MAX - 1)
        out->cpus[1 + cw->others++] = (struct pvh_cpu){ .hwid = hwid };
    return PVH_OK;
}

static int on_node(struct pvh_fdt_cpus_reader *cw, const struct pvh_fdt_token *tok,
                   struct pvh_error *err)
{
    if (tok->depth == 2) {
        cw->in_psci = base_name_is(tok->name, "psci");
        cw->in_cpus = pvh_fdt_name_equal(tok->name, "cpus");
        if (cw->in_cpus && cw->seen_cpus)
            return pvh_fail(err, PVH_EINVAL, "fdt: a second /cpus node");
        cw->seen_cpus |= cw->in_cpus;
    } else if (tok->depth == 3 && cw->in_cpus) {
        int rc = check_cells(cw, err);

        if (rc)
            return rc;
        cw->node = (struct pvh_fdt_cpu_node){ .name = tok->name };
    }
    return PVH_OK;
}

static int on_prop(struct pvh_fdt_cpus_reader *cw, const struct pvh_fdt_token *tok,
                   struct pvh_error *err)
{
    if (tok->depth == 2 && cw->in_cpus) {
        if (pvh_fdt_name_equal(tok->name, "#address-cells"))
            return cells_prop(tok, &cw->addr_cells, err);
        if (pvh_fdt_name_equal(tok->name, "#size-cells"))
            return cells_prop(tok, &cw->size_cells, err);
    } else if (tok->depth == 2 && cw->in_psci) {
        if (pvh_fdt_name_equal(tok->name, "compatible") &&
            (pvh_fdt_strlist_has(tok->value, tok->len, "arm,psci-0.2") ||
             pvh_fdt_strlist_has(tok->value, tok->len, "arm,psci-1.0")))
            cw->out->psci_cpu_on = true;
    } else if (tok->depth == 3 && cw->in_cpus) {
        cpu_prop(&cw->node, tok);
    }
    return PVH_OK;
}

static int on_end_node(struct pvh_fdt_cpus_reader *cw, const struct pvh_fdt_token *tok,
                       struct pvh_error *err)
{
    int rc = PVH_OK;

    if (tok->depth == 3 && cw->in_cpus)
        return end_cpu_node(cw, err);
    if (tok->depth == 2) {
        if (cw->in_cpus)
            rc = check_cells(cw, err);
        cw->in_cpus = cw->in_psci = false;
    }
    return rc;
}

void pvh_fdt_cpus_begin(struct pvh_fdt_cpus_reader *r, uint64_t boot_hwid,
                        struct pvh_fdt_cpus *out)
{
    r->out = out;
    r->boot_hwid = boot_hwid;
    r->seen_cpus = r->in_cpus = r->in_psci = false;
    r->cells_checked = false;
    r->addr_cells = r->size_cells = -1;
    r->boot_listed = false;
    r->others = 0;
    /* Only the counts: an entry of cpus is written when it is kept. */
    out->nr = out->found = out->not_psci = 0;
    out->not_psci_first = 0;
    out->psci_cpu_on = false;
}

int pvh_fdt_cpus_read(struct pvh_fdt_cpus_reader *r, const struct pvh_fdt_token *tok,
                      struct pvh_error *err)
{
    switch (tok->kind) {
    case PVH_FDT_NODE:
        return on_node(r, tok, err);
    case PVH_FDT_PROP:
        return on_prop(r, tok, err);
    case PVH_FDT_END_NODE:
        return on_end_node(r, tok, err);
    default:
        return PVH_OK;
    }
}

int pvh_fdt_cpus_end(struct pvh_fdt_cpus_reader *r, int rc, struct pvh_error *err)
{
    struct pvh_fdt_cpus *out = r->out;

    if (!rc && !r->seen_cpus)
        rc = pvh_fail(err, PVH_ENOENT, "fdt: no /cpus node");
    if (!rc && !r->boot_listed)
        rc = pvh_fail(err, PVH_ENOENT, "fdt: /cpus does not list the boot cpu (mpidr 0x%llx)",
                      (unsigned long long)r->boot_hwid);
    if (rc) {
        out->nr = 0;
        return rc;
    }
    out->cpus[0] = (struct pvh_cpu){ .hwid = r->boot_hwid, .flags = PVH_CPU_BOOT };
    out->nr = 1 + r->others;
    return PVH_OK;
}

int pvh_fdt_read_cpus(const struct pvh_fdt *fdt, uint64_t boot_hwid, struct pvh_fdt_cpus *out,
                      struct pvh_error *err)
{
    struct pvh_fdt_cpus_reader r;
    struct pvh_fdt_walk w;
    struct pvh_fdt_token tok;
    int rc;

    pvh_fdt_cpus_begin(&r, boot_hwid, out);
    pvh_fdt_walk_start(&w, fdt);
    do {
        rc = pvh_fdt_walk_next(&w, &tok, err);
        if (!rc)
            rc = pvh_fdt_cpus_token(&r, &tok, err);
    } while (!rc && tok.kind != PVH_FDT_DONE);
    return pvh_fdt_cpus_end(&r, rc, err);
}

bool pvh_fdt_cpus_store(const struct pvh_fdt_cpus *cpus, int rc, const struct pvh_error *err,
                        struct pvh_boot_store *st)
{
    unsigned i;

    if (rc) {
        pvh_info("warning: %s: running on the boot cpu alone", err->msg);
        return false;
    }
    st->boot.cpus_source = "fdt";
    if (cpus->not_psci)
        pvh_info("warning: /cpus: %u cpu%s without enable-method \"psci\" left out "
                 "(the first: mpidr 0x%llx)", cpus->not_psci, cpus->not_psci == 1 ? "" : "s",
                 (unsigned long long)cpus->not_psci_first);
    if (cpus->found > cpus->nr)
        pvh_info("warning: /cpus: %u cpus found, using the first %u", cpus->found, cpus->nr);
    for (i = 0; i < cpus->nr; i++)
        st->cpus[i] = cpus->cpus[i];
    st->nr_cpus = cpus->nr;
    return true;
}
