/* Handing over to a Linux arm64 Image (firmware/arm64/linux.c). */
#ifndef PVH_FIRMWARE_ARM64_LINUX_H
#define PVH_FIRMWARE_ARM64_LINUX_H

#include "arch/arm64/arch.h"

struct arm64_linux {
    uint64_t src, file_size;              /* the Image as loaded (a module) */
    uint64_t text_offset, image_size, flags; /* from its header */
    uint64_t base, entry;                 /* the 2 MiB-aligned base; base + text_offset */
    uint64_t dtb, dtb_size;               /* the tree made for it */
    uint64_t appended, appended_size;     /* an initrd behind the Image in its module, or 0 */
    bool in_place;                        /* src is a usable base + text_offset: no copy */
};

/* Read and check the Image header of module m. The module's bytes
 * from image_size (rounded up to a page) on, if any, are an initrd the
 * Image carries (appended, appended_size). */
int arm64_linux_header(const struct pvh_module *m, struct arm64_linux *k, struct pvh_error *err);
/* Whether the Image can run where it lies: src - text_offset 2 MiB
 * aligned, "anywhere" flagged, and its whole span inside [own_start,
 * own_end) (memory pvhboot holds and nothing else uses) clear of the
 * initrd. Sets k->in_place. */
bool arm64_linux_fits_in_place(struct arm64_linux *k, uint64_t own_start, uint64_t own_end,
                               const struct pvh_module *initrd);
/* Place the image, make its device tree (cmdline; initrd may be NULL), copy the image. */
int arm64_linux_prepare(struct pvh_boot_store *st, struct arm64_linux *k, const char *cmdline,
                        const struct pvh_module *initrd, struct pvh_error *err);
__attribute__((noreturn)) void arm64_linux_enter(const struct pvh_boot_store *st,
                                                 const struct arm64_linux *k);

#endif
