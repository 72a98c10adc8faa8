/* Checking a Linux x86 bzImage's setup header before booting it. */
#ifndef PVH_FIRMWARE_BZIMAGE_H
#define PVH_FIRMWARE_BZIMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"

struct pvh_bzimage {
    uint16_t version;          /* boot protocol, major << 8 | minor */
    uint32_t setup_size;       /* bytes before the protected-mode code */
    uint32_t header_end;       /* the setup header ends here (copy 0x1f1 up to it) */
    uint64_t pm_size;          /* bytes of protected-mode code the image holds */
    uint8_t loadflags;
    uint16_t xloadflags;       /* 0 before protocol 2.12 */
    bool entry64;              /* XLF_KERNEL_64: startup_64 at +0x200; else startup_32 */
    bool relocatable;
    uint32_t kernel_alignment; /* a power of two */
    uint32_t min_alignment;    /* bytes, a power of two, <= kernel_alignment */
    uint64_t pref_address;     /* where a non-relocatable kernel must load */
    uint32_t init_size;        /* bytes the kernel needs from its load address */
    uint32_t initrd_addr_max;  /* highest address of the initrd's last byte */
    uint32_t cmdline_size;     /* longest cmdline, without the NUL */
};

/* The oldest protocol pvhboot boots: 2.10 brought pref_address and
 * init_size, without which a loader cannot tell where the kernel may run
 * or how much room it needs. 2.12 brought xloadflags and, with
 * XLF_KERNEL_64, the 64-bit entry; older kernels, and those without that
 * flag, enter through the 32-bit boot protocol (startup_32). */
#define PVH_BZIMAGE_MIN_VERSION 0x020a
#define PVH_BZIMAGE_XLOADFLAGS_VERSION 0x020c

/* Is this plausibly a bzImage (boot sector flag and "HdrS")? */
bool pvh_bzimage_detect(const uint8_t *img, uint64_t len);

/* Check the setup header of the len-byte image: magic, protocol
 * version, sizes against len, alignment; which entry it has. */
int pvh_bzimage_parse(const uint8_t *img, uint64_t len, struct pvh_bzimage *out,
                      struct pvh_error *err);

#endif
