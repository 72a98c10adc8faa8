/* What common/ code asks of each architecture. */
#ifndef PVH_COMMON_ARCH_HOOKS_H
#define PVH_COMMON_ARCH_HOOKS_H

/* Stop after a fatal error, with a failure status where the platform
 * has one (QEMU isa-debug-exit; later Xen SCHEDOP_shutdown crash).
 * Prints nothing. */
__attribute__((noreturn)) void pvh_arch_stop_failure(void);

#endif
