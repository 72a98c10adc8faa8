#include "common/boot/timing.h"

#include <stdbool.h>

#include <pvhboot/console.h>

#include "common/boot/options.h"

static uint64_t marks[PVH_MARK_NR];
/* When each mark was taken, counting from 1 (0: not this boot). Phases
 * are reported in this order, not by timestamp: two marks can read the
 * same counter value (arm64's Xen phase is empty on bare metal). */
static uint8_t taken[PVH_MARK_NR], nr_taken;

/* A unikernel's report comes at pvh_main; firmware/main.c says otherwise. */
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
    if (!taken[mark])
        taken[mark] = ++nr_taken;
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
    if (!taken[PVH_MARK_ENTRY])
        marks[PVH_MARK_ENTRY] = marks[PVH_MARK_C];
    prev = marks[PVH_MARK_ENTRY];
    pvh_printf("pvhboot: timing");
    /* In the order the phases ran, which differs between architectures
     * (arm64 turns the MMU on before it talks to Xen). */
    for (n = 1; n <= nr_taken; n++)
        for (m = PVH_MARK_C; m < PVH_MARK_NR; m++)
            if (taken[m] == n) {
                pvh_printf(" %s=%llu", names[m], (unsigned long long)(marks[m] - prev));
                prev = marks[m];
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
