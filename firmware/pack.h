/*
 * The packed payload descriptor: a kernel, modules and a default
 * cmdline that tools/pvhboot-pack put into the firmware image itself,
 * so that a loader which takes one file (qemu -kernel, Firecracker, a
 * dom0less domU) boots a kernel through pvhboot. The descriptor lives in
 * the image's read-only data (section .pvhboot_pack), filled in by the
 * tool; unpacked, it says "nothing packed".
 *
 * Where the pieces are:
 *  - x86_64 (pvhboot.elf): each piece is a PT_LOAD segment the tool adds,
 *    at a fixed physical address the descriptor holds.
 *  - arm64 (pvhboot.bin): the Image runs wherever the loader puts it, so
 *    the pieces follow the image's own memory inside the file and the
 *    descriptor holds offsets from the image's first byte
 *    (PVH_PACK_RELATIVE); the header's image_size covers them, so the
 *    loader keeps them clear.
 */
#ifndef PVH_FIRMWARE_PACK_H
#define PVH_FIRMWARE_PACK_H

#include <stddef.h>
#include <stdint.h>

#include <pvhboot/boot.h>

#include "common/boot/memmap.h"
#include "common/output/error.h"

#define PVH_PACK_MAGIC "PVHPACK1"
#define PVH_PACK_VERSION 1
#define PVH_PACK_MAX_MODULES 16
#define PVH_PACK_KERNEL 0x1   /* flags: modules[0] is the kernel to boot */
#define PVH_PACK_RELATIVE 0x2 /* flags: addresses are offsets from the image's first byte */
/* flags bits 2-3: how the packed cmdline and the loader's make the kernel's
 * (Linux's built-in cmdline has the same three choices). */
#define PVH_PACK_CMDLINE_MASK     0xc
#define PVH_PACK_CMDLINE_FALLBACK 0x0 /* the loader's; the packed one when the loader's is empty */
#define PVH_PACK_CMDLINE_APPEND   0x4 /* the packed one, then the loader's (CMDLINE_EXTEND) */
#define PVH_PACK_CMDLINE_REPLACE  0x8 /* the packed one alone (CMDLINE_OVERRIDE) */
struct pvh_pack_module {
    uint64_t base, size;  /* where the loader put it (or its offset) */
    uint64_t cmdline_pa;  /* its NUL-terminated cmdline (or its offset), or 0 */
};
struct pvh_pack {
    char magic[8];          /* PVH_PACK_MAGIC */
    uint32_t version;       /* PVH_PACK_VERSION */
    uint32_t flags;         /* PVH_PACK_* */
    uint64_t cmdline_pa;    /* the default cmdline (or its offset), or 0 */
    uint32_t nr_modules;    /* 0: nothing packed */
    uint32_t reserved;
    struct pvh_pack_module modules[PVH_PACK_MAX_MODULES];
};
_Static_assert(sizeof(struct pvh_pack) == 32 + 24 * PVH_PACK_MAX_MODULES, "pack size");
_Static_assert(__builtin_offsetof(struct pvh_pack, nr_modules) == 24, "pack count offset");
_Static_assert(__builtin_offsetof(struct pvh_pack, modules) == 32, "pack modules offset");

/* The image's own descriptor (firmware/pack.c). Volatile: the tool changes
 * it after the link, so the compiler must not fold the unpacked values. */
extern const volatile struct pvh_pack pvh_pack;

/*
 * x86 (pvhboot.elf): the physical ranges the packed kernel, modules and
 * their strings take, segments of the image's own ELF that the boot
 * description does not list and the firmware reads only later: the page
 * tables' block of RAM (arch/x86/paging.c) keeps clear of them. Strings
 * count as far as the longest the firmware will read; a piece that wraps
 * is merely avoided to the end (the firmware checks the pieces later).
 * Writes at most PVH_PACK_RANGES_MAX to r, none for an unpacked or a
 * relative descriptor; returns how many.
 */
#define PVH_PACK_RANGES_MAX (2 * PVH_PACK_MAX_MODULES + 1)
unsigned pvh_pack_ranges(struct pvh_range *r);

/* What a position-independent image carries, checked and made absolute. */
struct pvh_packed {
    uint32_t flags;            /* PVH_PACK_KERNEL: mods[0] is the kernel */
    unsigned nr;
    struct pvh_module mods[PVH_PACK_MAX_MODULES]; /* cmdlines point into the image */
    const char *cmdline;       /* the default cmdline in the image, or NULL */
};

/*
 * The kernel's cmdline, into out[size], from the packed one (NULL: none)
 * and the loader's, as flags' cmdline mode says, pvhboot.* words taken
 * out; and in *options the text whose pvhboot.* words apply: the loader's
 * itself, or, where the packed cmdline is used, the packed one then the
 * loader's, written into buf[buf_size] (the loader's words, read last,
 * win). A loader's cmdline of pvhboot.* words only is empty for the
 * fallback mode. Firecracker always passes a cmdline (pci=off, its
 * virtio_mmio.device= words): there only APPEND and REPLACE take the
 * packed one.
 */
int pvh_pack_cmdline(uint32_t flags, const char *packed, const char *loader, char *out,
                     size_t size, char *buf, size_t buf_size, const char **options,
                     struct pvh_error *err);

/* "fallback", "append", "replace"; NULL for the fourth value. */
const char *pvh_pack_cmdline_mode_name(uint32_t flags);

/*
 * Read a PVH_PACK_RELATIVE descriptor d of the image loaded at base:
 * own bytes of it are pvhboot's own (code, data, stacks), image_size
 * bytes were loaded and kept. Every piece and string must lie in
 * [base + own, base + image_size), pieces must not overlap, strings must
 * end within it. An unpacked descriptor gives nr == 0.
 */
int pvh_pack_read_relative(const struct pvh_pack *d, uint64_t base, uint64_t own,
                           uint64_t image_size, struct pvh_packed *out, struct pvh_error *err);

#endif
