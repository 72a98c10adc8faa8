/* HYPERVISOR_sched_op (Xen public ABI, sched.h). */
#ifndef XEN_SCHED_H
#define XEN_SCHED_H

#include <stdint.h>

#define SCHEDOP_yield    0 /* give up the CPU, stay runnable; arg NULL */
#define SCHEDOP_block    1
#define SCHEDOP_shutdown 2 /* arg: struct sched_shutdown */

struct sched_shutdown {
    uint32_t reason; /* SHUTDOWN_* */
};
_Static_assert(sizeof(struct sched_shutdown) == 4, "sched_shutdown size");

#define SHUTDOWN_poweroff 0 /* clean stop: the domain is done */
#define SHUTDOWN_reboot   1
#define SHUTDOWN_suspend  2
#define SHUTDOWN_crash    3 /* the domain failed */
#define SHUTDOWN_watchdog 4

#endif
