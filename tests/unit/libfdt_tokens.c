/*
 * The device-tree differential's shared half: libfdt's view of a tree,
 * the comparison, and our reader's stricter rules (libfdt_tokens.h).
 */
#include <libfdt.h>
#include <string.h>

#include "common/fdt/fdt.h"
#include "tests/unit/libfdt_tokens.h"

int libfdt_tokens(const void *blob, struct fdt_tok *toks, int max, const char **why)
{
    int off = 0, next, n = 0;
    unsigned depth = 0;

    for (;;) {
        uint32_t tag = fdt_next_tag(blob, off, &next);
        const struct fdt_property *p;
        int len;

        if (next < 0) {
            *why = "fdt_next_tag failed after fdt_check_full passed";
            return -1;
        }
        if (n == max) {
            *why = "more tokens than the test holds";
            return -1;
        }
        switch (tag) {
        case FDT_BEGIN_NODE:
            toks[n++] = (struct fdt_tok){ PVH_FDT_NODE, ++depth, fdt_get_name(blob, off, NULL), NULL, 0 };
            break;
        case FDT_END_NODE:
            toks[n++] = (struct fdt_tok){ PVH_FDT_END_NODE, depth--, NULL, NULL, 0 };
            break;
        case FDT_PROP:
            p = fdt_get_property_by_offset(blob, off, &len);
            if (!p) {
                *why = "fdt_get_property_by_offset found no property";
                return -1;
            }
            toks[n++] = (struct fdt_tok){ PVH_FDT_PROP, depth,
                                          fdt_string(blob, (int)fdt32_to_cpu(p->nameoff)), p->data,
                                          (uint32_t)len };
            break;
        case FDT_END:
            return n;
        default: /* FDT_NOP */
            break;
        }
        off = next;
    }
}

static bool same_token(const struct fdt_tok *a, const struct fdt_tok *b)
{
    if (a->kind != b->kind || a->depth != b->depth)
        return false;
    if (a->kind != PVH_FDT_END_NODE && (!a->name || !b->name || strcmp(a->name, b->name)))
        return false;
    return a->kind != PVH_FDT_PROP || (a->len == b->len && a->value == b->value);
}

int fdt_tokens_first_difference(const struct fdt_tok *a, int n, const struct fdt_tok *b, int m)
{
    int i;

    for (i = 0; i < n && i < m; i++)
        if (!same_token(&a[i], &b[i]))
            return i;
    return n == m ? -1 : i;
}

/* Two of the rules need a word. The reservation map ends, in the spec,
 * with an entry of address and size 0; libfdt stops at the first size 0
 * whatever the address. And libfdt 1.6.1's fdt_check_full lets pass a
 * property before the root node (it belongs to no node), and below
 * version 17 a property name outside the strings block (it takes any
 * offset inside the blob). */
bool fdt_stricter_rule(const char *msg)
{
    static const char *const rules[] = { "not 4-byte aligned", "fdt version", "nested deeper",
                                         "after a subnode", "a second root", "more than",
                                         "no root node", "map has no terminator",
                                         "property outside any node",
                                         "name offset outside the strings block" };
    unsigned i;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (strstr(msg, rules[i]))
            return true;
    return false;
}
