/*
 * The device-tree differential, shared by the unit test
 * (tests/unit/test_fdt_libfdt.c) and the fuzz target
 * (tests/fuzz/fuzz_fdt.c): a tree's tokens as libfdt sees them, in the
 * form our reader's walk reports them, a comparison of two token lists,
 * and the rules by which our reader is stricter than libfdt.
 */
#ifndef PVH_TESTS_UNIT_LIBFDT_TOKENS_H
#define PVH_TESTS_UNIT_LIBFDT_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

struct fdt_tok {
    int kind;        /* PVH_FDT_NODE, PVH_FDT_END_NODE or PVH_FDT_PROP */
    unsigned depth;  /* of the node, or of the node the property is in */
    const char *name;
    const void *value;
    uint32_t len;
};

/* libfdt's tokens of blob, which has passed fdt_check_full, into
 * toks[0..max). Returns how many; -1 with *why set when libfdt's walk
 * fails or the tree has more than max tokens. */
int libfdt_tokens(const void *blob, struct fdt_tok *toks, int max, const char **why);

/* -1 if a[0..n) and b[0..m) are the same tokens (kind, depth, name,
 * value pointer and length), else the index of the first that differs
 * (the shorter list's length when one is a prefix of the other). */
int fdt_tokens_first_difference(const struct fdt_tok *a, int n, const struct fdt_tok *b, int m);

/* Whether msg, an error of our reader, names one of the rules
 * common/fdt/fdt.h lists as stricter than libfdt's. */
bool fdt_stricter_rule(const char *msg);

#endif
