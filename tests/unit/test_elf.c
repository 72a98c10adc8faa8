/*
 * firmware/elf.c: the rule added after the hostile-payload tests
 * (tests/boot/test_x86_hostile_payloads.py) found pvhboot.elf jumping to
 * a PHYS32_ENTRY no segment loads, and hanging there: the PVH entry must
 * lie inside a loadable segment.
 *
 * And e_entry as a physical address (pvh_elf_entry_physical): translated
 * through the segments' virtual addresses, as GRUB does for multiboot.
 *
 * The image: an ELF32 executable, one PT_LOAD of 0x1000 file bytes and
 * 0x2000 memory bytes at 0x400000, one PT_NOTE holding the Xen
 * PHYS32_ENTRY note; the PHYS32_RELOC tests add that note after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <xen/elfnote.h>

#include "firmware/elf.h"
#include "tests/unit/support.h"

#define PHOFF 52
#define NOTE_OFF 0x100
#define LOAD_OFF 0x1000
#define LOAD_PADDR 0x400000u
#define LOAD_FILESZ 0x1000u
#define LOAD_MEMSZ 0x2000u
#define IMAGE_SIZE (LOAD_OFF + LOAD_FILESZ)

static uint8_t image[IMAGE_SIZE];

static void put16(unsigned off, uint16_t v)
{
    memcpy(image + off, &v, 2);
}

static void put32(unsigned off, uint32_t v)
{
    memcpy(image + off, &v, 4);
}

static void phdr(unsigned i, uint32_t type, uint32_t off, uint32_t paddr, uint32_t filesz,
                 uint32_t memsz)
{
    unsigned at = PHOFF + 32 * i;

    put32(at, type);
    put32(at + 4, off);
    put32(at + 8, paddr);
    put32(at + 12, paddr);
    put32(at + 16, filesz);
    put32(at + 20, memsz);
    put32(at + 28, 4);
}

static void build(uint32_t pvh_entry)
{
    memset(image, 0, sizeof(image));
    memcpy(image, "\177ELF", 4);
    image[4] = 1; /* ELFCLASS32 */
    image[5] = 1; /* little endian */
    image[6] = 1; /* version */
    put16(16, 2); /* ET_EXEC */
    put16(18, 3); /* EM_386 */
    put32(24, LOAD_PADDR);
    put32(28, PHOFF);
    put16(42, 32);
    put16(44, 2);
    phdr(0, 1, LOAD_OFF, LOAD_PADDR, LOAD_FILESZ, LOAD_MEMSZ);
    phdr(1, 4, NOTE_OFF, 0, 20, 20);
    put32(NOTE_OFF, 4);
    put32(NOTE_OFF + 4, 4);
    put32(NOTE_OFF + 8, XEN_ELFNOTE_PHYS32_ENTRY);
    memcpy(image + NOTE_OFF + 12, "Xen", 4);
    put32(NOTE_OFF + 16, pvh_entry);
}

static int parse(struct pvh_elf *elf, struct pvh_error *err)
{
    memset(err, 0, sizeof(*err));
    return pvh_elf_parse(image, sizeof(image), elf, err);
}

static void accepts_entry_at_first_and_last_loaded_byte(void **state)
{
    struct pvh_elf elf;
    struct pvh_error err;

    build(LOAD_PADDR);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_true(elf.has_pvh_entry);
    assert_int_equal(elf.pvh_entry, LOAD_PADDR);
    /* The memory size counts, not the file size: bss is loaded too. */
    build(LOAD_PADDR + LOAD_MEMSZ - 1);
    assert_int_equal(parse(&elf, &err), PVH_OK);
}

static void rejects_entry_outside_every_segment(void **state)
{
    struct pvh_elf elf;
    struct pvh_error err;

    build(0x30000000);
    assert_error(parse(&elf, &err), &err, PVH_EINVAL,
                 "ELF PHYS32_ENTRY 0x30000000: outside every loadable segment");
    build(0);
    assert_error(parse(&elf, &err), &err, PVH_EINVAL,
                 "ELF PHYS32_ENTRY 0x0: outside every loadable segment");
}

static void rejects_entry_just_past_the_segment(void **state)
{
    struct pvh_elf elf;
    struct pvh_error err;

    build(LOAD_PADDR + LOAD_MEMSZ);
    assert_error(parse(&elf, &err), &err, PVH_EINVAL, "outside every loadable segment");
    build(LOAD_PADDR - 1);
    assert_error(parse(&elf, &err), &err, PVH_EINVAL, "outside every loadable segment");
}

static void entry_rule_needs_no_note(void **state)
{
    struct pvh_elf elf;
    struct pvh_error err;

    /* Without the note (a multiboot ELF) e_entry is not checked here. */
    build(0x30000000);
    /* Another Xen note type, one pvhboot does not read (type 19, the next
     * after PHYS32_ENTRY, is PHYS32_RELOC, which it now does). */
    put32(NOTE_OFF + 8, 0x7f);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_false(elf.has_pvh_entry);
}

/* A higher-half kernel: segment 0 runs at HIGHER + its physical address,
 * and e_entry is given in that space (GRUB translates it). */
#define HIGHER 0xc0000000u

static void entry_translated_from_virtual_to_physical(void **state)
{
    struct pvh_elf elf;
    struct pvh_error err;

    build(LOAD_PADDR);
    put32(PHOFF + 8, HIGHER + LOAD_PADDR);      /* p_vaddr */
    put32(24, HIGHER + LOAD_PADDR + 0x40);      /* e_entry */
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_int_equal(elf.loads[0].vaddr, HIGHER + LOAD_PADDR);
    assert_int_equal(pvh_elf_entry_physical(&elf), LOAD_PADDR + 0x40);
    /* The last byte of memory (bss) counts; one past it does not. */
    put32(24, HIGHER + LOAD_PADDR + LOAD_MEMSZ - 1);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_int_equal(pvh_elf_entry_physical(&elf), LOAD_PADDR + LOAD_MEMSZ - 1);
    put32(24, HIGHER + LOAD_PADDR + LOAD_MEMSZ);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_int_equal(pvh_elf_entry_physical(&elf), HIGHER + LOAD_PADDR + LOAD_MEMSZ);
}

static void entry_already_physical_is_kept(void **state)
{
    struct pvh_elf elf;
    struct pvh_error err;

    build(LOAD_PADDR);
    put32(24, LOAD_PADDR + 0x40);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_int_equal(pvh_elf_entry_physical(&elf), LOAD_PADDR + 0x40);
}

/* A PHYS32_RELOC note of descsz bytes (words from w) after the entry
 * note, inside the PT_NOTE segment. */
static void add_reloc(uint32_t descsz, const uint32_t *w)
{
    unsigned at = NOTE_OFF + 20, i;

    put32(at, 4);
    put32(at + 4, descsz);
    put32(at + 8, XEN_ELFNOTE_PHYS32_RELOC);
    memcpy(image + at + 12, "Xen", 4);
    for (i = 0; i < (descsz + 3) / 4 && i < 4; i++)
        put32(at + 16 + 4 * i, w[i]);
    put32(PHOFF + 32 + 16, 20 + 16 + ((descsz + 3) & ~3u)); /* PT_NOTE p_filesz */
}

static void reloc_note_read_in_order(void **state)
{
    static const uint32_t w[] = { 0x400000, 0x1000000, 0x3fffffff };
    struct pvh_elf elf;
    struct pvh_error err;

    build(LOAD_PADDR);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_false(elf.has_reloc);
    add_reloc(12, w);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_true(elf.has_reloc);
    assert_int_equal(elf.reloc_align, 0x400000);
    assert_int_equal(elf.reloc_min, 0x1000000);
    assert_int_equal(elf.reloc_max, 0x3fffffff);
}

static void reloc_note_defaults(void **state)
{
    static const uint32_t w[] = { 0x8000, 0x2000000 };
    struct pvh_elf elf;
    struct pvh_error err;

    /* No words: 2 MiB (the segment's p_align is 4), the whole 4 GiB. */
    build(LOAD_PADDR);
    add_reloc(0, w);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_true(elf.has_reloc);
    assert_int_equal(elf.reloc_align, PVH_ELF_RELOC_ALIGN);
    assert_int_equal(elf.reloc_min, 0);
    assert_int_equal(elf.reloc_max, 0xffffffffu);
    /* No alignment word, a PT_LOAD p_align above 4 KiB: that one. */
    put32(PHOFF + 28, 0x10000);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_int_equal(elf.max_load_align, 0x10000);
    assert_int_equal(elf.reloc_align, 0x10000);
    /* One word, then two: the rest default. */
    add_reloc(4, w);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_int_equal(elf.reloc_align, 0x8000);
    assert_int_equal(elf.reloc_max, 0xffffffffu);
    add_reloc(8, w);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_int_equal(elf.reloc_min, 0x2000000);
    assert_int_equal(elf.reloc_max, 0xffffffffu);
}

static void reloc_note_odd_sizes_refused(void **state)
{
    static const uint32_t w[] = { 0x200000, 0, 0xffffffff, 0 };
    static const uint32_t sizes[] = { 1, 2, 3, 5, 7, 11, 16 };
    struct pvh_elf elf;
    struct pvh_error err;
    char want[64];
    unsigned i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        build(LOAD_PADDR);
        add_reloc(sizes[i], w);
        snprintf(want, sizeof(want), "ELF PHYS32_RELOC note: %u bytes (0, 4, 8 or 12)", sizes[i]);
        assert_error(parse(&elf, &err), &err, PVH_EINVAL, want);
    }
}

static void reloc_note_bad_alignment_refused(void **state)
{
    static const uint32_t aligns[] = { 0, 0x3000, 0x800, 0x1, 0x200001 };
    struct pvh_elf elf;
    struct pvh_error err;
    char want[96];
    unsigned i;

    for (i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
        uint32_t w[] = { aligns[i], 0, 0xffffffff };

        build(LOAD_PADDR);
        add_reloc(12, w);
        snprintf(want, sizeof(want), "ELF PHYS32_RELOC alignment 0x%x: not a power of two of at "
                 "least 4 KiB", aligns[i]);
        assert_error(parse(&elf, &err), &err, PVH_EINVAL, want);
    }
    /* 4 KiB itself is fine. */
    {
        uint32_t w[] = { 0x1000, 0, 0xffffffff };

        build(LOAD_PADDR);
        add_reloc(12, w);
        assert_int_equal(parse(&elf, &err), PVH_OK);
    }
}

static void reloc_note_min_above_max_refused(void **state)
{
    static const uint32_t w[] = { 0x200000, 0x40000000, 0x3fffffff };
    static const uint32_t same[] = { 0x200000, 0x40000000, 0x40000000 };
    struct pvh_elf elf;
    struct pvh_error err;

    build(LOAD_PADDR);
    add_reloc(12, w);
    assert_error(parse(&elf, &err), &err, PVH_EINVAL,
                 "ELF PHYS32_RELOC window 0x40000000-0x3fffffff: its lowest start above its "
                 "highest byte");
    /* A one-address window is allowed. */
    add_reloc(12, same);
    assert_int_equal(parse(&elf, &err), PVH_OK);
}

static void reloc_note_default_alignment_skips_odd_p_align(void **state)
{
    static const uint32_t w[1] = { 0 };
    static const uint32_t odd[] = { 0x3000, 0x1000, 0xffffffffu };
    struct pvh_elf elf;
    struct pvh_error err;
    unsigned i;

    /* No alignment word: a p_align that is not a power of two, not above
     * 4 KiB, or (here, for a 32-bit ELF) 4 GiB - 1 gives 2 MiB. */
    for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        build(LOAD_PADDR);
        add_reloc(0, w);
        put32(PHOFF + 28, odd[i]);
        assert_int_equal(parse(&elf, &err), PVH_OK);
        assert_int_equal(elf.reloc_align, PVH_ELF_RELOC_ALIGN);
    }
    /* 2 GiB, the largest 32-bit power of two, is taken. */
    build(LOAD_PADDR);
    add_reloc(0, w);
    put32(PHOFF + 28, 0x80000000u);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_int_equal(elf.reloc_align, 0x80000000u);
}

static void reloc_note_cut_by_its_segment_refused(void **state)
{
    static const uint32_t w[] = { 0x200000, 0, 0xffffffff };
    struct pvh_elf elf;
    struct pvh_error err;

    /* The segment ends 4 bytes into the note's 12-byte description. */
    build(LOAD_PADDR);
    add_reloc(12, w);
    put32(PHOFF + 32 + 16, 20 + 16 + 4);
    assert_error(parse(&elf, &err), &err, PVH_EINVAL,
                 "ELF note at 0x14: sizes 4/12 run past its segment");
    assert_false(elf.has_reloc);
}

static void reloc_note_of_another_owner_ignored(void **state)
{
    static const uint32_t w[] = { 0x3000, 5, 4 }; /* refused, were it Xen's */
    struct pvh_elf elf;
    struct pvh_error err;

    build(LOAD_PADDR);
    add_reloc(12, w);
    memcpy(image + NOTE_OFF + 20 + 12, "XEN", 4);
    assert_int_equal(parse(&elf, &err), PVH_OK);
    assert_false(elf.has_reloc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_entry_at_first_and_last_loaded_byte),
        cmocka_unit_test(rejects_entry_outside_every_segment),
        cmocka_unit_test(rejects_entry_just_past_the_segment),
        cmocka_unit_test(entry_rule_needs_no_note),
        cmocka_unit_test(entry_translated_from_virtual_to_physical),
        cmocka_unit_test(entry_already_physical_is_kept),
        cmocka_unit_test(reloc_note_read_in_order),
        cmocka_unit_test(reloc_note_defaults),
        cmocka_unit_test(reloc_note_odd_sizes_refused),
        cmocka_unit_test(reloc_note_bad_alignment_refused),
        cmocka_unit_test(reloc_note_min_above_max_refused),
        cmocka_unit_test(reloc_note_default_alignment_skips_odd_p_align),
        cmocka_unit_test(reloc_note_cut_by_its_segment_refused),
        cmocka_unit_test(reloc_note_of_another_owner_ignored),
    };

    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
