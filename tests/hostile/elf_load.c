/* The ELF64 loader of the hostile loader (see elf_load.h). */
#include "tests/hostile/elf_load.h"

#include <xen/elfnote.h>

#include "tests/hostile/console.h"
#include "tests/hostile/machine.h"

#define EHDR64_SIZE 64
#define PHDR64_SIZE 56
#define PT_LOAD 1
#define PT_NOTE 4
#define NOTE_HEADER 12
#define FOUR_GIB 0x100000000ull
#define BSS_GARBAGE 0xa5

static uint16_t le16(uint32_t pa)
{
    return *(const volatile uint16_t *)pa;
}

static uint32_t le32(uint32_t pa)
{
    return *(const volatile uint32_t *)pa;
}

static uint64_t le64(uint32_t pa)
{
    return le32(pa) | (uint64_t)le32(pa + 4) << 32;
}

static uint32_t align4(uint32_t v)
{
    return (v + 3) & ~3u;
}

static void scan_notes(uint32_t at, uint32_t end)
{
    while (end - at >= NOTE_HEADER && at < end) {
        uint32_t namesz = le32(at), descsz = le32(at + 4), type = le32(at + 8);
        uint32_t name = at + NOTE_HEADER, desc = name + align4(namesz);

        if (namesz == 4 && le32(name) == 0x006e6558 /* "Xen\0" */ &&
            type == XEN_ELFNOTE_PHYS32_ENTRY && (descsz == 4 || descsz == 8))
            M.entry = le32(desc);
        at = desc + align4(descsz);
    }
}

static void load_segment(uint32_t file, uint32_t size, uint32_t ph, bool bss_garbage)
{
    uint64_t off = le64(ph + 8), paddr = le64(ph + 24);
    uint64_t filesz = le64(ph + 32), memsz = le64(ph + 40);
    volatile uint8_t *dst;

    if (off > size || filesz > size - off || filesz > memsz || paddr + memsz > FOUR_GIB)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "module: PT_LOAD %llx+%llx to %llx+%llx",
                     off, filesz, paddr, memsz);
    dst = (volatile uint8_t *)(uint32_t)paddr;
    for (uint32_t i = 0; i < (uint32_t)filesz; i++)
        dst[i] = ((const volatile uint8_t *)(file + (uint32_t)off))[i];
    for (uint32_t i = (uint32_t)filesz; i < (uint32_t)memsz; i++)
        dst[i] = bss_garbage ? BSS_GARBAGE : 0;
    if (!M.image_hi || paddr < M.image_lo)
        M.image_lo = (uint32_t)paddr;
    if (paddr + memsz > M.image_hi)
        M.image_hi = (uint32_t)(paddr + memsz);
}

void elf_load(uint32_t base, uint32_t size, bool bss_garbage)
{
    uint32_t phoff, phentsize, phnum;

    if (size < EHDR64_SIZE || le32(base) != 0x464c457f || ((const uint8_t *)base)[4] != 2)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "module at %x: not an ELF64", base);
    phoff = (uint32_t)le64(base + 32);
    phentsize = le16(base + 54);
    phnum = le16(base + 56);
    if (phentsize < PHDR64_SIZE || phoff > size || (uint64_t)phnum * phentsize > size - phoff)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "module: program headers outside the file");
    for (uint32_t i = 0; i < phnum; i++) {
        uint32_t ph = base + phoff + i * phentsize, type = le32(ph);

        if (type == PT_LOAD && le64(ph + 40))
            load_segment(base, size, ph, bss_garbage);
        if (type == PT_NOTE && le64(ph + 8) <= size && le64(ph + 32) <= size - le64(ph + 8))
            scan_notes(base + (uint32_t)le64(ph + 8),
                       base + (uint32_t)le64(ph + 8) + (uint32_t)le64(ph + 32));
    }
    if (!M.entry || !M.image_hi)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "module: no PT_LOAD or no PHYS32_ENTRY note");
}
