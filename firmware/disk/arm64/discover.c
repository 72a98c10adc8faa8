/*
 * Where arm64's device tree describes virtio-blk disks: the root's
 * children compatible with "virtio,mmio" (reg: the transport), and a
 * PCIe host bridge compatible with "pci-host-ecam-generic" (reg: its
 * ECAM; ranges: the MMIO windows BARs go in). Nothing runs before
 * pvhboot on QEMU's virt, so its BARs are 0 and pvhboot assigns them
 * (firmware/disk/pci.c). Nodes with status other than "okay" are left out.
 */
#include "common/fdt/fdt.h"
#include "common/lib/string.h"
#include "firmware/disk/disk.h"
#include "firmware/disk/pci.h"

/* Linux's limit for a device tree (arch/arm64/arch.h's ARM64_FDT_SIZE_MAX). */
#define FDT_SIZE_MAX 0x200000u
#define PCI_CHILD_CELLS 3u
#define PCI_SPACE_MEM32 0x02000000u
#define PCI_SPACE_MEM64 0x03000000u
#define PCI_SPACE_MASK  0x03000000u

/* The properties read: a child of the root's, then the root's own. */
enum { P_COMPATIBLE, P_REG, P_RANGES, P_STATUS, NR_NODE_PROPS, P_ADDRESS_CELLS = NR_NODE_PROPS,
       P_SIZE_CELLS, NR_PROPS };
static const char prop_names[] = "compatible\0reg\0ranges\0status\0#address-cells\0#size-cells";

/* What one child of the root says: each property's value and length. */
struct node {
    const uint8_t *val[NR_NODE_PROPS];
    uint32_t len[NR_NODE_PROPS];
};

static unsigned prop_index(const char *name)
{
    const char *p = prop_names;
    unsigned i;

    for (i = 0; i < NR_PROPS && strcmp(name, p); i++)
        p += strlen(p) + 1;
    return i;
}

/* Is s one of the NUL-terminated strings of list? */
static bool has_string(const uint8_t *list, uint32_t len, const char *s)
{
    size_t n = strlen(s) + 1, i = 0;

    while (i + n <= len) {
        if (!memcmp(list + i, s, n))
            return true;
        i += strnlen((const char *)list + i, len - i) + 1;
    }
    return false;
}

static uint64_t cells(const uint8_t *p, unsigned n)
{
    return n == 2 ? pvh_be64(p) : n == 1 ? pvh_be32(p) : 0;
}

/* The first reg entry: base and size. */
static bool first_reg(const struct node *n, unsigned ac, unsigned sc, uint64_t *base, uint64_t *size)
{
    if (!n->val[P_REG] || n->len[P_REG] < 4 * (ac + sc))
        return false;
    *base = cells(n->val[P_REG], ac);
    *size = cells(n->val[P_REG] + 4 * ac, sc);
    return true;
}

/* The memory windows of a host bridge's ranges (child 3 cells, parent
 * ac, size 2): the first 32-bit and the first 64-bit one. */
static void windows(const struct node *n, unsigned ac, struct pvh_pci *pci)
{
    uint32_t step = 4 * (PCI_CHILD_CELLS + ac + 2), i;

    for (i = 0; n->val[P_RANGES] && i + step <= n->len[P_RANGES]; i += step) {
        const uint8_t *e = n->val[P_RANGES] + i;
        uint32_t space = pvh_be32(e) & PCI_SPACE_MASK;
        uint64_t pci_addr = pvh_be64(e + 4), cpu = cells(e + 12, ac);
        uint64_t size = pvh_be64(e + 12 + 4 * ac);
        struct pvh_pci_window *w = space == PCI_SPACE_MEM32 ? &pci->window32 :
                                   space == PCI_SPACE_MEM64 ? &pci->window64 : NULL;

        if (!w || w->end || !size || pci_addr + size < pci_addr)
            continue;
        *w = (struct pvh_pci_window){ pci_addr, pci_addr + size, cpu - pci_addr };
    }
}

static int node_done(const struct node *n, unsigned ac, unsigned sc, struct pvh_disk_list *list,
                     struct pvh_pci *pci, bool *have_pci, struct pvh_error *err)
{
    uint64_t base, size;

    const uint8_t *compatible = n->val[P_COMPATIBLE], *status = n->val[P_STATUS];

    if (!compatible || (status && !has_string(status, n->len[P_STATUS], "okay") &&
                        !has_string(status, n->len[P_STATUS], "ok")))
        return PVH_OK;
    if (has_string(compatible, n->len[P_COMPATIBLE], "virtio,mmio")) {
        if (!first_reg(n, ac, sc, &base, &size))
            return pvh_fail(err, PVH_EINVAL, "device tree: a virtio,mmio node with reg of %u bytes",
                            n->len[P_REG]);
        return pvh_virtio_mmio_probe(list, base, size, err);
    }
    if (has_string(compatible, n->len[P_COMPATIBLE], "pci-host-ecam-generic") && !*have_pci) {
        if (!first_reg(n, ac, sc, &base, &size) || size < (1u << 20))
            return pvh_fail(err, PVH_EINVAL, "device tree: pci-host-ecam-generic reg of %u bytes",
                            n->len[P_REG]);
        pci->ecam = base;
        windows(n, ac, pci);
        *have_pci = true;
    }
    return PVH_OK;
}

static int walk(const struct pvh_fdt *fdt, struct pvh_disk_list *list, struct pvh_pci *pci,
                bool *have_pci, struct pvh_error *err)
{
    unsigned ac = 2, sc = 1; /* the root's #address-cells, #size-cells (defaults) */
    struct pvh_fdt_walk w;
    struct pvh_fdt_token tok;
    struct node n = { 0 };
    unsigned i;

    pvh_fdt_walk_start(&w, fdt);
    for (;;) {
        int rc = pvh_fdt_walk_next(&w, &tok, err);

        if (rc)
            return rc;
        if (tok.kind == PVH_FDT_DONE)
            return PVH_OK;
        i = tok.kind == PVH_FDT_PROP ? prop_index(tok.name) : NR_PROPS;
        if (tok.depth == 1 && tok.len == 4 && i == P_ADDRESS_CELLS) {
            ac = pvh_be32(tok.value);
        } else if (tok.depth == 1 && tok.len == 4 && i == P_SIZE_CELLS) {
            sc = pvh_be32(tok.value);
        } else if (tok.kind == PVH_FDT_NODE && tok.depth == 2) {
            n = (struct node){ 0 };
        } else if (tok.depth == 2 && i < NR_NODE_PROPS) {
            n.val[i] = tok.value;
            n.len[i] = tok.len;
        } else if (tok.kind == PVH_FDT_END_NODE && tok.depth == 2) {
            if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
                return pvh_fail(err, PVH_EINVAL, "device tree: #address-cells %u #size-cells %u",
                                ac, sc);
            rc = node_done(&n, ac, sc, list, pci, have_pci, err);
            if (rc)
                return rc;
        }
    }
}

int pvh_disk_discover(const struct pvh_boot *boot, struct pvh_disk_list *list,
                      struct pvh_error *err)
{
    static struct pvh_pci pci;
    const uint8_t *blob = (const uint8_t *)(uintptr_t)boot->fdt;
    struct pvh_fdt fdt;
    bool have_pci = false;
    uint32_t total;
    int rc;

    if (!blob)
        return pvh_fail(err, PVH_ENOENT, "device tree: none");
    total = pvh_be32(blob + 4);
    if (total > FDT_SIZE_MAX)
        return pvh_fail(err, PVH_EINVAL, "device tree totalsize: 0x%x", total);
    rc = pvh_fdt_open(&fdt, blob, total, err);
    if (!rc)
        rc = walk(&fdt, list, &pci, &have_pci, err);
    if (!rc && have_pci)
        rc = pvh_virtio_pci_scan(&pci, list, err);
    return rc;
}
