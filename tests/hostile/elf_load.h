/* Loading the image under test as a PVH loader does. */
#ifndef HOSTILE_ELF_LOAD_H
#define HOSTILE_ELF_LOAD_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Load the ELF64 at [base, base + size) (QEMU's module): each PT_LOAD's
 * file bytes to its physical address, the rest of its memory size
 * zeroed (or, with bss_garbage, filled with 0xa5: a sloppy loader);
 * find the XEN_ELFNOTE_PHYS32_ENTRY note. Sets M.image_lo/hi and
 * M.entry; fails the boot on an ELF it cannot load.
 *
 * With "reloc=0x<hex>" on the loader's cmdline it honours the image's
 * XEN_ELFNOTE_PHYS32_RELOC note as Xen 4.19 may: every segment moved by
 * one offset so that the image's first byte lands at that address, the
 * entry moved with them. The address must be what the note allows (at
 * its alignment, the image inside its window) and the note must be
 * there; else the boot fails as a broken setup, so a test cannot pass
 * for a move that did not happen.
 */
void elf_load(uint32_t base, uint32_t size, bool bss_garbage);

#endif
