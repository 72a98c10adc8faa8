/*
 * The device tree into the boot store. A node walk hands each node to
 * the readers once all of its properties are known (QEMU puts "reg"
 * before "compatible", so nothing is decided on the first property
 * seen), together with how its "reg" reads: the parent's
 * #address-cells and #size-cells, and whether every bus above it maps
 * addresses 1:1 (an empty "ranges"). Only such nodes have CPU physical
 * addresses pvhboot can use.
 *
 * The walk keeps, for each open node, the first property of each name
 * the readers ask for (what a search from the node's first property
 * finds), so a visit reads no token twice, and builds a node's path
 * ("/a/b") only when a reader needs it. Readers share a walk: arm64's
 * start reads the whole tree once (pvh_fdt_scan). A reader stops at its
 * first error, and a walk ends once no reader is left, so a reader run
 * alone (pvh_fdt_read_memory, pvh_fdt_read_chosen) stops where it
 * always did.
 */
#include "common/fdt/fdt_boot.h"

#include <xen/e820.h>

#include "common/lib/compiler.h"
#include "common/lib/string.h"

/* The CPU list part (include/pvhboot/parts.h), fdt_cpus.c: called only
 * when the caller asks for /cpus, which it does only when that is linked;
 * weak, so that the calls link without it. */
#pragma weak pvh_fdt_cpus_begin
#pragma weak pvh_fdt_cpus_read
#pragma weak pvh_fdt_cpus_end

/* The Devicetree Specification's defaults when a parent does not say. */
#define DEFAULT_ADDR_CELLS 2u
#define DEFAULT_SIZE_CELLS 1u
#define MAX_CELLS 2u /* pvhboot reads addresses and sizes of at most 64 bits */

/* UARTs kept (kind, address, path) until stdout-path is known, which may
 * come later in the tree; a tree with more is walked again to choose. */
#define UARTS_KEPT 8u

/*
 * The names readers look for: properties (the first of each, up to
 * PROP_KEPT, kept for its node; the others read by the walk as they
 * come, a later one overriding), top-level (depth 2) nodes, and the
 * strings of "compatible" lists. One text, each name at name_at[].
 */
#define NAME_LIST(X)                                                                       \
    X(PROP_COMPATIBLE, compatible, "compatible")                                           \
    X(PROP_REG, reg, "reg")                                                                \
    X(PROP_STATUS, status, "status")                                                       \
    X(PROP_DEVICE_TYPE, device_type, "device_type")                                        \
    X(PROP_METHOD, method, "method")                                                       \
    X(PROP_STDOUT_PATH, stdout_path, "stdout-path")                                        \
    X(PROP_BOOTARGS, bootargs, "bootargs")                                                 \
    X(PROP_INITRD_START, initrd_start, "linux,initrd-start")                               \
    X(PROP_INITRD_END, initrd_end, "linux,initrd-end")                                     \
    X(PROP_NO_MAP, no_map, "no-map")                                                       \
    X(PROP_ADDRESS_CELLS, address_cells, "#address-cells")                                 \
    X(PROP_SIZE_CELLS, size_cells, "#size-cells")                                          \
    X(PROP_RANGES, ranges, "ranges")                                                       \
    X(TOP_CHOSEN, chosen, "chosen")                                                        \
    X(TOP_ALIASES, aliases, "aliases")                                                     \
    X(TOP_HYPERVISOR, hypervisor, "hypervisor")                                            \
    X(TOP_PSCI, psci, "psci")                   /* "psci" or "psci@..." */                 \
    X(TOP_RESERVED_MEMORY, reserved_memory, "reserved-memory")                             \
    X(COMPAT_PL011, pl011, "arm,pl011")                                                    \
    X(COMPAT_SBSA, sbsa, "arm,sbsa-uart")                                                  \
    X(COMPAT_XEN, xen, "xen,xen")                                                          \
    X(COMPAT_MODULE, module, "multiboot,module")

#define NAME_ENUM(e, f, s) e,
#define NAME_FIELD(e, f, s) char f[sizeof(s)];
#define NAME_TEXT(e, f, s) s,
#define NAME_AT(e, f, s) offsetof(struct name_text, f),

enum name {
    NAME_LIST(NAME_ENUM)
    NAME_OTHER, /* none of them */
};
#define PROP_KEPT PROP_ADDRESS_CELLS

static const struct name_text {
    NAME_LIST(NAME_FIELD)
} name_text = { NAME_LIST(NAME_TEXT) };
static const uint8_t name_at[NAME_OTHER] = { NAME_LIST(NAME_AT) };
_Static_assert(sizeof(struct name_text) <= 255, "name_at holds a byte");
_Static_assert(NAME_OTHER < 31, "name_of packs an index + 1 in 5 bits");

static const char *name_str(enum name i)
{
    return (const char *)&name_text + name_at[i];
}

struct node {
    const char *name;
    uint32_t name_len;
    unsigned depth;        /* 1: the root (f[0] stands above it) */
    uint32_t props;        /* token offset of its first property */
    unsigned addr_cells;   /* the parent's #address-cells: how this node's reg reads */
    unsigned size_cells;
    uint32_t pre;          /* its children's path prefix ("/a/b/") length, at most PATH_LONG */
    bool mapped;           /* its reg is a CPU physical address */
    /* Set alike for every node as it starts (one after the other, so
     * that the stores merge): */
    unsigned child_addr_cells, child_size_cells; /* its own, for its children */
    uint32_t found;        /* bit p: kept[p] is its first property p */
    bool ranges_empty;
    bool visited;
    uint8_t top;           /* at depth 2: the name it is ("psci@..." is TOP_PSCI), */
    uint8_t under;         /* and the one its children's paths start with ("/chosen/") */
    struct {
        const uint8_t *value;
        uint32_t len;
    } kept[PROP_KEPT];
};

/* A prefix longer than a path may be: its node's path is too long. */
#define PATH_LONG (PVH_FDT_PATH_MAX + 2u)

/* Does n's path ("/a/b", the root's "/") fit PVH_FDT_PATH_MAX? */
static bool path_ok(const struct node *n)
{
    return n->pre <= PVH_FDT_PATH_MAX + 1;
}

struct uart {
    enum pvh_uart_kind kind;
    uint64_t base;
    bool path_ok;
    char path[PVH_FDT_PATH_MAX + 1];
};

/* Step 1's reader: console, PSCI, hypervisor. */
struct platform_read {
    struct pvh_fdt_platform *p;
    char stdout_path[PVH_FDT_PATH_MAX + 1];
    bool have_aliases;            /* /aliases exists; its properties start at: */
    uint32_t aliases_props;
    const char *alias;            /* the alias name stdout-path gave, if not a path */
    size_t alias_len;
    bool uarts_only;              /* the second walk: stdout-path known, only UARTs read */
    unsigned nr_uarts;            /* found; the first UARTS_KEPT are kept */
    struct uart uarts[UARTS_KEPT];
};

/* A reader that can fail keeps its first error and stops there. */
struct memory_read {
    struct pvh_boot_store *st;
    int rc;
    struct pvh_error *err;
};

struct chosen_read {
    struct pvh_boot_store *st;
    uint64_t dtb_pa, dtb_end;
    bool chosen_seen;
    int rc;
    struct pvh_error *err;
};

struct cpus_read {
    struct pvh_fdt_cpus_reader r;
    int rc;
    struct pvh_error *err;
};

#define PROP_MEMO 64u /* property names remembered by address (a power of 2) */

struct node_walk {
    struct pvh_fdt_walk w;
    const char *memo_name[PROP_MEMO]; /* a name's address in the strings block, */
    uint8_t memo_prop[PROP_MEMO];     /* and what it is */
    struct node f[PVH_FDT_MAX_DEPTH + 1];
    char path[PVH_FDT_PATH_MAX + 1];
    uint32_t until;               /* the walk ends at this token offset (0: at FDT_END) */
    /* The readers; NULL: not reading. */
    struct platform_read *platform;
    struct memory_read *memory;
    struct chosen_read *chosen;
    struct cpus_read *cpus;
    struct pvh_fdt_scan *where;   /* where /chosen is, for pvh_fdt_scan_chosen */
};

/* Each walk's state: large, written before it is read, one walk at a time. */
static struct node_walk nw_store PVH_NOINIT;
static struct platform_read platform_store PVH_NOINIT;

/* --- the walk ------------------------------------------------------------- */

/* The name of NAME_LIST that name starts with (the first byte picks
 * which to try) in the low byte, the byte of name after it above;
 * NAME_OTHER if none. */
#define TRY1(a) ((a) + 1u)
#define TRY2(a, b) (TRY1(a) | TRY1(b) << 5)
#define TRY3(a, b, c) (TRY2(a, b) | TRY1(c) << 10)

/* By first byte ('a' to 's'; '#' apart): the names to try. */
static const uint16_t name_try[] = {
    ['a' - 'a'] = TRY1(TOP_ALIASES),
    ['b' - 'a'] = TRY1(PROP_BOOTARGS),
    ['c' - 'a'] = TRY2(PROP_COMPATIBLE, TOP_CHOSEN),
    ['d' - 'a'] = TRY1(PROP_DEVICE_TYPE),
    ['h' - 'a'] = TRY1(TOP_HYPERVISOR),
    ['l' - 'a'] = TRY2(PROP_INITRD_START, PROP_INITRD_END),
    ['m' - 'a'] = TRY1(PROP_METHOD),
    ['n' - 'a'] = TRY1(PROP_NO_MAP),
    ['p' - 'a'] = TRY1(TOP_PSCI),
    ['r' - 'a'] = TRY3(PROP_REG, PROP_RANGES, TOP_RESERVED_MEMORY),
    ['s' - 'a'] = TRY2(PROP_STATUS, PROP_STDOUT_PATH),
};

static unsigned name_of(const char *name)
{
    unsigned try = 0, k, c = (unsigned char)name[0];

    if (c == '#')
        try = TRY2(PROP_ADDRESS_CELLS, PROP_SIZE_CELLS);
    else if (c - 'a' < sizeof(name_try) / sizeof(name_try[0]))
        try = name_try[c - 'a'];
    for (; try; try >>= 5) {
        unsigned i = (try & 31) - 1;
        const char *want = name_str((enum name)i);

        /* Byte 0 matched; name is read no further than its NUL. */
        for (k = 1; want[k] && name[k] == want[k]; k++)
            ;
        if (!want[k])
            return i | (unsigned)(unsigned char)name[k] << 8;
    }
    return NAME_OTHER;
}

#define FIRST_BYTE(c) (1u << ((c) - 'a'))
#define TOP_FIRST_BYTES (FIRST_BYTE('a') | FIRST_BYTE('c') | FIRST_BYTE('h') | FIRST_BYTE('p') | \
                         FIRST_BYTE('r'))

static void enter(struct node_walk *nw, const struct pvh_fdt_token *tok)
{
    struct node *f = &nw->f[tok->depth];
    const struct node *parent = f - 1; /* the root's: f[0], which walk_start sets */
    uint64_t pre = parent->pre + (uint64_t)tok->name_len + 1;

    f->name = tok->name;
    f->name_len = tok->name_len;
    f->depth = tok->depth;
    f->props = nw->w.next;
    f->addr_cells = parent->child_addr_cells;
    f->size_cells = parent->child_size_cells;
    f->mapped = parent->mapped && (parent->depth <= 1 || parent->ranges_empty);
    /* Paths: the root's is "/", a child's its parent's, '/', its name;
     * a node's prefix for its children is one byte longer. */
    f->pre = pre < PATH_LONG ? (uint32_t)pre : PATH_LONG;
    f->child_addr_cells = DEFAULT_ADDR_CELLS;
    f->child_size_cells = DEFAULT_SIZE_CELLS;
    f->found = 0;
    f->ranges_empty = false;
    f->visited = false;
    f->top = f->under = NAME_OTHER;
    /* (Most top-level nodes start with none of the TOP_ names' first
     * bytes: those are spared the call; a byte outside a-z may be tried.) */
    if (tok->depth == 2 && (TOP_FIRST_BYTES >> ((tok->name[0] - 'a') & 31) & 1)) {
        unsigned t = name_of(tok->name), end = t >> 8;

        if (!end || t == (TOP_PSCI | '@' << 8))
            f->top = (uint8_t)t;
        if (!end || end == '/')
            f->under = (uint8_t)t;
    }
}

/* What the property name at this address is (dtc and libfdt keep each
 * name once in the strings block: many properties share an address). */
static enum name prop_at(struct node_walk *nw, const char *name)
{
    uintptr_t a = (uintptr_t)name;
    unsigned m = (unsigned)((a ^ a >> 5) % PROP_MEMO);

    if (nw->memo_name[m] != name) {
        unsigned p = name_of(name);

        nw->memo_name[m] = name;
        nw->memo_prop[m] = (uint8_t)(p >> 8 ? NAME_OTHER : p);
    }
    return (enum name)nw->memo_prop[m];
}

/* A number in 0 to MAX_CELLS big-endian 32-bit cells at v. */
static uint64_t read_cells(const uint8_t *v, unsigned cells)
{
    uint64_t x = 0;

    for (; cells; cells--, v += 4) /* (bytes: v may lie unaligned) */
        x = x << 32 | (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
    return x;
}

static void note_prop(struct node *n, enum name p, const struct pvh_fdt_token *tok)
{
    if (p < PROP_KEPT) {
        if (!(n->found & (1u << p))) {
            n->found |= 1u << p;
            n->kept[p].value = tok->value;
            n->kept[p].len = tok->len;
        }
    } else if (p <= PROP_RANGES) { /* the few the walk reads itself */
        if (p == PROP_RANGES)
            n->ranges_empty = tok->len == 0;
        else if (tok->len == 4 && p == PROP_ADDRESS_CELLS)
            n->child_addr_cells = (unsigned)read_cells(tok->value, 1);
        else if (tok->len == 4)
            n->child_size_cells = (unsigned)read_cells(tok->value, 1);
    }
}

/* Property p of node n: its value and *len, or NULL (absent). */
static __attribute__((noinline)) const uint8_t *prop(const struct node *n, enum name p, uint32_t *len)
{
    bool found = n->found & (1u << p);

    *len = found ? n->kept[p].len : 0;
    return found ? n->kept[p].value : NULL;
}

/* The path of n (a node on the walk's current branch) in buf, or NULL
 * when it is longer than PVH_FDT_PATH_MAX. */
static const char *node_path(const struct node_walk *nw, const struct node *n, char *buf)
{
    size_t at = 0;
    unsigned d;

    if (!path_ok(n))
        return NULL;
    if (n->depth == 1)
        return "/";
    for (d = 2; d <= n->depth; d++) {
        buf[at++] = '/';
        memcpy(buf + at, nw->f[d].name, nw->f[d].name_len);
        at += nw->f[d].name_len;
    }
    buf[at] = '\0';
    return buf;
}

/* Is n at depth 3 under the top-level node t: does its path start
 * "/<t's name>/" (never for a path too long to keep)? */
static bool under_top(const struct node_walk *nw, const struct node *n, enum name t)
{
    return n->depth == 3 && path_ok(n) && nw->f[2].under == t;
}

/* Which COMPAT_ names the node's "compatible" list holds, bit
 * i - COMPAT_PL011 for each (as pvh_fdt_strlist_has would find them:
 * strings up to one without its NUL). */
#define HAS(c) (1u << ((c) - COMPAT_PL011))

static unsigned compatible(const struct node *n)
{
    uint32_t len, at, end;
    const uint8_t *v = prop(n, PROP_COMPATIBLE, &len);
    unsigned found = 0;
    enum name c;

    for (at = 0; at < len; at = end + 1) {
        end = at + pvh_fdt_nul_index(v + at, len - at);
        if (end == len)
            break; /* the last string has no NUL: not a string list */
        switch (end - at) { /* the length picks the one to compare */
        case sizeof(name_text.pl011) - 1: c = COMPAT_PL011; break;
        case sizeof(name_text.sbsa) - 1: c = COMPAT_SBSA; break;
        case sizeof(name_text.xen) - 1: c = COMPAT_XEN; break;
        case sizeof(name_text.module) - 1: c = COMPAT_MODULE; break;
        default: continue;
        }
        if (!memcmp(v + at, name_str(c), end - at))
            found |= HAS(c);
    }
    return found;
}

/* Is the string property p of n want (want_size: with its NUL)? */
static bool string_prop_is(const struct node *n, enum name p, const char *want, uint32_t want_size)
{
    uint32_t len;
    const uint8_t *v = prop(n, p, &len);

    return v && len == want_size && !memcmp(v, want, len);
}
#define STRING_PROP_IS(n, p, want) string_prop_is(n, p, want, sizeof(want))

static bool status_okay(const struct node *n)
{
    uint32_t len;
    const uint8_t *v = prop(n, PROP_STATUS, &len);

    /* Absent means "okay"; the spec also allows the older "ok": "okay"
     * or "ok" cut short, each with its NUL. */
    return !v || ((len == sizeof("okay") || len == sizeof("ok")) && !memcmp(v, "okay", len - 1) &&
                  !v[len - 1]);
}

/* Does n's reg read as pvhboot reads addresses: #address-cells 1 or 2,
 * #size-cells min_size to 2 (its parent's)? */
static bool cells_ok(const struct node *n, unsigned min_size)
{
    return n->addr_cells - 1 < MAX_CELLS && n->size_cells - min_size <= MAX_CELLS - min_size;
}

/* The address of the reg entry at v of n (cells_ok), its size in *size. */
static uint64_t reg_entry(const struct node *n, const uint8_t *v, uint64_t *size)
{
    *size = read_cells(v + (size_t)n->addr_cells * 4, n->size_cells);
    return read_cells(v, n->addr_cells);
}

#define CELLS_UNSUPPORTED "fdt: %s%s: #address-cells %u #size-cells %u unsupported"

/* --- step 1: console, PSCI, hypervisor -------------------------------------- */

static void copy_path(char *dst, const uint8_t *src, size_t len)
{
    if (len > PVH_FDT_PATH_MAX)
        len = 0; /* too long to be one of ours: matches nothing */
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* /chosen/stdout-path: "path-or-alias[:options]". */
static void find_stdout(struct platform_read *pr, const struct node *n)
{
    uint32_t len, end;
    const uint8_t *v = prop(n, PROP_STDOUT_PATH, &len);

    if (!v)
        return;
    for (end = 0; end < len && v[end] && v[end] != ':'; end++)
        ;
    if (end && v[0] == '/') {
        copy_path(pr->stdout_path, v, end);
    } else {
        pr->alias = (const char *)v;
        pr->alias_len = end;
    }
}

/* The alias stdout-path named, from /aliases (a second walk of that node). */
static int resolve_alias(const struct pvh_fdt *fdt, struct platform_read *pr,
                         struct pvh_error *err)
{
    struct pvh_fdt_walk w;
    struct pvh_fdt_token tok;

    if (!pr->alias || !pr->alias_len || !pr->have_aliases)
        return PVH_OK;
    pvh_fdt_walk_at(&w, fdt, pr->aliases_props, 2);
    for (;;) {
        int rc = pvh_fdt_walk_next(&w, &tok, err);

        if (rc)
            return rc;
        if (tok.kind != PVH_FDT_PROP)
            return PVH_OK;
        if (strlen(tok.name) == pr->alias_len && !memcmp(tok.name, pr->alias, pr->alias_len) &&
            pvh_fdt_is_string(tok.value, tok.len)) {
            copy_path(pr->stdout_path, tok.value, tok.len - 1);
            return PVH_OK;
        }
    }
}

/* The address of n's first reg entry, if it has one pvhboot can use. */
static bool first_reg(const struct node *n, uint64_t *base)
{
    uint32_t len;
    const uint8_t *v = prop(n, PROP_REG, &len);
    uint64_t size;

    if (!n->mapped || !cells_ok(n, 0) || !v || len < (n->addr_cells + n->size_cells) * 4)
        return false;
    *base = reg_entry(n, v, &size);
    return true;
}

/* The console: the UART stdout-path names, else the first one found. */
static void choose_uart(struct platform_read *pr, enum pvh_uart_kind kind, uint64_t base,
                        const char *path)
{
    bool named = path && pr->stdout_path[0] && pvh_fdt_name_is(path, pr->stdout_path);

    if (pr->p->uart == PVH_UART_NONE || (named && !pr->p->uart_from_stdout_path)) {
        pr->p->uart = kind;
        pr->p->uart_base = base;
        pr->p->uart_from_stdout_path = named;
    }
}

static void check_uart(struct platform_read *pr, const struct node_walk *nw, const struct node *n)
{
    unsigned compat = compatible(n);
    enum pvh_uart_kind kind = (compat & HAS(COMPAT_PL011)) ? PVH_UART_PL011 :
                              (compat & HAS(COMPAT_SBSA)) ? PVH_UART_SBSA : PVH_UART_NONE;
    uint64_t base;

    if (kind == PVH_UART_NONE || !status_okay(n) || !first_reg(n, &base))
        return;
    if (pr->uarts_only) {
        char path[PVH_FDT_PATH_MAX + 1];

        choose_uart(pr, kind, base, node_path(nw, n, path));
    } else if (pr->nr_uarts < UARTS_KEPT) {
        struct uart *u = &pr->uarts[pr->nr_uarts++];

        u->kind = kind;
        u->base = base;
        u->path_ok = node_path(nw, n, u->path) != NULL;
    } else {
        pr->nr_uarts = UARTS_KEPT + 1; /* too many to keep: choose in a second walk */
    }
}

static void platform_visit(struct platform_read *pr, const struct node_walk *nw,
                           const struct node *n)
{
    if (!pr->uarts_only && n->depth == 2) {
        switch (n->top) {
        case TOP_CHOSEN:
            find_stdout(pr, n);
            break;
        case TOP_ALIASES:
            /* Remember the node: the alias is looked up once /chosen is read. */
            pr->have_aliases = true;
            pr->aliases_props = n->props;
            break;
        case TOP_HYPERVISOR:
            pr->p->xen_node |= (compatible(n) & HAS(COMPAT_XEN)) != 0;
            break;
        case TOP_PSCI:
            if (STRING_PROP_IS(n, PROP_METHOD, "hvc"))
                pr->p->psci = PVH_PSCI_HVC;
            else if (STRING_PROP_IS(n, PROP_METHOD, "smc") && pr->p->psci == PVH_PSCI_NONE)
                pr->p->psci = PVH_PSCI_SMC;
            break;
        default:
            break;
        }
    }
    check_uart(pr, nw, n);
}

/* --- step 2: memory ------------------------------------------------------- */

/* How an error names n: its path, or its name when that is too long. */
static const char *what(struct node_walk *nw, const struct node *n)
{
    const char *path = node_path(nw, n, nw->path);

    return path ? path : n->name;
}

/* (Out of line: two callers, neither of them hot.) */
static __attribute__((noinline)) int add_raw(struct pvh_boot_store *st, uint64_t base,
                                              uint64_t size, uint32_t type, uint32_t flags,
                                              const char *what_name, struct pvh_error *err)
{
    if (st->nr_raw == PVH_MEMMAP_IN_MAX)
        return pvh_fail(err, PVH_E2BIG, "fdt: more than %u memory ranges (at %s)",
                        PVH_MEMMAP_IN_MAX, what_name);
    st->raw[st->nr_raw++] = (struct pvh_region){ base, size, type, flags };
    return PVH_OK;
}

/*
 * /memory nodes (device_type "memory": the name alone is not enough) as
 * RAM, children of /reserved-memory with a fixed place ("reg"; those
 * with only "size" are allocated by the OS and are not reserved yet) as
 * reserved: every (address, size) pair of their reg.
 */
static int memory_visit(struct memory_read *mr, struct node_walk *nw, const struct node *n,
                        struct pvh_error *err)
{
    struct pvh_boot_store *st = mr->st;
    uint32_t type = E820_TYPE_RESERVED, flags = 0, len, entry, at;
    const uint8_t *v;

    if (n->depth == 2 && STRING_PROP_IS(n, PROP_DEVICE_TYPE, "memory") && status_okay(n))
        type = E820_TYPE_RAM;
    else if (under_top(nw, n, TOP_RESERVED_MEMORY))
        flags = prop(n, PROP_NO_MAP, &len) ? PVH_FDT_REGION_NO_MAP : 0;
    else
        return PVH_OK;
    if (!cells_ok(n, 1))
        return pvh_fail(err, PVH_EINVAL, CELLS_UNSUPPORTED, "", what(nw, n), n->addr_cells,
                        n->size_cells);
    v = prop(n, PROP_REG, &len);
    entry = (n->addr_cells + n->size_cells) * 4;
    if (len % entry)
        return pvh_fail(err, PVH_EINVAL, "fdt: %s: reg of %u bytes is not a list of %u-byte entries",
                        what(nw, n), len, entry);
    for (at = 0; at < len; at += entry) {
        uint64_t size, base = reg_entry(n, v + at, &size);

        if (base + size < base)
            return pvh_fail(err, PVH_ERANGE, "fdt: %s: range 0x%llx size 0x%llx wraps past 2^64",
                            what(nw, n), (unsigned long long)base, (unsigned long long)size);
        /* The name only for the error: a path is built when needed. */
        if (add_raw(st, base, size, type, flags,
                    st->nr_raw == PVH_MEMMAP_IN_MAX ? what(nw, n) : "", err))
            return err->code;
    }
    return PVH_OK;
}

/* After the walk: the /memreserve/ entries, and RAM there must be. */
static int memory_done(const struct pvh_fdt *fdt, struct pvh_boot_store *st,
                       struct pvh_error *err)
{
    uint32_t i;
    int rc;

    for (i = 0; i < fdt->nr_rsv; i++) {
        uint64_t base, size;

        pvh_fdt_rsv(fdt, i, &base, &size);
        if (base + size < base)
            return pvh_fail(err, PVH_ERANGE,
                            "fdt: /memreserve/ %u: 0x%llx size 0x%llx wraps past 2^64", i,
                            (unsigned long long)base, (unsigned long long)size);
        rc = add_raw(st, base, size, E820_TYPE_RESERVED, PVH_FDT_REGION_NO_MAP, "/memreserve/",
                     err);
        if (rc)
            return rc;
    }
    for (i = 0; i < st->nr_raw; i++)
        if (st->raw[i].type == E820_TYPE_RAM && st->raw[i].size)
            return PVH_OK;
    return pvh_fail(err, PVH_ENOENT, "fdt: no /memory node with RAM: %u ranges", st->nr_raw);
}

/* --- step 4: /chosen ---------------------------------------------------------- */

static int check_module(const struct chosen_read *cr, unsigned i, struct pvh_error *err)
{
    const struct pvh_boot_store *st = cr->st;
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
    if (m->base < cr->dtb_end && cr->dtb_pa < m->base + m->size)
        return pvh_fail(err, PVH_EOVERLAP, "module %u at 0x%llx: overlaps the device tree at 0x%llx",
                        i, (unsigned long long)m->base, (unsigned long long)cr->dtb_pa);
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

static int add_module(struct chosen_read *cr, uint64_t base, uint64_t size,
                      const uint8_t *cmdline, uint32_t cmdline_len, struct pvh_error *err)
{
    struct pvh_boot_store *st = cr->st;
    unsigned i = st->boot.nr_modules;
    char *dst = st->module_cmdlines + st->module_cmdlines_used;

    if (i == PVH_MODULES_MAX)
        return pvh_fail(err, PVH_E2BIG, "fdt: more than %u modules", PVH_MODULES_MAX);
    st->modules[i] = (struct pvh_module){ .base = base, .size = size, .cmdline = "" };
    if (check_module(cr, i, err))
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

/* linux,initrd-start/-end (32- or 64-bit values): module 0 when start != end. */
static int read_initrd(struct chosen_read *cr, const struct node *n, struct pvh_error *err)
{
    uint64_t at[2]; /* start, end: 0 when absent */
    unsigned i, has = (n->found >> PROP_INITRD_START) & 3; /* bit 0: start, bit 1: end */

    for (i = 0; i < 2; i++) {
        enum name p = (enum name)(PROP_INITRD_START + i);
        uint32_t len;
        const uint8_t *v = prop(n, p, &len);

        if (v && len != 4 && len != 8)
            return pvh_fail(err, PVH_EINVAL, "fdt: /chosen/%s: %u bytes, expected 4 or 8",
                            name_str(p), len);
        at[i] = v ? read_cells(v, len / 4) : 0;
    }
    /* has 1: start without end; 2: end without start. */
    if (has == 1 || has == 2)
        return pvh_fail(err, PVH_EINVAL, "fdt: /chosen has %s without %s",
                        name_str((enum name)(PROP_INITRD_START + has - 1)),
                        name_str((enum name)(PROP_INITRD_END + 1 - has)));
    if (at[1] < at[0])
        return pvh_fail(err, PVH_ERANGE, "fdt: initrd ends before it starts: 0x%llx-0x%llx",
                        (unsigned long long)at[0], (unsigned long long)at[1]);
    if (at[0] == at[1]) /* Xen writes start == end == 0 for "no initrd" */
        return PVH_OK;
    return add_module(cr, at[0], at[1] - at[0], NULL, 0, err);
}

static int read_bootargs(struct chosen_read *cr, const struct node *n, struct pvh_error *err)
{
    uint32_t len;
    const uint8_t *v = prop(n, PROP_BOOTARGS, &len);

    if (!v)
        return PVH_OK;
    if (!pvh_fdt_is_string(v, len))
        return pvh_fail(err, PVH_EINVAL, "fdt: /chosen/bootargs: not a NUL-terminated string of %u bytes",
                        len);
    if (len - 1 > PVH_CMDLINE_MAX)
        return pvh_fail(err, PVH_E2BIG, "cmdline: longer than %u bytes: %u", PVH_CMDLINE_MAX,
                        len - 1);
    memcpy(cr->st->cmdline, v, len);
    return PVH_OK;
}

/* A "multiboot,module" child of /chosen: its first reg entry, its bootargs. */
static int read_module_node(struct chosen_read *cr, const struct node *n, struct pvh_error *err)
{
    uint32_t len, args_len;
    const uint8_t *reg = prop(n, PROP_REG, &len), *args;
    uint64_t base, size;

    if (!(compatible(n) & HAS(COMPAT_MODULE)))
        return PVH_OK;
    if (!cells_ok(n, 1))
        return pvh_fail(err, PVH_EINVAL, CELLS_UNSUPPORTED, "module ", n->name, n->addr_cells,
                        n->size_cells);
    if (!reg || len < (n->addr_cells + n->size_cells) * 4)
        return pvh_fail(err, PVH_EINVAL, "fdt: module %s: no reg", n->name);
    base = reg_entry(n, reg, &size);
    args = prop(n, PROP_BOOTARGS, &args_len);
    return add_module(cr, base, size, args, args_len, err);
}

static int chosen_visit(struct chosen_read *cr, const struct node_walk *nw, const struct node *n,
                        struct pvh_error *err)
{
    if (n->depth == 2 && n->top == TOP_CHOSEN && !cr->chosen_seen) {
        cr->chosen_seen = true;
        if (read_bootargs(cr, n, err) || read_initrd(cr, n, err))
            return err->code;
    } else if (under_top(nw, n, TOP_CHOSEN)) {
        return read_module_node(cr, n, err);
    }
    return PVH_OK;
}

static void chosen_start(struct chosen_read *cr, struct pvh_boot_store *st, uint64_t dtb_pa,
                         uint32_t totalsize, struct pvh_error *err)
{
    *cr = (struct chosen_read){ .st = st, .dtb_pa = dtb_pa, .dtb_end = dtb_pa + totalsize,
                                .err = err };
    st->cmdline[0] = '\0';
    st->boot.nr_modules = 0;
    st->module_cmdlines_used = 0;
}

/* --- the walk with its readers ---------------------------------------------- */

/* Hand the node at depth d to every reader still reading, once. */
static void visit_once(struct node_walk *nw, unsigned d)
{
    struct node *n = &nw->f[d];

    if (n->visited)
        return;
    n->visited = true;
    if (nw->platform)
        platform_visit(nw->platform, nw, n);
    if (nw->memory && !nw->memory->rc)
        nw->memory->rc = memory_visit(nw->memory, nw, n, nw->memory->err);
    if (nw->chosen && !nw->chosen->rc)
        nw->chosen->rc = chosen_visit(nw->chosen, nw, n, nw->chosen->err);
}

static bool reading(const struct node_walk *nw)
{
    return nw->platform || (nw->memory && !nw->memory->rc) ||
           (nw->chosen && !nw->chosen->rc) || (nw->cpus && !nw->cpus->rc);
}

/* Where the /chosen nodes are: from the first one's FDT_BEGIN_NODE to
 * the end of the last (nodes whose children's paths start "/chosen/"). */
static void note_chosen(struct node_walk *nw, const struct pvh_fdt_token *tok)
{
    if (tok->depth != 2 || nw->f[2].under != TOP_CHOSEN)
        return;
    if (tok->kind == PVH_FDT_NODE && !nw->where->chosen_end)
        nw->where->chosen_begin = tok->offset;
    if (tok->kind == PVH_FDT_END_NODE)
        nw->where->chosen_end = tok->offset + 4;
}

/* The walk from where nw->w stands, until FDT_END, nw->until, or no
 * reader is left. Fails only for an error in the tree's structure (the
 * readers keep their own). */
static int walk_nodes(struct node_walk *nw, struct pvh_error *err)
{
    struct pvh_fdt_token tok;
    int rc;

    while (reading(nw)) {
        rc = pvh_fdt_walk_fast(&nw->w, &tok, err);
        if (rc)
            return rc;
        if (nw->cpus && !nw->cpus->rc)
            nw->cpus->rc = pvh_fdt_cpus_token(&nw->cpus->r, &tok, nw->cpus->err);
        switch (tok.kind) {
        case PVH_FDT_NODE:
            if (tok.depth > 1)
                visit_once(nw, tok.depth - 1);
            enter(nw, &tok);
            if (nw->where && tok.depth == 2)
                note_chosen(nw, &tok);
            break;
        case PVH_FDT_PROP:
            note_prop(&nw->f[tok.depth], prop_at(nw, tok.name), &tok);
            break;
        case PVH_FDT_END_NODE:
            visit_once(nw, tok.depth);
            if (nw->where && tok.depth == 2)
                note_chosen(nw, &tok);
            break;
        case PVH_FDT_DONE:
            return PVH_OK;
        }
        if (nw->until && nw->w.next >= nw->until)
            return PVH_OK;
    }
    return PVH_OK;
}

static struct node_walk *walk_start(const struct pvh_fdt *fdt)
{
    struct node_walk *nw = &nw_store;
    unsigned i;

    for (i = 0; i < PROP_MEMO; i++)
        nw->memo_name[i] = NULL;
    pvh_fdt_walk_start(&nw->w, fdt);
    nw->until = 0;
    nw->platform = NULL;
    nw->memory = NULL;
    nw->chosen = NULL;
    nw->cpus = NULL;
    nw->where = NULL;
    /* Above the root: "/" is its path, 1:1 its addresses, and the
     * specification's defaults its cells. */
    nw->f[0].depth = 0;
    nw->f[0].pre = 0;
    nw->f[0].mapped = true;
    nw->f[0].child_addr_cells = DEFAULT_ADDR_CELLS;
    nw->f[0].child_size_cells = DEFAULT_SIZE_CELLS;
    return nw;
}

static void platform_start(struct platform_read *pr, struct pvh_fdt_platform *p)
{
    *p = (struct pvh_fdt_platform){ 0 };
    pr->p = p;
    pr->stdout_path[0] = '\0';
    pr->have_aliases = false;
    pr->aliases_props = 0;
    pr->alias = NULL;
    pr->alias_len = 0;
    pr->uarts_only = false;
    pr->nr_uarts = 0;
}

/* After the walk: stdout-path resolved, the console chosen among the
 * UARTs kept, or by a second walk if there were more. */
static int platform_done(const struct pvh_fdt *fdt, struct platform_read *pr,
                         struct pvh_error *err)
{
    struct node_walk *nw;
    unsigned i;
    int rc = resolve_alias(fdt, pr, err);

    if (rc)
        return rc;
    if (pr->nr_uarts <= UARTS_KEPT) {
        for (i = 0; i < pr->nr_uarts; i++)
            choose_uart(pr, pr->uarts[i].kind, pr->uarts[i].base,
                        pr->uarts[i].path_ok ? pr->uarts[i].path : NULL);
        return PVH_OK;
    }
    nw = walk_start(fdt);
    pr->uarts_only = true;
    nw->platform = pr;
    return walk_nodes(nw, err);
}

int pvh_fdt_platform(const struct pvh_fdt *fdt, struct pvh_fdt_platform *p, struct pvh_error *err)
{
    struct node_walk *nw = walk_start(fdt);
    int rc;

    platform_start(&platform_store, p);
    nw->platform = &platform_store;
    rc = walk_nodes(nw, err);
    return rc ? rc : platform_done(fdt, &platform_store, err);
}

int pvh_fdt_read_memory(const struct pvh_fdt *fdt, struct pvh_boot_store *st,
                        struct pvh_error *err)
{
    struct memory_read mr = { st, PVH_OK, err };
    struct node_walk *nw = walk_start(fdt);
    int rc;

    st->nr_raw = 0;
    nw->memory = &mr;
    rc = walk_nodes(nw, err);
    if (!rc)
        rc = mr.rc;
    return rc ? rc : memory_done(fdt, st, err);
}

int pvh_fdt_read_chosen(const struct pvh_fdt *fdt, struct pvh_boot_store *st, uint64_t dtb_pa,
                        struct pvh_error *err)
{
    struct chosen_read cr;
    struct node_walk *nw = walk_start(fdt);
    int rc;

    chosen_start(&cr, st, dtb_pa, fdt->totalsize, err);
    nw->chosen = &cr;
    rc = walk_nodes(nw, err);
    return rc ? rc : cr.rc;
}

int pvh_fdt_scan(const struct pvh_fdt *fdt, struct pvh_boot_store *st, uint64_t boot_hwid,
                 struct pvh_fdt_cpus *cpus, struct pvh_fdt_scan *sc, struct pvh_error *err)
{
    struct memory_read mr = { st, PVH_OK, &sc->memory_err };
    static struct cpus_read cr PVH_NOINIT;
    struct node_walk *nw = walk_start(fdt);
    int rc;

    sc->chosen_begin = sc->chosen_end = 0;
    sc->cpus_rc = PVH_OK;
    st->nr_raw = 0;
    platform_start(&platform_store, &sc->platform);
    nw->platform = &platform_store;
    nw->memory = &mr;
    nw->where = sc;
    if (cpus) {
        cr.rc = PVH_OK;
        cr.err = &sc->cpus_err;
        pvh_fdt_cpus_begin(&cr.r, boot_hwid, cpus);
        nw->cpus = &cr;
    }
    rc = walk_nodes(nw, err);
    if (rc)
        return rc;
    sc->root_addr_cells = nw->f[1].child_addr_cells;
    sc->root_size_cells = nw->f[1].child_size_cells;
    rc = platform_done(fdt, &platform_store, err);
    if (rc)
        return rc;
    sc->memory_rc = mr.rc;
    if (cpus)
        sc->cpus_rc = pvh_fdt_cpus_end(&cr.r, cr.rc, &sc->cpus_err);
    return PVH_OK;
}

int pvh_fdt_scan_memory(const struct pvh_fdt *fdt, const struct pvh_fdt_scan *sc,
                        struct pvh_boot_store *st, struct pvh_error *err)
{
    if (sc->memory_rc) {
        *err = sc->memory_err;
        return sc->memory_rc;
    }
    return memory_done(fdt, st, err);
}

int pvh_fdt_scan_chosen(const struct pvh_fdt *fdt, const struct pvh_fdt_scan *sc,
                        struct pvh_boot_store *st, uint64_t dtb_pa, struct pvh_error *err)
{
    struct chosen_read cr;
    struct node_walk *nw;
    int rc;

    chosen_start(&cr, st, dtb_pa, fdt->totalsize, err);
    if (!sc->chosen_end)
        return PVH_OK; /* no /chosen: no cmdline, no modules */
    /* From the first /chosen to the end of the last, under a root whose
     * own properties were read already (what /chosen's readers use of
     * it: nothing but that it maps 1:1). Of the root's frame only what
     * a child reads of its parent is set; it is not visited again. */
    nw = walk_start(fdt);
    pvh_fdt_walk_at(&nw->w, fdt, sc->chosen_begin, 1);
    nw->f[1].depth = 1;
    nw->f[1].mapped = true;
    nw->f[1].pre = 1;
    nw->f[1].child_addr_cells = sc->root_addr_cells;
    nw->f[1].child_size_cells = sc->root_size_cells;
    nw->f[1].ranges_empty = false;
    nw->f[1].visited = true;
    nw->until = sc->chosen_end;
    nw->chosen = &cr;
    rc = walk_nodes(nw, err);
    return rc ? rc : cr.rc;
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

static bool is_ram(const struct pvh_region *r)
{
    return r->type == E820_TYPE_RAM;
}

/* The plan's input: the ranges, and keep's. */
struct plan_in {
    const struct pvh_region *raw;
    unsigned n;
    uint64_t keep_base, keep_end;
};

/* Range i of the plan page-rounded into b[0..1]: raw[i] (i < n) when it
 * is RAM or a hole (a no-map range that is not RAM) and not empty, keep
 * (i == n) when it is not empty; false for any other. */
static bool plan_range(const struct plan_in *in, unsigned i, uint64_t b[2])
{
    uint64_t base = in->keep_base, end = in->keep_end;

    if (i < in->n) {
        const struct pvh_region *r = &in->raw[i];

        if (!r->size || !(is_ram(r) || (r->flags & PVH_FDT_REGION_NO_MAP)))
            return false;
        base = r->base;
        end = base + r->size;
    } else if (end <= base) {
        return false;
    }
    b[0] = page_down(base);
    b[1] = page_up_end(end);
    return true;
}

/* The least boundary of the plan's ranges above at (~0ull: none; no
 * boundary is that high, page_up_end stays below it), and what the page
 * at at is: *any when RAM or a hole covers it, its kind in the result's
 * stead through *kind (not mapped in a hole, unless keep covers it too). */
static uint64_t step(const struct plan_in *in, uint64_t at, bool *any, enum pvh_map_kind *kind)
{
    bool ram = false, hole = false, keep = false;
    uint64_t next = ~0ull, b[2];
    unsigned i, k;

    for (i = 0; i <= in->n; i++) {
        if (!plan_range(in, i, b))
            continue;
        for (k = 0; k < 2; k++)
            if (b[k] > at && b[k] < next)
                next = b[k];
        if (at < b[0] || at >= b[1])
            continue;
        if (i == in->n)
            keep = true;
        else if (is_ram(&in->raw[i]))
            ram = true;
        else
            hole = true;
    }
    *any = ram || hole;
    *kind = hole && !keep ? PVH_MAP_NONE : PVH_MAP_NORMAL;
    return next;
}

int pvh_fdt_map_plan(const struct pvh_region *raw, unsigned n, uint64_t keep_base,
                     uint64_t keep_end, struct pvh_map_plan *plan, struct pvh_error *err)
{
    const struct plan_in in = { raw, n, keep_base, keep_end };
    uint64_t base, end;

    if (n > PVH_MEMMAP_IN_MAX)
        return pvh_fail(err, PVH_E2BIG, "map plan: %u ranges, at most %u", n, PVH_MEMMAP_IN_MAX);
    plan->nr = 0;
    /* From boundary to boundary, in order, each found afresh (no sort);
     * below the first, nothing covers a page. */
    for (base = 0;; base = end) {
        struct pvh_map_range *last = plan->nr ? &plan->ranges[plan->nr - 1] : NULL;
        bool any;
        enum pvh_map_kind kind;

        end = step(&in, base, &any, &kind);
        if (end == ~0ull)
            break;
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
