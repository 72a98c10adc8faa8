#include "common/boot/timing.h"

#include <stdbool.h>

#include <pvhboot/console.h>

#include "common/boot/options.h"
#include "common/lib/string.h"

/* One structure, not three variables: one address for all (arm64 forms
 * each variable's address with two instructions). */
static struct {
    uint64_t marks[PVH_MARK_NR];
    /* When each mark was taken, counting from 1 (0: not this boot).
     * Phases are reported in this order, not by timestamp: two marks can
     * read the same counter value (arm64's Xen phase is empty on bare
     * metal). */
    uint8_t taken[PVH_MARK_NR], nr_taken;
} record;

/* A unikernel's report comes at pvh_main; firmware/main.c says otherwise. */
__attribute__((weak)) const _Bool pvh_timing_at_handoff = 0;

/* The phases' names from PVH_MARK_C on, in enum pvh_mark's order, each
 * ended by its NUL: one string, where a table of pointers would cost a
 * run-time relocation each in a position-independent image (arm64). */
static const char names[] = "entry-to-c\0hypervisor\0boot-description\0xen\0page-tables\0"
                            "placement\0copy";
_Static_assert(PVH_MARK_COPY == 7 && PVH_MARK_NR == 8, "names lists the marks C to COPY");

static const char *name(unsigned mark)
{
    const char *s = names;

    for (; mark > PVH_MARK_C; mark--)
        s += strlen(s) + 1;
    return s;
}

void pvh_mark_at(enum pvh_mark mark, uint64_t ts)
{
    record.marks[mark] = ts;
    if (!record.taken[mark])
        record.taken[mark] = ++record.nr_taken;
}

void pvh_mark(enum pvh_mark mark)
{
    pvh_mark_at(mark, pvh_timestamp());
}

void pvh_timing_report(const char *cmdline)
{
    uint64_t now = pvh_timestamp(), prev;
    unsigned n, m;

    if (!pvh_option_present(cmdline, "timing"))
        return;
    /* An architecture without an entry timestamp starts at its first C. */
    if (!record.taken[PVH_MARK_ENTRY])
        record.marks[PVH_MARK_ENTRY] = record.marks[PVH_MARK_C];
    prev = record.marks[PVH_MARK_ENTRY];
    pvh_printf("pvhboot: timing");
    /* In the order the phases ran, which differs between architectures
     * (arm64 turns the MMU on before it talks to Xen). */
    for (n = 1; n <= record.nr_taken; n++)
        for (m = PVH_MARK_C; m < PVH_MARK_NR; m++)
            if (record.taken[m] == n) {
                pvh_printf(" %s=%llu", name(m), (unsigned long long)(record.marks[m] - prev));
                prev = record.marks[m];
            }
    /* What ran after the last phase boundary, so the phases add up to the total. */
    pvh_printf(" rest=%llu total=%llu unit=%s\n", (unsigned long long)(now - prev),
               (unsigned long long)(now - record.marks[PVH_MARK_ENTRY]),
#if defined(__aarch64__)
               "cntvct"
#else
               "tsc"
#endif
    );
}
