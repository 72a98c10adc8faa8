#include "firmware/elf.h"

#include <xen/elfnote.h>

#include "common/lib/bytes.h"
#include "common/lib/string.h"

/* ELF header and program header layout facts (System V gABI). */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define PT_LOAD 1
#define PT_NOTE 4

/* Where the fields pvhboot reads lie, per class. The program header's
 * offset, vaddr, paddr, filesz, memsz and align are read in that order
 * (enum phdr_field). */
enum phdr_field { PH_OFFSET, PH_VADDR, PH_PADDR, PH_FILESZ, PH_MEMSZ, PH_ALIGN, PH_FIELDS };
struct layout {
    uint8_t ehdr_size, phdr_size;
    uint8_t e_entry, e_phoff, e_phentsize, e_phnum;
    uint8_t p[PH_FIELDS];
};

static const struct layout elf32 = { 52, 32, 24, 28, 42, 44, { 4, 8, 12, 16, 20, 28 } };
static const struct layout elf64 = { 64, 56, 24, 32, 54, 56, { 8, 16, 24, 32, 40, 48 } };
#define E_MACHINE 18 /* the same in both classes, as is p_type at 0 */

static uint64_t word(const uint8_t *p, bool is64)
{
    return is64 ? pvh_le64(p) : pvh_le32(p);
}

bool pvh_elf_detect(const uint8_t *img, uint64_t len)
{
    return len >= 16 && !memcmp(img, "\177ELF", 4);
}

/* [off, off + size) inside a file of len bytes? */
static bool in_file(uint64_t off, uint64_t size, uint64_t len)
{
    return off <= len && size <= len - off;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* PHYS32_RELOC: up to three 32-bit words. An alignment word is checked
 * here; a missing one stays 0 until every program header is read
 * (check_reloc), since it then comes from the segments' p_align. */
static int read_reloc(const uint8_t *d, uint32_t descsz, struct pvh_elf *out,
                      struct pvh_error *err)
{
    if (descsz % 4 || descsz > 12)
        return pvh_fail(err, PVH_EINVAL, "ELF PHYS32_RELOC note: %u bytes (0, 4, 8 or 12)",
                        descsz);
    out->has_reloc = true;
    out->reloc_align = descsz >= 4 ? pvh_le32(d) : 0;
    out->reloc_min = descsz >= 8 ? pvh_le32(d + 4) : PVH_ELF_RELOC_MIN;
    out->reloc_max = descsz >= 12 ? pvh_le32(d + 8) : PVH_ELF_RELOC_MAX;
    if (descsz >= 4 && (!is_pow2(out->reloc_align) || out->reloc_align < 4096))
        return pvh_fail(err, PVH_EINVAL, "ELF PHYS32_RELOC alignment 0x%x: not a power of two "
                        "of at least 4 KiB", out->reloc_align);
    return PVH_OK;
}

/* Walk the notes of one PT_NOTE segment, looking for Xen's PHYS32_ENTRY
 * and PHYS32_RELOC. */
static int scan_notes(const uint8_t *p, uint64_t size, uint64_t align, struct pvh_elf *out,
                      struct pvh_error *err)
{
    uint64_t at = 0;

    while (size - at >= 12) {
        uint32_t namesz = pvh_le32(p + at), descsz = pvh_le32(p + at + 4);
        uint32_t type = pvh_le32(p + at + 8);
        uint64_t name = at + 12, desc = name + align_up(namesz, align);
        uint64_t next = desc + align_up(descsz, align);

        if (desc > size || next > size || desc < name)
            return pvh_fail(err, PVH_EINVAL, "ELF note at 0x%llx: sizes %u/%u run past its "
                            "segment", (unsigned long long)at, namesz, descsz);
        if (namesz != 4 || memcmp(p + name, "Xen", 4)) {
            /* not Xen's */
        } else if (type == XEN_ELFNOTE_PHYS32_ENTRY) {
            if (descsz != 4 && descsz != 8)
                return pvh_fail(err, PVH_EINVAL, "ELF PHYS32_ENTRY note: %u bytes", descsz);
            if (word(p + desc, descsz == 8) > 0xffffffffu)
                return pvh_fail(err, PVH_EINVAL, "ELF PHYS32_ENTRY 0x%llx is above 4 GiB",
                                (unsigned long long)word(p + desc, descsz == 8));
            out->has_pvh_entry = true;
            out->pvh_entry = pvh_le32(p + desc);
        } else if (type == XEN_ELFNOTE_PHYS32_RELOC) {
            int rc = read_reloc(p + desc, descsz, out, err);

            if (rc)
                return rc;
        }
        at = next;
    }
    return PVH_OK;
}

static int read_phdr(const uint8_t *img, uint64_t len, const struct layout *l, bool is64,
                     const uint8_t *ph, unsigned i, struct pvh_elf *out, struct pvh_error *err)
{
    uint32_t type = pvh_le32(ph);
    uint64_t f[PH_FIELDS];
    unsigned k;

    for (k = 0; k < PH_FIELDS; k++)
        f[k] = word(ph + l->p[k], is64);
    if (type == PT_NOTE) {
        if (!in_file(f[PH_OFFSET], f[PH_FILESZ], len))
            return pvh_fail(err, PVH_EINVAL, "ELF note segment %u: outside the %llu-byte file",
                            i, (unsigned long long)len);
        return scan_notes(img + f[PH_OFFSET], f[PH_FILESZ], f[PH_ALIGN] == 8 ? 8 : 4, out, err);
    }
    if (type != PT_LOAD || !f[PH_MEMSZ])
        return PVH_OK;
    if (!in_file(f[PH_OFFSET], f[PH_FILESZ], len))
        return pvh_fail(err, PVH_EINVAL, "ELF segment %u: file bytes 0x%llx+0x%llx outside the "
                        "%llu-byte file", i, (unsigned long long)f[PH_OFFSET],
                        (unsigned long long)f[PH_FILESZ], (unsigned long long)len);
    if (f[PH_FILESZ] > f[PH_MEMSZ])
        return pvh_fail(err, PVH_EINVAL, "ELF segment %u: filesz 0x%llx > memsz 0x%llx", i,
                        (unsigned long long)f[PH_FILESZ], (unsigned long long)f[PH_MEMSZ]);
    if (f[PH_PADDR] + f[PH_MEMSZ] < f[PH_PADDR])
        return pvh_fail(err, PVH_ERANGE, "ELF segment %u: 0x%llx+0x%llx wraps past 2^64", i,
                        (unsigned long long)f[PH_PADDR], (unsigned long long)f[PH_MEMSZ]);
    if (out->nr_loads == PVH_ELF_MAX_LOADS)
        return pvh_fail(err, PVH_E2BIG, "ELF: more than %u loadable segments", PVH_ELF_MAX_LOADS);
    out->loads[out->nr_loads++] = (struct pvh_elf_load){ f[PH_OFFSET], f[PH_FILESZ], f[PH_PADDR],
                                                         f[PH_MEMSZ], f[PH_VADDR] };
    if (f[PH_ALIGN] > out->max_load_align)
        out->max_load_align = f[PH_ALIGN];
    return PVH_OK;
}

/* The PHYS32_RELOC note's alignment when it gave none (as Xen's PVH
 * builder takes it), then the window's own sense. */
static int check_reloc(struct pvh_elf *out, struct pvh_error *err)
{
    if (!out->has_reloc)
        return PVH_OK;
    if (!out->reloc_align)
        out->reloc_align = out->max_load_align > 4096 && is_pow2(out->max_load_align) &&
                           out->max_load_align <= 0x80000000u ?
                           (uint32_t)out->max_load_align : PVH_ELF_RELOC_ALIGN;
    if (out->reloc_min > out->reloc_max)
        return pvh_fail(err, PVH_EINVAL, "ELF PHYS32_RELOC window 0x%x-0x%x: its lowest start "
                        "above its highest byte", out->reloc_min, out->reloc_max);
    return PVH_OK;
}

bool pvh_elf_holds(const struct pvh_elf *elf, uint64_t addr)
{
    unsigned i;

    for (i = 0; i < elf->nr_loads; i++)
        if (addr >= elf->loads[i].paddr && addr - elf->loads[i].paddr < elf->loads[i].memsz)
            return true;
    return false;
}

uint64_t pvh_elf_entry_physical(const struct pvh_elf *elf)
{
    unsigned i;

    for (i = 0; i < elf->nr_loads; i++) {
        const struct pvh_elf_load *l = &elf->loads[i];

        if (elf->entry >= l->vaddr && elf->entry - l->vaddr < l->memsz)
            return elf->entry - l->vaddr + l->paddr;
    }
    return elf->entry;
}

int pvh_elf_parse(const uint8_t *img, uint64_t len, struct pvh_elf *out, struct pvh_error *err)
{
    const struct layout *l;
    uint64_t phoff;
    unsigned phentsize, phnum, i;
    bool is64;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!pvh_elf_detect(img, len))
        return pvh_fail(err, PVH_EINVAL, "ELF: no ELF magic");
    if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
        return pvh_fail(err, PVH_EINVAL, "ELF: class %u", img[EI_CLASS]);
    if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != 1)
        return pvh_fail(err, PVH_EINVAL, "ELF: not little-endian version 1");
    is64 = img[EI_CLASS] == ELFCLASS64;
    l = is64 ? &elf64 : &elf32;
    if (len < l->ehdr_size)
        return pvh_fail(err, PVH_EINVAL, "ELF: %llu bytes, too short for its header",
                        (unsigned long long)len);
    if (pvh_le16(img + 16) != ET_EXEC)
        return pvh_fail(err, PVH_EINVAL, "ELF: type %u, not an executable", pvh_le16(img + 16));
    out->is64 = is64;
    out->machine = pvh_le16(img + E_MACHINE);
    out->entry = word(img + l->e_entry, is64);
    phoff = word(img + l->e_phoff, is64);
    phentsize = pvh_le16(img + l->e_phentsize);
    phnum = pvh_le16(img + l->e_phnum);
    if (!phnum || phnum > PVH_ELF_MAX_PHDRS)
        return pvh_fail(err, PVH_EINVAL, "ELF: %u program headers (1 to %u)", phnum,
                        PVH_ELF_MAX_PHDRS);
    if (phentsize < l->phdr_size || !in_file(phoff, (uint64_t)phentsize * phnum, len))
        return pvh_fail(err, PVH_EINVAL, "ELF: program headers (%u of %u bytes at 0x%llx) "
                        "outside the file", phnum, phentsize, (unsigned long long)phoff);
    for (i = 0; i < phnum; i++) {
        rc = read_phdr(img, len, l, is64, img + phoff + (uint64_t)i * phentsize, i, out, err);
        if (rc)
            return rc;
    }
    if (!out->nr_loads)
        return pvh_fail(err, PVH_EINVAL, "ELF: no loadable segment");
    rc = check_reloc(out, err);
    if (rc)
        return rc;
    /* An entry no segment loads would run whatever lies there. */
    if (out->has_pvh_entry && !pvh_elf_holds(out, out->pvh_entry))
        return pvh_fail(err, PVH_EINVAL, "ELF PHYS32_ENTRY 0x%x: outside every loadable segment",
                        out->pvh_entry);
    return PVH_OK;
}
