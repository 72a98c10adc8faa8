/*
 * Xen hypercall numbers and the few basic types and constants every
 * Xen interface uses (Xen public ABI, xen.h).
 */
#ifndef XEN_XEN_H
#define XEN_XEN_H

#include <stdint.h>

#define __HYPERVISOR_memory_op        12
#define __HYPERVISOR_xen_version      17
#define __HYPERVISOR_console_io       18
#define __HYPERVISOR_vcpu_op          24
#define __HYPERVISOR_sched_op         29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op           34

typedef uint16_t domid_t;
#define DOMID_SELF 0x7ff0u /* "the calling domain" in any domid argument */

/* Error values hypercalls return, negated (Xen uses Linux's errno numbers). */
#define XEN_EPERM   1
#define XEN_ENOENT  2
#define XEN_EFAULT 14
#define XEN_EEXIST 17
#define XEN_EINVAL 22
#define XEN_ENOSYS 38

/* console_io commands (the hypervisor's own console; dom0 by default). */
#define CONSOLEIO_write 0 /* HYPERVISOR_console_io(CONSOLEIO_write, count, buffer) */
#define CONSOLEIO_read  1

#endif
