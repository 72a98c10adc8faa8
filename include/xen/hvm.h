/* HYPERVISOR_hvm_op parameters (Xen public ABI, hvm/hvm_op.h, hvm/params.h). */
#ifndef XEN_HVM_H
#define XEN_HVM_H

#include <stdint.h>

/* Beside this file, by a quoted name: installed, these headers are
 * <pvhboot/xen/...>, and a program's own <xen/...> must not stand in. */
#include "xen.h"

#define HVMOP_set_param 0
#define HVMOP_get_param 1 /* arg: struct xen_hvm_param */

struct xen_hvm_param {
    domid_t domid;  /* IN: DOMID_SELF */
    uint16_t pad;
    uint32_t index; /* IN: HVM_PARAM_* */
    uint64_t value; /* OUT */
};
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param size");
_Static_assert(__builtin_offsetof(struct xen_hvm_param, index) == 4, "index offset");
_Static_assert(__builtin_offsetof(struct xen_hvm_param, value) == 8, "value offset");

#define HVM_PARAM_STORE_PFN       1 /* xenstore ring page frame */
#define HVM_PARAM_STORE_EVTCHN    2
#define HVM_PARAM_CONSOLE_PFN    17 /* PV console ring page frame (domU) */
#define HVM_PARAM_CONSOLE_EVTCHN 18 /* its event channel */

#endif
