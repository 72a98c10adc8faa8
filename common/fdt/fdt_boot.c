/*
 * The device tree into the boot store. A node walk hands each node to a
 * visitor once all of its properties are known (QEMU puts "reg" before
 * "compatible", so nothing is decided on the first property seen),
 * together with how its "reg" reads: the parent's #address-cells and
 * #size-cells, and whether every bus above it maps addresses 1:1
 * (an empty "ranges"). Only such nodes have CPU physical addresses
 * pvhboot can use.
 */
#include "common/fdt/fdt_boot.h"

#include <xen/e820.h>

#include "common/lib/string.h"

/* The Devicetree Specification's defaults when a parent does not say. */
#define DEFAULT_ADDR_CELLS 2u
#define DEFAULT_SIZE_CELLS 1u
#define MAX_CELLS 2u /* pvhboot reads addresses and sizes of at most 64 bits */

struct node {
    const char *name;
    unsigned depth;        /* 1: the root */
    uint32_t props;        /* token offset of its first property */
    unsigned addr_cells;   /* the parent's #address-cells: how this node's reg reads */
    unsigned size_cells;
    bool mapped;           /* its reg is a CPU physical address */
    const char *path;      /* "/a/b"; NULL when longer than PVH_FDT_PATH_MAX */
    unsigned child_addr_cells, child_size_cells; /* its own, for its children */
};

struct frame {
    struct node node;
    bool ranges_empty;
    bool visited;
    size_t path_len;       /* of this node's path in walk.path */
    bool path_ok;
};

typedef int (*visit_fn)(void *ctx, const struct pvh_fdt *fdt, const struct node *n,
                        struct pvh_error *err);

struct node_walk {
    struct pvh_fdt_walk w;
    struct frame f[PVH_FDT_MAX_DEPTH + 1];
    char path[PVH_FDT_PATH_MAX + 1];
};

/* "memory@40000000" is a "memory" node: the part before '@'. */
static bool base_name_is(const char *name, const char *want)
{
    size_t n = strlen(want);

    return !strncmp(name, want, n) && (name[n] == '\0' || name[n] == '@');
}

static void enter(struct node_walk *nw, const struct pvh_fdt_token *tok)
{
    struct frame *f = &nw->f[tok->depth];
    const struct frame *parent = tok->depth > 1 ? &nw->f[tok->depth - 1] : NULL;
    size_t len = strlen(tok->name);

    memset(f, 0, sizeof(*f));
    f->node.name = tok->name;
    f->node.depth = tok->depth;
    f->node.props = nw->w.next;
    f->node.addr_cells = parent ? parent->node.child_addr_cells : DEFAULT_ADDR_CELLS;
    f->node.size_cells = parent ? parent->node.child_size_cells : DEFAULT_SIZE_CELLS;
    f->node.mapped = !parent || (parent->node.mapped && (parent->node.depth == 1 ||
                                                         parent->ranges_empty));
    f->node.child_addr_cells = DEFAULT_ADDR_CELLS;
    f->node.child_size_cells = DEFAULT_SIZE_CELLS;
    /* Paths: the root's is empty here (shown as "/"), a child's is its
     * parent's, '/', its name. Parents' paths stay in place below. */
    if (!parent) {
        f->path_ok = true;
        f->path_len = 0;
    } else if (parent->path_ok && parent->path_len + 1 + len <= PVH_FDT_PATH_MAX) {
        nw->path[parent->path_len] = '/';
        memcpy(nw->path + parent->path_len + 1, tok->name, len);
        f->path_len = parent->path_len + 1 + len;
        f->path_ok = true;
    }
}

static void note_prop(struct frame *f, const struct pvh_fdt_token *tok)
{
    if (pvh_fdt_name_is(tok->name, "#address-cells") && tok->len == 4)
        f->node.child_addr_cells = pvh_be32(tok->value);
    else if (pvh_fdt_name_is(tok->name, "#size-cells") && tok->len == 4)
        f->node.child_size_cells = pvh_be32(tok->value);
    else if (pvh_fdt_name_is(tok->name, "ranges"))
        f->ranges_empty = tok->len == 0;
}

/* Hand the node at depth d to the visitor, once. */
static int visit_once(struct node_walk *nw, unsigned d, const struct pvh_fdt *fdt,
                      visit_fn visit, void *ctx, struct pvh_error *err)
{
    struct frame *f = &nw->f[d];

    if (f->visited)
        return PVH_OK;
    f->visited = true;
    nw->path[f->path_len] = '\0';
    f->node.path = f->path_ok ? (f->path_len ? nw->path : "/") : NULL;
    return visit(ctx, fdt, &f->node, err);
}

static int walk_nodes(const struct pvh_fdt *fdt, visit_fn visit, void *ctx, struct pvh_error *err)
{
    static struct node_walk nw; /* ~2 KiB: kept off the stack */
    struct pvh_fdt_token tok;
    int rc;

    memset(&nw, 0, sizeof(nw));
    pvh_fdt_walk_start(&nw.w, fdt);
    for (;;) {
        rc = pvh_fdt_walk_next(&nw.w, &tok, err);
        if (rc)
            return rc;
        switch (tok.kind) {
        case PVH_FDT_NODE:
            if (tok.depth > 1) {
                rc = visit_once(&nw, tok.depth - 1, fdt, visit, ctx, err);
                if (rc)
                    return rc;
            }
            enter(&nw, &tok);
            break;
        case PVH_FDT_PROP:
            note_prop(&nw.f[tok.depth], &tok);
            break;
        case PVH_FDT_END_NODE:
            rc = visit_once(&nw, tok.depth, fdt, visit, ctx, err);
            if (rc)
                return rc;
            break;
        case PVH_FDT_DONE:
            return PVH_OK;
        }
    }
}

/* Find property name of node n: 1 found, 0 absent, or an error code. */
static int prop(const struct pvh_fdt *fdt, const struct node *n, const char *name,
                const uint8_t **value, uint32_t *len, struct pvh_error *err)
{
    struct pvh_fdt_walk w;
    struct pvh_fdt_token tok;

    /* Defined whatever the answer: callers test "found" as rc > 0. */
    *value = NULL;
    *len = 0;
    pvh_fdt_walk_at(&w, fdt, n->props, n->depth);
    for (;;) {
        int rc = pvh_fdt_walk_next(&w, &tok, err);

        if (rc)
            return rc;
        if (tok.kind != PVH_FDT_PROP)
            return 0;
        if (pvh_fdt_name_is(tok.name, name)) {
            *value = tok.value;
            *len = tok.len;
            return 1;
        }
    }
}

static int compatible_with(const struct pvh_fdt *fdt, const struct node *n, const char *what,
                           bool *yes, struct pvh_error *err)
{
    const uint8_t *v;
    uint32_t len;
    int rc = prop(fdt, n, "compatible", &v, &len, err);

    *yes = rc == 1 && pvh_fdt_strlist_has(v, len, what);
    return rc < 0 ? rc : PVH_OK;
}

/* Is the string property name of n equal to want? */
static int string_prop_is(const struct pvh_fdt *fdt, const struct node *n, const char *name,
                          const char *want, bool *yes, struct pvh_error *err)
{
    const uint8_t *v;
    uint32_t len;
    int rc = prop(fdt, n, name, &v, &len, err);

    *yes = rc == 1 && len == strlen(want) + 1 && !memcmp(v, want, len);
    return rc < 0 ? rc : PVH_OK;
}

/* --- step 1: console, PSCI, hypervisor -------------------------------------- */

struct platform_walk {
    struct pvh_fdt_platform *p;
    /* From the first pass: the node stdout-path names. */
    char stdout_path[PVH_FDT_PATH_MAX + 1];
    bool have_aliases;            /* /aliases exists; its properties start at: */
    uint32_t aliases_props;
    const char *alias;            /* the alias name stdout-path gave, if not a path */
    size_t alias_len;
};

static void copy_path(char *dst, const uint8_t *src, size_t len)
{
    if (len > PVH_FDT_PATH_MAX)
        len = 0; /* too long to be one of ours: matches nothing */
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* First pass: /chosen/stdout-path, resolved through /aliases if needed. */
static int find_stdout(void *ctx, const struct pvh_fdt *fdt, const struct node *n,
                       struct pvh_error *err)
{
    struct platform_walk *pw = ctx;
    const uint8_t *v;
    uint32_t len, end;
    int rc;

    if (n->depth != 2)
        return PVH_OK;
    if (pvh_fdt_name_is(n->name, "chosen")) {
        rc = prop(fdt, n, "stdout-path", &v, &len, err);
        if (rc <= 0)
            return rc;
        /* "path-or-alias[:options]" */
        for (end = 0; end < len && v[end] && v[end] != ':'; end++)
            ;
        if (end && v[0] == '/') {
            copy_path(pw->stdout_path, v, end);
        } else {
            pw->alias = (const char *)v;
            pw->alias_len = end;
        }
    } else if (pvh_fdt_name_is(n->name, "aliases")) {
        /* Remember the node: the alias is looked up once /chosen is read. */
        pw->have_aliases = true;
        pw->aliases_props = n->props;
    }
    return PVH_OK;
}

/* The alias stdout-path named, from /aliases (second walk of that node). */
static int resolve_alias(const struct pvh_fdt *fdt, struct platform_walk *pw,
                         struct pvh_error *err)
{
    struct pvh_fdt_walk w;
    struct pvh_fdt_token tok;

    if (!pw->alias || !pw->alias_len || !pw->have_aliases)
        return PVH_OK;
    pvh_fdt_walk_at(&w, fdt, pw->aliases_props, 2);
    for (;;) {
        int rc = pvh_fdt_walk_next(&w, &tok, err);

        if (rc)
            return rc;
        if (tok.kind != PVH_FDT_PROP)
            return PVH_OK;
        if (strlen(tok.name) == pw->alias_len && !memcmp(tok.name, pw->alias, pw->alias_len) &&
            pvh_fdt_is_string(tok.value, tok.len)) {
            copy_path(pw->stdout_path, tok.value, tok.len - 1);
            return PVH_OK;
        }
    }
}

static int first_reg(const struct pvh_fdt *fdt, const struct node *n, uint64_t *base,
                     struct pvh_error *err)
{
    const uint8_t *v;
    uint32_t len;
    int rc;

    if (!n->mapped || n->addr_cells == 0 || n->addr_cells > MAX_CELLS || n->size_cells > MAX_CELLS)
        return 0;
    rc = prop(fdt, n, "reg", &v, &len, err);
    if (rc <= 0)
        return rc;
    if (len < (n->addr_cells + n->size_cells) * 4)
        return 0;
    pvh_fdt_cells(v, n->addr_cells, base);
    return 1;
}

static int status_okay(const struct pvh_fdt *fdt, const struct node *n, bool *ok,
                       struct pvh_error *err)
{
    const uint8_t *v;
    uint32_t len;
    int rc = prop(fdt, n, "status", &v, &len, err);

    /* Absent means "okay"; the spec also allows the older "ok". */
    *ok = rc == 0 || (rc == 1 && ((len == 5 && !memcmp(v, "okay", 5)) ||
                                  (len == 3 && !memcmp(v, "ok", 3))));
    return rc < 0 ? rc : PVH_OK;
}

static int check_uart(struct platform_walk *pw, const struct pvh_fdt *fdt, const struct node *n,
                      struct pvh_error *err)
{
    enum pvh_uart_kind kind = PVH_UART_NONE;
    bool yes, named;
    uint64_t base;
    int rc;

    rc = compatible_with(fdt, n, "arm,pl011", &yes, err);
    if (!rc && yes)
        kind = PVH_UART_PL011;
    if (!rc && kind == PVH_UART_NONE) {
        rc = compatible_with(fdt, n, "arm,sbsa-uart", &yes, err);
        if (yes)
            kind = PVH_UART_SBSA;
    }
    if (rc || kind == PVH_UART_NONE)
        return rc;
    rc = status_okay(fdt, n, &yes, err);
    if (rc || !yes)
        return rc;
    rc = first_reg(fdt, n, &base, err);
    if (rc <= 0)
        return rc;
    named = n->path && pw->stdout_path[0] && pvh_fdt_name_is(n->path, pw->stdout_path);
    if (pw->p->uart == PVH_UART_NONE || (named && !pw->p->uart_from_stdout_path)) {
        pw->p->uart = kind;
        pw->p->uart_base = base;
        pw->p->uart_from_stdout_path = named;
    }
    return PVH_OK;
}

static int platform_node(void *ctx, const struct pvh_fdt *fdt, const struct node *n,
                         struct pvh_error *err)
{
    struct platform_walk *pw = ctx;
    bool yes;
    int rc;

    if (n->depth == 2 && pvh_fdt_name_is(n->name, "hypervisor")) {
        rc = compatible_with(fdt, n, "xen,xen", &yes, err);
        if (rc)
            return rc;
        pw->p->xen_node |= yes;
    }
    if (n->depth == 2 && base_name_is(n->name, "psci")) {
        rc = string_prop_is(fdt, n, "method", "hvc", &yes, err);
        if (!rc && yes)
            pw->p->psci = PVH_PSCI_HVC;
        if (!rc && !yes)
            rc = string_prop_is(fdt, n, "method", "smc", &yes, err);
        if (!rc && yes && pw->p->psci == PVH_PSCI_NONE)
            pw->p->psci = PVH_PSCI_SMC;
        if (rc)
            return rc;
    }
    return check_uart(pw, fdt, n, err);
}

int pvh_fdt_platform(const struct pvh_fdt *fdt, struct pvh_fdt_platform *p, struct pvh_error *err)
{
    static struct platform_walk pw;
    int rc;

    memset(p, 0, sizeof(*p));
    memset(&pw, 0, sizeof(pw));
    pw.p = p;
    rc = walk_nodes(fdt, find_stdout, &pw, err);
    if (!rc)
        rc = resolve_alias(fdt, &pw, err);
    if (!rc)
        rc = walk_nodes(fdt, platform_node, &pw, err);
    return rc;
}

/* --- step 2: memory ------------------------------------------------------- */

struct memory_walk {
    struct pvh_boot_store *st;
};

static int add_raw(struct pvh_boot_store *st, uint64_t base, uint64_t size, uint32_t type,
                   const char *what, struct pvh_error *err)
{
    if (st->nr_raw == PVH_MEMMAP_IN_MAX)
        return pvh_fail(err, PVH_E2BIG, "fdt: more than %u memory ranges (at %s)",
                        PVH_MEMMAP_IN_MAX, what);
    st->raw[st->nr_raw++] = (struct pvh_region){ base, size, type, 0 };
    return PVH_OK;
}

/* Every (address, size) pair of n's reg as a region of the given type. */
static int add_reg(struct pvh_boot_store *st, const struct pvh_fdt *fdt, const struct node *n,
                   uint32_t type, struct pvh_error *err)
{
    const char *what = n->path ? n->path : n->name;
    unsigned ac = n->addr_cells, sc = n->size_cells;
    const uint8_t *v;
    uint32_t len, entry, at;
    int rc;

    if (!ac || ac > MAX_CELLS || !sc || sc > MAX_CELLS)
        return pvh_fail(err, PVH_EINVAL, "fdt: %s: #address-cells %u #size-cells %u unsupported",
                        what, ac, sc);
    rc = prop(fdt, n, "reg", &v, &len, err);
    if (rc <= 0)
        return rc;
    entry = (ac + sc) * 4;
    if (len % entry)
        return pvh_fail(err, PVH_EINVAL, "fdt: %s: reg of %u bytes is not a list of %u-byte entries",
                        what, len, entry);
    for (at = 0; at < len; at += entry) {
        uint64_t base, size;

        pvh_fdt_cells(v + at, ac, &base);
        pvh_fdt_cells(v + at + (size_t)ac * 4, sc, &size);
        if (base + size < base)
            return pvh_fail(err, PVH_ERANGE, "fdt: %s: range 0x%llx size 0x%llx wraps past 2^64",
                            what, (unsigned long long)base, (unsigned long long)size);
        rc = add_raw(st, base, size, type, what, err);
        if (rc)
            return rc;
    }
    return PVH_OK;
}

static int memory_node(void *ctx, const struct pvh_fdt *fdt, const struct node *n,
                       struct pvh_error *err)
{
    struct memory_walk *mw = ctx;
    bool yes;
    int rc;

    /* /memory nodes: device_type "memory" (the name alone is not enough). */
    if (n->depth == 2) {
        rc = string_prop_is(fdt, n, "device_type", "memory", &yes, err);
        if (rc || !yes)
            return rc;
        rc = status_okay(fdt, n, &yes, err);
        if (rc || !yes)
            return rc;
        return add_reg(mw->st, fdt, n, E820_TYPE_RAM, err);
    }
    /* Children of /reserved-memory with a fixed place ("reg"; those with
     * only "size" are allocated by the OS and are not reserved yet). */
    if (n->depth == 3 && n->path && !strncmp(n->path, "/reserved-memory/", 17)) {
        unsigned first = mw->st->nr_raw, i;
        const uint8_t *v;
        uint32_t len;

        rc = add_reg(mw->st, fdt, n, E820_TYPE_RESERVED, err);
        if (rc)
            return rc;
        rc = prop(fdt, n, "no-map", &v, &len, err);
        if (rc < 0)
            return err->code;
        for (i = first; rc == 1 && i < mw->st->nr_raw; i++)
            mw->st->raw[i].flags |= PVH_FDT_REGION_NO_MAP;
    }
    return PVH_OK;
}

int pvh_fdt_read_memory(const struct pvh_fdt *fdt, struct pvh_boot_store *st,
                        struct pvh_error *err)
{
    struct memory_walk mw = { st };
    uint32_t i;
    int rc;

    st->nr_raw = 0;
    rc = walk_nodes(fdt, memory_node, &mw, err);
    if (rc)
        return rc;
    for (i = 0; i < fdt->nr_rsv; i++) {
        uint64_t base, size;

        pvh_fdt_rsv(fdt, i, &base, &size);
        if (base + size < base)
            return pvh_fail(err, PVH_ERANGE,
                            "fdt: /memreserve/ %u: 0x%llx size 0x%llx wraps past 2^64", i,
                            (unsigned long long)base, (unsigned long long)size);
        rc = add_raw(st, base, size, E820_TYPE_RESERVED, "/memreserve/", err);
        if (rc)
            return rc;
        st->raw[st->nr_raw - 1].flags |= PVH_FDT_REGION_NO_MAP;
    }
    for (i = 0; i < st->nr_raw; i++)
        if (st->raw[i].type == E820_TYPE_RAM && st->raw[i].size)
            return PVH_OK;
    return pvh_fail(err, PVH_ENOENT, "fdt: no /memory node with RAM: %u ranges", st->nr_raw);
}

/* --- step 4: /chosen ---------------------------------------------------------- */

struct chosen_walk {
    struct pvh_boot_store *st;
    uint64_t dtb_pa, dtb_end;
    bool chosen_seen;
};

static int check_module(struct chosen_walk *cw, unsigned i, struct pvh_error *err)
{
    const struct pvh_boot_store *st = cw->st;
    const struct pvh_module *m = &st->modules[i];
    unsigned j;

    if (!m->size)
        return pvh_fail(err, PVH_EINVAL, "module %u at 0x%llx: size 0", i,
                        (unsigned long long)m->base);
    if (m->base + m->size < m->base)
        return pvh_fail(err, PVH_ERANGE, "module %u at 0x%llx: size 0x%llx wraps past 2^64", i,
                        (unsigned long long)m->base, (unsigned long long)m->size);
    if (m->base < st->self_end && st->self_base < m->base + m->size)
        return pvh_fail(err, PVH_EOVERLAP, "module %u at 0x%llx-0x%llx: overlaps pvhboot 0x%llx-0x%llx",
                        i, (unsigned long long)m->base,
                        (unsigned long long)(m->base + m->size - 1),
                        (unsigned long long)st->self_base, (unsigned long long)st->self_end - 1);
    if (m->base < cw->dtb_end && cw->dtb_pa < m->base + m->size)
        return pvh_fail(err, PVH_EOVERLAP, "module %u at 0x%llx: overlaps the device tree at 0x%llx",
                        i, (unsigned long long)m->base, (unsigned long long)cw->dtb_pa);
    if (!pvh_memmap_covers(&st->map, m->base, m->size, PVH_TYPE_BIT(E820_TYPE_RAM)))
        return pvh_fail(err, PVH_ERANGE, "module %u at 0x%llx size %llu: not in RAM", i,
                        (unsigned long long)m->base, (unsigned long long)m->size);
    for (j = 0; j < i; j++) {
        const struct pvh_module *o = &st->modules[j];

        if (m->base < o->base + o->size && o->base < m->base + m->size)
            return pvh_fail(err, PVH_EOVERLAP, "module %u at 0x%llx overlaps module %u at 0x%llx",
                            i, (unsigned long long)m->base, j, (unsigned long long)o->base);
    }
    return PVH_OK;
}

static int add_module(struct chosen_walk *cw, uint64_t base, uint64_t size,
                      const uint8_t *cmdline, uint32_t cmdline_len, struct pvh_error *err)
{
    struct pvh_boot_store *st = cw->st;
    unsigned i = st->boot.nr_modules;
    char *dst = st->module_cmdlines + st->module_cmdlines_used;

    if (i == PVH_MODULES_MAX)
        return pvh_fail(err, PVH_E2BIG, "fdt: more than %u modules", PVH_MODULES_MAX);
    st->modules[i] = (struct pvh_module){ .base = base, .size = size, .cmdline = "" };
    if (check_module(cw, i, err))
        return err->code;
    if (cmdline) {
        if (!pvh_fdt_is_string(cmdline, cmdline_len))
            return pvh_fail(err, PVH_EINVAL, "module %u bootargs: not a NUL-terminated string", i);
        if (cmdline_len - 1 > PVH_MODULE_CMDLINE_MAX)
            return pvh_fail(err, PVH_E2BIG, "module %u bootargs: longer than %u bytes", i,
                            PVH_MODULE_CMDLINE_MAX);
        if (cmdline_len > PVH_MODULE_CMDLINES_ALL - st->module_cmdlines_used)
            return pvh_fail(err, PVH_E2BIG, "module cmdlines: more than %u bytes in all",
                            PVH_MODULE_CMDLINES_ALL);
        memcpy(dst, cmdline, cmdline_len);
        st->module_cmdlines_used += cmdline_len;
        st->modules[i].cmdline = dst;
    }
    st->boot.nr_modules = i + 1;
    return PVH_OK;
}

/* linux,initrd-start/-end: 32- or 64-bit values. */
static int initrd_value(const struct pvh_fdt *fdt, const struct node *n, const char *name,
                        uint64_t *out, bool *found, struct pvh_error *err)
{
    const uint8_t *v;
    uint32_t len;
    int rc = prop(fdt, n, name, &v, &len, err);

    *found = rc == 1;
    if (rc <= 0)
        return rc;
    if (len != 4 && len != 8)
        return pvh_fail(err, PVH_EINVAL, "fdt: /chosen/%s: %u bytes, expected 4 or 8", name, len);
    pvh_fdt_cells(v, len / 4, out);
    return PVH_OK;
}

static int read_initrd(struct chosen_walk *cw, const struct pvh_fdt *fdt, const struct node *n,
                       struct pvh_error *err)
{
    uint64_t start = 0, end = 0;
    bool has_start, has_end;

    if (initrd_value(fdt, n, "linux,initrd-start", &start, &has_start, err) ||
        initrd_value(fdt, n, "linux,initrd-end", &end, &has_end, err))
        return err->code;
    if (has_start != has_end)
        return pvh_fail(err, PVH_EINVAL, "fdt: /chosen has linux,initrd-%s without linux,initrd-%s",
                        has_start ? "start" : "end", has_start ? "end" : "start");
    if (end < start)
        return pvh_fail(err, PVH_ERANGE, "fdt: initrd ends before it starts: 0x%llx-0x%llx",
                        (unsigned long long)start, (unsigned long long)end);
    if (start == end) /* Xen writes start == end == 0 for "no initrd" */
        return PVH_OK;
    return add_module(cw, start, end - start, NULL, 0, err);
}

static int read_bootargs(struct chosen_walk *cw, const struct pvh_fdt *fdt, const struct node *n,
                         struct pvh_error *err)
{
    const uint8_t *v;
    uint32_t len;
    int rc = prop(fdt, n, "bootargs", &v, &len, err);

    if (rc <= 0)
        return rc;
    if (!pvh_fdt_is_string(v, len))
        return pvh_fail(err, PVH_EINVAL, "fdt: /chosen/bootargs: not a NUL-terminated string of %u bytes",
                        len);
    if (len - 1 > PVH_CMDLINE_MAX)
        return pvh_fail(err, PVH_E2BIG, "cmdline: longer than %u bytes: %u", PVH_CMDLINE_MAX,
                        len - 1);
    memcpy(cw->st->cmdline, v, len);
    return PVH_OK;
}

static int read_module_node(struct chosen_walk *cw, const struct pvh_fdt *fdt,
                            const struct node *n, struct pvh_error *err)
{
    const uint8_t *reg, *args = NULL;
    uint32_t reg_len, args_len = 0;
    uint64_t base, size;
    bool yes;
    int rc;

    rc = compatible_with(fdt, n, "multiboot,module", &yes, err);
    if (rc || !yes)
        return rc;
    if (!n->addr_cells || n->addr_cells > MAX_CELLS || !n->size_cells || n->size_cells > MAX_CELLS)
        return pvh_fail(err, PVH_EINVAL, "fdt: module %s: #address-cells %u #size-cells %u unsupported",
                        n->name, n->addr_cells, n->size_cells);
    rc = prop(fdt, n, "reg", &reg, &reg_len, err);
    if (rc < 0)
        return rc;
    if (rc == 0 || reg_len < (n->addr_cells + n->size_cells) * 4)
        return pvh_fail(err, PVH_EINVAL, "fdt: module %s: no reg", n->name);
    pvh_fdt_cells(reg, n->addr_cells, &base);
    pvh_fdt_cells(reg + (size_t)n->addr_cells * 4, n->size_cells, &size);
    rc = prop(fdt, n, "bootargs", &args, &args_len, err);
    if (rc < 0)
        return rc;
    return add_module(cw, base, size, rc ? args : NULL, args_len, err);
}

static int chosen_node(void *ctx, const struct pvh_fdt *fdt, const struct node *n,
                       struct pvh_error *err)
{
    struct chosen_walk *cw = ctx;

    if (n->depth == 2 && pvh_fdt_name_is(n->name, "chosen") && !cw->chosen_seen) {
        cw->chosen_seen = true;
        if (read_bootargs(cw, fdt, n, err) || read_initrd(cw, fdt, n, err))
            return err->code;
    } else if (n->depth == 3 && n->path && !strncmp(n->path, "/chosen/", 8)) {
        return read_module_node(cw, fdt, n, err);
    }
    return PVH_OK;
}

int pvh_fdt_read_chosen(const struct pvh_fdt *fdt, struct pvh_boot_store *st, uint64_t dtb_pa,
                        struct pvh_error *err)
{
    struct chosen_walk cw = { st, dtb_pa, dtb_pa + fdt->totalsize, false };

    st->cmdline[0] = '\0';
    st->boot.nr_modules = 0;
    st->module_cmdlines_used = 0;
    return walk_nodes(fdt, chosen_node, &cw, err);
}

/* --- The identity map's plan ---------------------------------------------- */

#define PLAN_PAGE 4096ull

static uint64_t page_down(uint64_t v)
{
    return v & ~(PLAN_PAGE - 1);
}

/* The page-rounded end; 2^64 - PLAN_PAGE at most (no range reaches 2^64:
 * the readers refuse those that wrap). */
static uint64_t page_up_end(uint64_t v)
{
    return v > ~0ull - (PLAN_PAGE - 1) ? ~0ull - (PLAN_PAGE - 1) : page_down(v + PLAN_PAGE - 1);
}

static bool plan_covers(const struct pvh_region *r, uint64_t at)
{
    return r->size && at >= page_down(r->base) && at < page_up_end(r->base + r->size);
}

static bool is_ram(const struct pvh_region *r)
{
    return r->type == E820_TYPE_RAM;
}

static bool is_hole(const struct pvh_region *r)
{
    return r->type != E820_TYPE_RAM && (r->flags & PVH_FDT_REGION_NO_MAP);
}

/* Insert v into the sorted, duplicate-free points[0..*n). */
static void add_point(uint64_t *points, unsigned *n, uint64_t v)
{
    unsigned i = *n;

    while (i && points[i - 1] > v)
        i--;
    if (i && points[i - 1] == v)
        return;
    memmove(points + i + 1, points + i, (*n - i) * sizeof(*points));
    points[i] = v;
    (*n)++;
}

static enum pvh_map_kind kind_at(const struct pvh_region *raw, unsigned n, uint64_t keep_base,
                                 uint64_t keep_end, uint64_t at, bool *any)
{
    bool ram = false, hole = false;
    unsigned i;

    for (i = 0; i < n; i++) {
        if (!plan_covers(&raw[i], at))
            continue;
        ram |= is_ram(&raw[i]);
        hole |= is_hole(&raw[i]);
    }
    *any = ram || hole;
    if (hole && !(keep_end > keep_base && at >= page_down(keep_base) && at < page_up_end(keep_end)))
        return PVH_MAP_NONE;
    return PVH_MAP_NORMAL;
}

int pvh_fdt_map_plan(const struct pvh_region *raw, unsigned n, uint64_t keep_base,
                     uint64_t keep_end, struct pvh_map_plan *plan, struct pvh_error *err)
{
    unsigned i, np = 0;

    if (n > PVH_MEMMAP_IN_MAX)
        return pvh_fail(err, PVH_E2BIG, "map plan: %u ranges, at most %u", n, PVH_MEMMAP_IN_MAX);
    for (i = 0; i < n; i++) {
        if (!raw[i].size || !(is_ram(&raw[i]) || is_hole(&raw[i])))
            continue;
        add_point(plan->points, &np, page_down(raw[i].base));
        add_point(plan->points, &np, page_up_end(raw[i].base + raw[i].size));
    }
    if (keep_end > keep_base) {
        add_point(plan->points, &np, page_down(keep_base));
        add_point(plan->points, &np, page_up_end(keep_end));
    }
    plan->nr = 0;
    for (i = 0; i + 1 < np; i++) {
        uint64_t base = plan->points[i], end = plan->points[i + 1];
        struct pvh_map_range *last = plan->nr ? &plan->ranges[plan->nr - 1] : NULL;
        bool any;
        enum pvh_map_kind kind = kind_at(raw, n, keep_base, keep_end, base, &any);

        if (!any)
            continue; /* neither RAM nor a hole: left as the device map has it */
        if (last && last->end == base && last->kind == kind) {
            last->end = end;
            continue;
        }
        plan->ranges[plan->nr++] = (struct pvh_map_range){ base, end, kind };
    }
    return PVH_OK;
}
