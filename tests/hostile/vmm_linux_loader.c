/*
 * rust-vmm linux-loader's ELF loader (src/loader/elf/mod.rs, Elf::load
 * and parse_elf_note, the same in the releases these VMMs build with:
 * 0.13.0 for Firecracker 1.12 and 1.13, 0.14.0 for Firecracker 1.16 and
 * Cloud Hypervisor 53), which both call with no load offset and
 * highmem_start = 1 MiB. Its rules, in its order:
 *
 *  - the 64-byte ELF64 header must be there, with the ELF magic and
 *    little-endian data; EI_CLASS is not looked at, but e_phentsize must
 *    be 56 (an ELF64 program header), which is where an ELF32 fails;
 *  - e_phoff at or past the 64-byte header; e_entry (the ELF entry, not
 *    the PVH one) at or above 1 MiB;
 *  - every PT_LOAD with file bytes is copied to p_paddr (not p_vaddr), and
 *    must fit in guest memory; a PT_LOAD without file bytes is skipped;
 *  - in every PT_NOTE the notes are walked with name and descriptor sizes
 *    rounded up to 4 bytes (ELFNOTE_ALIGN, whatever the segment's
 *    p_align says); each PT_NOTE's answer replaces the previous one's; a
 *    PVH note (type 18, name "Xen") with a descriptor under 4 bytes is an
 *    error; the entry is its first 4 bytes.
 *
 * Each refusal prints linux-loader's own description of the error.
 * Cloud Hypervisor (vm.rs load_kernel) tries its bzImage loader on an ELF
 * its ELF loader refused, and reports that loader's error instead: the
 * replica does the bzImage loader's first checks (bzimage/mod.rs) and
 * prints its error.
 * Memory past a segment's file bytes is zeroed: the VMM's guest RAM is
 * fresh anonymous memory, zero until written.
 */
#include "tests/hostile/vmm.h"

#include "tests/hostile/console.h"
#include "tests/hostile/machine.h"

#define EHDR64_SIZE 64u
#define PHDR64_SIZE 56u
#define NHDR_SIZE 12u
#define PT_LOAD 1u
#define PT_NOTE 4u
#define ELFDATA2LSB 1u
#define XEN_ELFNOTE_PHYS32_ENTRY 18u
#define PVH_NOTE_NAME 0x006e6558u /* "Xen\0" */
#define FOUR_GIB 0x100000000ull
#define ELFNOTE_ALIGN 4u
#define BZ_SETUP_HEADER 0x1f1u        /* where the setup header starts in the file */
#define BZ_SETUP_HEADER_SIZE 0x7bu    /* its size, up to the end of kernel_info_offset */
#define BZ_HEADER_MAGIC 0x202u        /* "HdrS" */
#define BZ_VERSION 0x206u
#define BZ_LOADFLAGS 0x211u

extern char __image_start[], __image_end[];

struct elf_file {
    uint32_t base, size;
};

static const struct vmm_replica *replica;
static struct elf_file image;

static bool file_read(const struct elf_file *f, uint64_t off, void *dst, uint32_t n);
static uint16_t get16(const uint8_t *p);
static uint32_t get32(const uint8_t *p);

/* The error the bzImage loader gives a file that is no bzImage: its header
 * cannot be read, or has no "HdrS", a version under 2.00 or no
 * LOADED_HIGH. A file that passes these is a bzImage this replica does
 * not boot. */
static const char *bzimage_refusal(const struct elf_file *f)
{
    uint8_t h[BZ_SETUP_HEADER_SIZE];

    if (!file_read(f, BZ_SETUP_HEADER, h, sizeof(h)))
        return "Unable to read bzImage header";
    if (get32(h + BZ_HEADER_MAGIC - BZ_SETUP_HEADER) != 0x53726448u ||
        get16(h + BZ_VERSION - BZ_SETUP_HEADER) < 0x200 || !(h[BZ_LOADFLAGS - BZ_SETUP_HEADER] & 1))
        return "Invalid bzImage";
    hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: a bzImage: the replica boots ELF images only");
}

__attribute__((noreturn)) static void refuse(const char *what)
{
    if (replica->elf_refusal_is_bzimage)
        what = bzimage_refusal(&image);
    hostile_fail(VMM_EXIT_REFUSED, "linux-loader: %s", what);
}

/* Read n bytes at off of the file into dst; false past its end. */
static bool file_read(const struct elf_file *f, uint64_t off, void *dst, uint32_t n)
{
    if (off > f->size || n > f->size - off)
        return false;
    for (uint32_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = ((const volatile uint8_t *)f->base)[(uint32_t)off + i];
    return true;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t align4(uint64_t v)
{
    return (v + ELFNOTE_ALIGN - 1) & ~(uint64_t)(ELFNOTE_ALIGN - 1);
}

/* Is [pa, pa + n) guest RAM of a VMM with mem bytes? */
static bool in_guest_ram(uint64_t pa, uint64_t n, uint64_t mem)
{
    uint64_t low = vmm_lowmem_end(replica, mem), high_end = VMM_RAM_64BIT + (mem - low);

    if (pa + n < pa)
        return false;
    return pa + n <= low || (pa >= VMM_RAM_64BIT && pa + n <= high_end);
}

static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
    return a < b + bn && b < a + an;
}

static void load_segment(const struct elf_file *f, const uint8_t *ph, uint64_t mem)
{
    uint64_t off = get64(ph + 8), paddr = get64(ph + 24);
    uint64_t filesz = get64(ph + 32), memsz = get64(ph + 40);
    volatile uint8_t *dst;

    if (off > f->size || filesz > f->size - off || !in_guest_ram(paddr, filesz, mem))
        refuse("Unable to read kernel image");
    if (paddr + memsz < paddr)
        refuse("Memory overflow");
    /* Limits of this replica, not of the VMM: */
    if (paddr + memsz > FOUR_GIB || memsz > FOUR_GIB ||
        overlaps(paddr, memsz, (uint32_t)__image_start, (uint32_t)(__image_end - __image_start)) ||
        overlaps(paddr, memsz, f->base, f->size))
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "PT_LOAD to %llx+%llx: where the replica cannot "
                     "put it", paddr, memsz);
    dst = (volatile uint8_t *)(uint32_t)paddr;
    for (uint32_t i = 0; i < (uint32_t)filesz; i++)
        dst[i] = ((const volatile uint8_t *)f->base)[(uint32_t)off + i];
    for (uint32_t i = (uint32_t)filesz; i < (uint32_t)memsz; i++)
        dst[i] = 0;
    if (!M.image_hi || paddr < M.image_lo)
        M.image_lo = (uint32_t)paddr;
    if (paddr + memsz > M.image_hi)
        M.image_hi = (uint32_t)(paddr + memsz);
}

/* One PT_NOTE: does it hold a PVH note, and its entry. */
static bool pvh_entry_of(const struct elf_file *f, const uint8_t *ph, uint32_t *entry)
{
    uint64_t off = get64(ph + 8), filesz = get64(ph + 32);
    uint64_t read = 0, name_len, desc_len;
    uint8_t nh[NHDR_SIZE], word[4];

    while (read < filesz) {
        uint32_t namesz, descsz, type;

        if (!file_read(f, off + read, nh, NHDR_SIZE))
            refuse("Unable to read note header");
        namesz = get32(nh);
        descsz = get32(nh + 4);
        type = get32(nh + 8);
        if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4) {
            if (!file_read(f, off + read + NHDR_SIZE, word, 4))
                refuse("Unable to read note header");
            if (get32(word) == PVH_NOTE_NAME) {
                name_len = align4(namesz);
                if (descsz < 4)
                    refuse("Invalid PVH note header");
                if (!file_read(f, off + read + NHDR_SIZE + name_len, word, 4))
                    refuse("Unable to read note header");
                *entry = get32(word);
                return true;
            }
        }
        name_len = align4(namesz);
        desc_len = align4(descsz);
        if (name_len > 0xffffffffull || desc_len > 0xffffffffull)
            refuse("Overflow occurred during an arithmetic operation");
        read += NHDR_SIZE + name_len + desc_len;
    }
    return false;
}

uint32_t linux_loader_load(const struct vmm_replica *r, uint32_t base, uint32_t size,
                           uint64_t mem)
{
    struct elf_file f = { base, size };
    uint8_t eh[EHDR64_SIZE], ph[PHDR64_SIZE];
    uint64_t phoff;
    uint32_t phnum, entry = 0;
    bool pvh = false;

    replica = r;
    image = f;
    if (!file_read(&f, 0, eh, EHDR64_SIZE))
        refuse("Unable to read elf header");
    if (eh[0] != 0x7f || eh[1] != 'E' || eh[2] != 'L' || eh[3] != 'F')
        refuse("Invalid Elf magic number");
    if (eh[5] != ELFDATA2LSB)
        refuse("Trying to load big-endian binary on little-endian machine");
    if (get16(eh + 54) != PHDR64_SIZE)
        refuse("Invalid program header size");
    phoff = get64(eh + 32);
    if (phoff < EHDR64_SIZE)
        refuse("Invalid program header offset");
    if (get64(eh + 24) < VMM_HIMEM_START)
        refuse("Invalid entry address");
    phnum = get16(eh + 56);
    M.image_lo = M.image_hi = 0;
    for (uint32_t i = 0; i < phnum; i++)
        if (!file_read(&f, phoff + (uint64_t)i * PHDR64_SIZE, ph, PHDR64_SIZE))
            refuse("Unable to read program header");
    for (uint32_t i = 0; i < phnum; i++) {
        file_read(&f, phoff + (uint64_t)i * PHDR64_SIZE, ph, PHDR64_SIZE);
        if (get32(ph) == PT_LOAD && get64(ph + 32)) {
            load_segment(&f, ph, mem);
        } else if (get32(ph) == PT_NOTE) {
            pvh = pvh_entry_of(&f, ph, &entry);
        }
    }
    if (!pvh && r->elf_refusal_is_bzimage)
        hostile_fail(VMM_EXIT_REFUSED, "Kernel lacks PVH header"); /* vm.rs KernelMissingPvhHeader */
    if (!pvh)
        hostile_fail(VMM_EXIT_REFUSED, "no PVH note: the VMM would boot this image through "
                     "Linux's 64-bit boot protocol, which this replica does not do");
    return entry;
}
