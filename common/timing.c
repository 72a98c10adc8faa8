#include "common/timing.h"

#include <stdbool.h>

#include <pvhboot/console.h>

#include "common/options.h"

static uint64_t marks[PVH_MARK_NR];

/* A unikernel's report comes at pvh_main; common/firmware_main.c says otherwise. */
__attribute__((weak)) const _Bool pvh_timing_at_handoff = 0;

static const char *const names[PVH_MARK_NR] = {
    [PVH_MARK_C] = "entry-to-c",
    [PVH_MARK_HYPERVISOR] = "hypervisor",
    [PVH_MARK_BOOT] = "boot-description",
    [PVH_MARK_XEN] = "xen",
    [PVH_MARK_PAGING] = "page-tables",
    [PVH_MARK_PLACEMENT] = "placement",
    [PVH_MARK_COPY] = "copy",
};

void pvh_mark_at(enum pvh_mark mark, uint64_t ts)
{
    marks[mark] = ts;
}

void pvh_mark(enum pvh_mark mark)
{
    marks[mark] = pvh_timestamp();
}

void pvh_timing_report(const char *cmdline)
{
    uint64_t now = pvh_timestamp(), prev;
    bool done[PVH_MARK_NR] = { false };
    unsigned n;

    if (!pvh_option_present(cmdline, "timing"))
        return;
    /* An architecture without an entry timestamp starts at its first C. */
    if (!marks[PVH_MARK_ENTRY])
        marks[PVH_MARK_ENTRY] = marks[PVH_MARK_C];
    prev = marks[PVH_MARK_ENTRY];
    pvh_printf("pvhboot: timing");
    /* In the order the phases ran, which differs between architectures
     * (arm64 turns the MMU on before it talks to Xen). */
    for (n = PVH_MARK_C; n < PVH_MARK_NR; n++) {
        unsigned m, next = PVH_MARK_NR;

        for (m = PVH_MARK_C; m < PVH_MARK_NR; m++)
            if (marks[m] && !done[m] && (next == PVH_MARK_NR || marks[m] < marks[next]))
                next = m;
        if (next == PVH_MARK_NR)
            break; /* the phases this boot had are all printed */
        done[next] = true;
        pvh_printf(" %s=%llu", names[next], (unsigned long long)(marks[next] - prev));
        prev = marks[next];
    }
    /* What ran after the last phase boundary, so the phases add up to the total. */
    pvh_printf(" rest=%llu total=%llu unit=%s\n", (unsigned long long)(now - prev),
               (unsigned long long)(now - marks[PVH_MARK_ENTRY]),
#if defined(__aarch64__)
               "cntvct"
#else
               "tsc"
#endif
    );
}
