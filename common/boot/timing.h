/*
 * Where pvhboot's time goes: a timestamp at each phase boundary (the
 * TSC on x86, the virtual counter on arm64), printed as one line when
 * the cmdline holds "pvhboot.timing". Recording costs a counter read per
 * phase; nothing is printed, stored or computed beyond that otherwise.
 *
 *   pvhboot: timing entry-to-c=N hypervisor=N boot-description=N xen=N
 *            page-tables=N [placement=N copy=N] rest=N total=N unit=<tsc|cntvct>
 *
 * Each value is the counter ticks the phase took, in the order the phases
 * ran; rest is what ran after the last phase; total, from the entry to
 * the report (taken at pvh_main, or just before a hand-off), is their sum.
 */
#ifndef PVH_COMMON_TIMING_H
#define PVH_COMMON_TIMING_H

#include <stdint.h>

#include <pvhboot/clock.h>

enum pvh_mark {
    PVH_MARK_ENTRY,      /* the first instruction (x86: read by entry.asm) */
    PVH_MARK_C,          /* the first C */
    PVH_MARK_HYPERVISOR, /* hypervisor identified, consoles open */
    PVH_MARK_BOOT,       /* the boot description read and checked */
    PVH_MARK_XEN,        /* Xen's services set up (same as BOOT without Xen) */
    PVH_MARK_PAGING,     /* page tables finished */
    PVH_MARK_PLACEMENT,  /* firmware: the payload placed, its structures built */
    PVH_MARK_COPY,       /* firmware: the payload's copies done */
    PVH_MARK_NR,
};

static inline uint64_t pvh_timestamp(void)
{
    return pvh_clock_ticks();
}

/* Record the current time for mark (or ts, for a time taken elsewhere). */
void pvh_mark(enum pvh_mark mark);
void pvh_mark_at(enum pvh_mark mark, uint64_t ts);

/* True in the firmware, which reports at its hand-off, not at pvh_main. */
extern const _Bool pvh_timing_at_handoff;

/* Print the timing line if cmdline asks for it (pvhboot.timing). */
void pvh_timing_report(const char *cmdline);

#endif
