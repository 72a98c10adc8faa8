/*
 * /cpus and /psci of a device tree into the list of CPUs pvhboot can
 * start (see fdt_cpus.h for what is accepted). One walk of the tree: a
 * CPU node is decided at its end, once all of its properties are known
 * (QEMU writes "reg" and "enable-method" before "device_type").
 */
#include "common/fdt/fdt_cpus.h"

#include "common/lib/string.h"

/* The /cpus child being read. */
struct cpu_node {
    const char *name;
    bool is_cpu;          /* device_type "cpu" */
    bool disabled;        /* status present and not "okay" */
    bool psci;            /* enable-method "psci" */
    const uint8_t *reg;   /* NULL: no reg */
    uint32_t reg_len;
};

struct cpus_walk {
    struct pvh_fdt_cpus *out;
    uint64_t boot_hwid;
    bool seen_cpus, in_cpus, in_psci;
    bool cells_checked;
    int addr_cells, size_cells; /* -1: not given */
    bool boot_listed;
    unsigned others;            /* non-boot CPUs kept, at out->cpus[1 ...] */
    struct cpu_node node;
};

static bool base_name_is(const char *name, const char *want)
{
    size_t n = strlen(want);

    return !strncmp(name, want, n) && (name[n] == '\0' || name[n] == '@');
}

static bool string_is(const uint8_t *v, uint32_t len, const char *want)
{
    return len == strlen(want) + 1 && !memcmp(v, want, len);
}

/* The /cpus cells, checked before its first child is read (a node's
 * properties come before its children) and at its end. */
static int check_cells(struct cpus_walk *cw, struct pvh_error *err)
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

static void cpu_prop(struct cpu_node *n, const struct pvh_fdt_token *tok)
{
    if (pvh_fdt_name_is(tok->name, "device_type"))
        n->is_cpu = string_is(tok->value, tok->len, "cpu");
    else if (pvh_fdt_name_is(tok->name, "status"))
        n->disabled = !string_is(tok->value, tok->len, "okay") &&
                      !string_is(tok->value, tok->len, "ok");
    else if (pvh_fdt_name_is(tok->name, "enable-method"))
        n->psci = pvh_fdt_strlist_has(tok->value, tok->len, "psci");
    else if (pvh_fdt_name_is(tok->name, "reg")) {
        n->reg = tok->value;
        n->reg_len = tok->len;
    }
}

static bool kept(const struct cpus_walk *cw, uint64_t hwid)
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
static int end_cpu_node(struct cpus_walk *cw, struct pvh_error *err)
{
    const struct cpu_node *n = &cw->node;
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

static int on_node(struct cpus_walk *cw, const struct pvh_fdt_token *tok, struct pvh_error *err)
{
    if (tok->depth == 2) {
        cw->in_psci = base_name_is(tok->name, "psci");
        cw->in_cpus = pvh_fdt_name_is(tok->name, "cpus");
        if (cw->in_cpus && cw->seen_cpus)
            return pvh_fail(err, PVH_EINVAL, "fdt: a second /cpus node");
        cw->seen_cpus |= cw->in_cpus;
    } else if (tok->depth == 3 && cw->in_cpus) {
        int rc = check_cells(cw, err);

        if (rc)
            return rc;
        memset(&cw->node, 0, sizeof(cw->node));
        cw->node.name = tok->name;
    }
    return PVH_OK;
}

static int on_prop(struct cpus_walk *cw, const struct pvh_fdt_token *tok, struct pvh_error *err)
{
    if (tok->depth == 2 && cw->in_cpus) {
        if (pvh_fdt_name_is(tok->name, "#address-cells"))
            return cells_prop(tok, &cw->addr_cells, err);
        if (pvh_fdt_name_is(tok->name, "#size-cells"))
            return cells_prop(tok, &cw->size_cells, err);
    } else if (tok->depth == 2 && cw->in_psci) {
        if (pvh_fdt_name_is(tok->name, "compatible") &&
            (pvh_fdt_strlist_has(tok->value, tok->len, "arm,psci-0.2") ||
             pvh_fdt_strlist_has(tok->value, tok->len, "arm,psci-1.0")))
            cw->out->psci_cpu_on = true;
    } else if (tok->depth == 3 && cw->in_cpus) {
        cpu_prop(&cw->node, tok);
    }
    return PVH_OK;
}

static int on_end_node(struct cpus_walk *cw, const struct pvh_fdt_token *tok,
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

static int walk(struct cpus_walk *cw, const struct pvh_fdt *fdt, struct pvh_error *err)
{
    struct pvh_fdt_walk w;
    struct pvh_fdt_token tok;
    int rc;

    pvh_fdt_walk_start(&w, fdt);
    for (;;) {
        rc = pvh_fdt_walk_next(&w, &tok, err);
        if (rc)
            return rc;
        switch (tok.kind) {
        case PVH_FDT_NODE:
            rc = on_node(cw, &tok, err);
            break;
        case PVH_FDT_PROP:
            rc = on_prop(cw, &tok, err);
            break;
        case PVH_FDT_END_NODE:
            rc = on_end_node(cw, &tok, err);
            break;
        case PVH_FDT_DONE:
            return PVH_OK;
        }
        if (rc)
            return rc;
    }
}

int pvh_fdt_read_cpus(const struct pvh_fdt *fdt, uint64_t boot_hwid, struct pvh_fdt_cpus *out,
                      struct pvh_error *err)
{
    struct cpus_walk cw = { .out = out, .boot_hwid = boot_hwid, .addr_cells = -1,
                            .size_cells = -1 };
    int rc;

    memset(out, 0, sizeof(*out));
    rc = walk(&cw, fdt, err);
    if (!rc && !cw.seen_cpus)
        rc = pvh_fail(err, PVH_ENOENT, "fdt: no /cpus node");
    if (!rc && !cw.boot_listed)
        rc = pvh_fail(err, PVH_ENOENT, "fdt: /cpus does not list the boot cpu (mpidr 0x%llx)",
                      (unsigned long long)boot_hwid);
    if (rc) {
        out->nr = 0;
        return rc;
    }
    out->cpus[0] = (struct pvh_cpu){ .hwid = boot_hwid, .flags = PVH_CPU_BOOT };
    out->nr = 1 + cw.others;
    return PVH_OK;
}
