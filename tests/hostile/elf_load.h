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
 */
void elf_load(uint32_t base, uint32_t size, bool bss_garbage);

#endif
