/* The hostile loader's cases: one name each, chosen by case=<name>. */
#ifndef HOSTILE_CASES_H
#define HOSTILE_CASES_H

#include "tests/hostile/layout.h"

#define CASE_BSS_GARBAGE 0x1u /* load the image without zeroing its bss */
#define CASE_FILL_RAM    0x2u /* fill free RAM with a pattern first (see fill.h) */

struct hostile_case {
    const char *name;
    void (*craft)(struct crafted *c); /* changes the default layout */
    unsigned flags;
};

/* The case named by the cmdline word "case=<name>", or NULL. */
const struct hostile_case *case_find(const char *cmdline);

#endif
