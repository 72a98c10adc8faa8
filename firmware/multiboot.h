/*
 * Multiboot 1 (0.6.96) and Multiboot 2 (2.0) kernel headers: finding and
 * checking them in untrusted bytes, and what the boot loader must do.
 */
#ifndef PVH_FIRMWARE_MULTIBOOT_H
#define PVH_FIRMWARE_MULTIBOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"

#define MB1_HEADER_MAGIC     0x1badb002u
#define MB1_BOOTLOADER_MAGIC 0x2badb002u /* in %eax at entry */
#define MB1_SEARCH           8192        /* the header lies in the first 8 KiB, 4-aligned */
#define MB1_PAGE_ALIGN       0x00000001u /* modules page aligned */
#define MB1_MEMORY_INFO      0x00000002u /* mem_* (and the memory map) wanted */
#define MB1_VIDEO_MODE       0x00000004u /* a video mode wanted */
#define MB1_AOUT_KLUDGE      0x00010000u /* load by the header's addresses, not as ELF */
#define MB1_KNOWN_REQUIRED   (MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_VIDEO_MODE)

#define MB2_HEADER_MAGIC     0xe85250d6u
#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_SEARCH           32768       /* first 32 KiB, 8-aligned */
#define MB2_ARCH_I386        0

struct pvh_multiboot {
    unsigned version;          /* 1 or 2 */
    uint64_t header_offset;    /* in the image */
    uint32_t flags;            /* multiboot 1 flags */
    /* Load by address (mb1 a.out kludge, mb2 address tag) instead of as ELF. */
    bool has_address;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
    bool has_entry;
    uint32_t entry_addr;
    bool page_align_modules;
    bool wants_video;          /* an optional framebuffer tag: noted, pvhboot has none */
    uint32_t efi_tags_ignored; /* bit n: header tag n (7, 8, 9: EFI only) seen and ignored */
};

/* Find and check the header of the given version (1 or 2). PVH_ENOENT
 * when there is none. */
int pvh_multiboot_find(const uint8_t *img, uint64_t len, unsigned version,
                       struct pvh_multiboot *out, struct pvh_error *err);

/* For an address-loaded kernel: the file bytes to copy and where. */
int pvh_multiboot_load_range(const struct pvh_multiboot *mb, uint64_t len, uint64_t *file_off,
                             uint64_t *file_size, uint64_t *mem_size, struct pvh_error *err);

#endif
