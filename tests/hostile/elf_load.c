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
#define RELOC_DEFAULT_ALIGN 0x200000u /* the note's alignment when it gives none */

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

/* The PHYS32_RELOC note's words; the defaults of those it leaves out. */
static struct {
    bool present;
    uint32_t align, min, max;
} reloc;

static void scan_notes(uint32_t at, uint32_t end)
{
    while (end - at >= NOTE_HEADER && at < end) {
        uint32_t namesz = le32(at), descsz = le32(at + 4), type = le32(at + 8);
        uint32_t name = at + NOTE_HEADER, desc = name + align4(namesz);

        if (namesz == 4 && le32(name) == 0x006e6558 /* "Xen\0" */ &&
            type == XEN_ELFNOTE_PHYS32_ENTRY && (descsz == 4 || descsz == 8))
            M.entry = le32(desc);
        if (namesz == 4 && le32(name) == 0x006e6558 && type == XEN_ELFNOTE_PHYS32_RELOC &&
            descsz <= 12) {
            reloc.present = true;
            reloc.align = descsz >= 4 ? le32(desc) : RELOC_DEFAULT_ALIGN;
            reloc.min = descsz >= 8 ? le32(desc + 4) : 0;
            reloc.max = descsz >= 12 ? le32(desc + 8) : 0xffffffffu;
        }
        at = desc + align4(descsz);
    }
}

static void load_segment(uint32_t file, uint32_t size, uint32_t ph, bool bss_garbage,
                         uint32_t offset)
{
    uint64_t off = le64(ph + 8), paddr = le64(ph + 24) + offset;
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

/* The offset that puts the image's first byte (lowest PT_LOAD address)
 * at the cmdline's reloc= address, checked against the note; 0 without. */
static uint32_t reloc_offset(uint32_t base, uint32_t phoff, uint32_t phentsize, uint32_t phnum)
{
    uint64_t lo = ~0ull, hi = 0;
    uint32_t to;

    if (!machine_cmdline_hex("reloc=0x", &to))
        return 0;
    for (uint32_t i = 0; i < phnum; i++) {
        uint32_t ph = base + phoff + i * phentsize;

        if (le32(ph) == PT_LOAD && le64(ph + 40)) {
            if (le64(ph + 24) < lo)
                lo = le64(ph + 24);
            if (le64(ph + 24) + le64(ph + 40) > hi)
                hi = le64(ph + 24) + le64(ph + 40);
        }
    }
    if (!reloc.present || !reloc.align || hi <= lo)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "reloc=%x: the image has no PHYS32_RELOC note "
                     "or no PT_LOAD", to);
    if (to % reloc.align || to < reloc.min || to + (hi - lo) - 1 > reloc.max)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "reloc=%x: not what the note allows "
                     "(align %x, %x-%x, image %llx bytes)", to, reloc.align, reloc.min,
                     reloc.max, hi - lo);
    say("hostile: reloc %llx to %x\n", lo, to);
    return to - (uint32_t)lo;
}

void elf_load(uint32_t base, uint32_t size, bool bss_garbage)
{
    uint32_t phoff, phentsize, phnum, offset;

    if (size < EHDR64_SIZE || le32(base) != 0x464c457f || ((const uint8_t *)base)[4] != 2)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "module at %x: not an ELF64", base);
    phoff = (uint32_t)le64(base + 32);
    phentsize = le16(base + 54);
    phnum = le16(base + 56);
    if (phentsize < PHDR64_SIZE || phoff > size || (uint64_t)phnum * phentsize > size - phoff)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "module: program headers outside the file");
    for (uint32_t i = 0; i < phnum; i++) {
        uint32_t ph = base + phoff + i * phentsize;

        if (le32(ph) == PT_NOTE && le64(ph + 8) <= size && le64(ph + 32) <= size - le64(ph + 8))
            scan_notes(base + (uint32_t)le64(ph + 8),
                       base + (uint32_t)le64(ph + 8) + (uint32_t)le64(ph + 32));
    }
    offset = reloc_offset(base, phoff, phentsize, phnum);
    for (uint32_t i = 0; i < phnum; i++) {
        uint32_t ph = base + phoff + i * phentsize;

        if (le32(ph) == PT_LOAD && le64(ph + 40))
            load_segment(base, size, ph, bss_garbage, offset);
    }
    if (!M.entry || !M.image_hi)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "module: no PT_LOAD or no PHYS32_ENTRY note");
    M.entry += offset;
}
