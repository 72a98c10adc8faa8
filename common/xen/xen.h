/* Xen support shared by the architectures: what common/ needs from them. */
#ifndef PVH_COMMON_XEN_H
#define PVH_COMMON_XEN_H

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/boot.h>
#include <pvhboot/console.h>

#include "common/output/error.h"

/* Issue hypercall nr with up to three arguments (the ones pvhboot uses);
 * -XEN_ENOSYS when hypercalls are not set up. Provided by the arch. */
long pvh_arch_hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3);

/* Ask Xen for its version, extraversion and every feature submap it
 * answers; record them in hv. Fails only if XENVER_version does. */
int pvh_xen_probe(struct pvh_hypervisor *hv, struct pvh_error *err);

/* Apply the image's feature declarations to what Xen granted: a
 * required feature missing is an error ("Xen lacks required feature
 * <name>"); each supported one missing is passed to note(). */
int pvh_xen_check_features(const struct pvh_hypervisor *hv, uint32_t required,
                           uint32_t supported, void (*note)(unsigned bit),
                           struct pvh_error *err);

/* Print the note for a supported feature Xen did not grant (the usual
 * note() for pvh_xen_check_features). */
void pvh_xen_note_absent(unsigned bit);

/* Xen's own console through HYPERVISOR_console_io (open to dom0). */
extern const struct pvh_console pvh_xen_console_io;

/* Remember the boot description's hypervisor for pvh_xen_has_feature(). */
void pvh_xen_set_hypervisor(const struct pvh_hypervisor *hv);

/* Write the names of the bits set in maps[0..n) to buf, space-separated
 * ("bitN" for bits without a name). Returns the length it needed. */
size_t pvh_xenfeat_format(char *buf, size_t size, const uint32_t *maps, unsigned n);

#endif
