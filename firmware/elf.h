/*
 * Reading an ELF executable's program headers and notes from untrusted
 * bytes: what a loader needs to place the segments and find the entry.
 * ELF32 and ELF64, little endian.
 */
#ifndef PVH_COMMON_ELF_H
#define PVH_COMMON_ELF_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"

#define PVH_ELF_MAX_LOADS 16 /* PT_LOAD segments pvhboot will place */
#define PVH_ELF_MAX_PHDRS 64 /* program headers it will look at */

#define ELF_EM_386     3
#define ELF_EM_X86_64  62
#define ELF_EM_AARCH64 183

struct pvh_elf_load {
    uint64_t offset; /* in the file */
    uint64_t filesz;
    uint64_t paddr;  /* where it goes (physical) */
    uint64_t memsz;  /* >= filesz; the rest is zeroed */
    uint64_t vaddr;  /* where it runs (virtual): only to translate e_entry */
};

struct pvh_elf {
    bool is64;
    uint16_t machine;
    uint64_t entry;
    unsigned nr_loads;
    bool has_pvh_entry;      /* a Xen XEN_ELFNOTE_PHYS32_ENTRY note */
    uint32_t pvh_entry;
    uint64_t max_load_align; /* the largest p_align of the PT_LOAD segments */
    /* A Xen XEN_ELFNOTE_PHYS32_RELOC note: the kernel runs wherever its
     * image is put, at an address aligned to align, its first byte at or
     * above min and its last byte at or below max (each word the note
     * leaves out takes its default: see pvh_elf_parse). */
    bool has_reloc;
    uint32_t reloc_align, reloc_min, reloc_max;
    struct pvh_elf_load loads[PVH_ELF_MAX_LOADS]; /* last: the scalars stay near the start */
};

/* Defaults for the words a PHYS32_RELOC note leaves out. */
#define PVH_ELF_RELOC_ALIGN 0x200000u
#define PVH_ELF_RELOC_MIN 0u
#define PVH_ELF_RELOC_MAX 0xffffffffu

bool pvh_elf_detect(const uint8_t *img, uint64_t len);

/* Check the header, every program header and every note against len;
 * collect the PT_LOAD segments (memsz > 0), the PVH entry note and the
 * PHYS32_RELOC note. That note's words, in order: the alignment (when
 * absent, the largest PT_LOAD p_align above 4 KiB, else 2 MiB), the
 * lowest start (0), the highest last byte (0xffffffff). Refused: a note
 * of other than 0, 4, 8 or 12 bytes, an alignment that is not a power of
 * two of at least 4 KiB, a lowest start above the highest last byte. */
int pvh_elf_parse(const uint8_t *img, uint64_t len, struct pvh_elf *out, struct pvh_error *err);

/* Does a loadable segment hold the byte at physical address addr? */
bool pvh_elf_holds(const struct pvh_elf *elf, uint64_t addr);

/* e_entry as a physical address. A kernel linked to run at a virtual
 * address (a higher-half multiboot kernel) gives e_entry in that space:
 * it is translated through the loadable segment whose virtual range holds
 * it, as GRUB does; one that no segment's virtual range holds is taken as
 * physical already. */
uint64_t pvh_elf_entry_physical(const struct pvh_elf *elf);

/* [*low, *high): from the lowest loadable segment's first physical byte
 * to the end of the highest one's memory, what a move of the whole image
 * must find room for. */
static inline void pvh_elf_span(const struct pvh_elf *elf, uint64_t *low, uint64_t *high)
{
    *low = UINT64_MAX;
    *high = 0;
    for (unsigned i = 0; i < elf->nr_loads; i++) {
        if (elf->loads[i].paddr < *low)
            *low = elf->loads[i].paddr;
        if (elf->loads[i].paddr + elf->loads[i].memsz > *high)
            *high = elf->loads[i].paddr + elf->loads[i].memsz;
    }
}

#endif
