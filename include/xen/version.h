/* HYPERVISOR_xen_version commands (Xen public ABI, version.h). */
#ifndef XEN_VERSION_H
#define XEN_VERSION_H

#include <stdint.h>

#define XENVER_version      0 /* returns (major << 16) | minor; arg NULL */
#define XENVER_extraversion 1 /* arg: char[XEN_EXTRAVERSION_LEN], e.g. ".7" */
#define XENVER_get_features 6 /* arg: struct xen_feature_info */

#define XEN_EXTRAVERSION_LEN 16

struct xen_feature_info {
    uint32_t submap_idx; /* IN: which 32-bit block of XENFEAT_* bits */
    uint32_t submap;     /* OUT: the bits of that block */
};
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info size");
_Static_assert(__builtin_offsetof(struct xen_feature_info, submap) == 4, "submap offset");

#endif
