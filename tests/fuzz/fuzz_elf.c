/*
 * Fuzz target: an ELF payload's program headers and notes (firmware/elf.c).
 *
 * Input: a sparse image (fuzz.h). Seeds: Debian's vmlinux and Xen's
 * xen.elf (header, program headers and notes at their real offsets in a
 * zero file of the real length), the bootdump test payloads, pvhboot.elf.
 *
 * Checked: parse() never accepts what detect() refuses; on success the
 * loads are exactly the PT_LOAD headers with memsz > 0, read directly
 * from the image here, each with its file bytes inside the image,
 * filesz <= memsz and no wrap; a PVH entry fits 32 bits; e_entry made
 * physical goes through the first load whose virtual range holds it.
 */
#include <string.h>

#include "common/lib/bytes.h"
#include "firmware/elf.h"
#include "tests/fuzz/fuzz.h"

static uint64_t word(const uint8_t *p, bool is64)
{
    return is64 ? pvh_le64(p) : pvh_le32(p);
}

/* The PT_LOADs with memsz > 0, read from the image without elf.c. */
/* e_entry made physical: through the first load whose virtual range
 * holds it, else unchanged. */
static void check_entry_physical(const struct pvh_elf *e)
{
    uint64_t pa = pvh_elf_entry_physical(e);
    unsigned i;

    for (i = 0; i < e->nr_loads; i++) {
        const struct pvh_elf_load *l = &e->loads[i];

        if (e->entry >= l->vaddr && e->entry - l->vaddr < l->memsz) {
            FUZZ_CHECK(pa == e->entry - l->vaddr + l->paddr, "entry 0x%llx: physical 0x%llx",
                       (unsigned long long)e->entry, (unsigned long long)pa);
            return;
        }
    }
    FUZZ_CHECK(pa == e->entry, "entry 0x%llx in no load: physical 0x%llx",
               (unsigned long long)e->entry, (unsigned long long)pa);
}

static void check_loads(const uint8_t *img, uint64_t len, const struct pvh_elf *e)
{
    bool is64 = img[4] == 2;
    uint64_t phoff = is64 ? pvh_le64(img + 32) : pvh_le32(img + 28);
    unsigned phentsize = pvh_le16(img + (is64 ? 54 : 42)), phnum = pvh_le16(img + (is64 ? 56 : 44));
    unsigned i, k = 0;

    FUZZ_CHECK(e->is64 == is64, "class");
    FUZZ_CHECK(e->machine == pvh_le16(img + 18), "machine");
    FUZZ_CHECK(e->entry == word(img + 24, is64), "entry");
    FUZZ_CHECK(phnum >= 1 && phoff <= len && (uint64_t)phentsize * phnum <= len - phoff,
               "program headers outside the image");
    for (i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
        struct pvh_elf_load l;

        if (pvh_le32(ph) != 1)
            continue;
        l.offset = word(ph + (is64 ? 8 : 4), is64);
        l.paddr = word(ph + (is64 ? 24 : 12), is64);
        l.filesz = word(ph + (is64 ? 32 : 16), is64);
        l.memsz = word(ph + (is64 ? 40 : 20), is64);
        l.vaddr = word(ph + (is64 ? 16 : 8), is64);
        if (!l.memsz)
            continue;
        FUZZ_CHECK(k < e->nr_loads, "PT_LOAD %u missing", i);
        FUZZ_CHECK(!memcmp(&e->loads[k], &l, sizeof(l)), "load %u differs from PT_LOAD %u", k, i);
        k++;
    }
    FUZZ_CHECK(k == e->nr_loads && k >= 1 && k <= PVH_ELF_MAX_LOADS, "%u loads, %u PT_LOADs",
               e->nr_loads, k);
    check_entry_physical(e);
    for (i = 0; i < e->nr_loads; i++) {
        const struct pvh_elf_load *l = &e->loads[i];

        FUZZ_CHECK(l->offset <= len && l->filesz <= len - l->offset, "load %u outside the file", i);
        FUZZ_CHECK(l->filesz <= l->memsz, "load %u: filesz > memsz", i);
        FUZZ_CHECK(l->paddr + l->memsz >= l->paddr, "load %u wraps", i);
    }
    /* An accepted PHYS32_RELOC window makes sense. */
    if (e->has_reloc)
        FUZZ_CHECK(e->reloc_align >= 4096 && !(e->reloc_align & (e->reloc_align - 1)) &&
                   e->reloc_min <= e->reloc_max, "PHYS32_RELOC align 0x%x, window 0x%x-0x%x",
                   e->reloc_align, e->reloc_min, e->reloc_max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    static struct pvh_elf e;
    struct pvh_error err;
    uint64_t len;
    const uint8_t *img = fuzz_image_from_input(&in, &len);
    int rc = pvh_elf_parse(img, len, &e, &err);

    if (rc) {
        FUZZ_CHECK((rc == PVH_EINVAL || rc == PVH_ERANGE || rc == PVH_E2BIG) && err.code == rc,
                   "rc %d", rc);
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");
        return 0;
    }
    FUZZ_CHECK(pvh_elf_detect(img, len), "parse() accepted what detect() refuses");
    check_loads(img, len, &e);
    return 0;
}
