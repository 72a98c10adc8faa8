/*
 * Entering the payload from a trampoline (firmware/x86/trampoline.asm), so
 * that payload segments may land on pvhboot's own memory: its image,
 * stack, page tables and boot description.
 *
 * The trampoline's area is the plan's last allocation: below 4 GiB (the
 * trampoline runs with paging off), clear of every destination, of the
 * payload's structures and of every move's source. It holds, page by page:
 *   - the trampoline's code with its GDT, then its arguments and the list
 *     of late copies (those that write pvhboot's memory);
 *   - for Linux's 64-bit entry, a stack page and, when a late copy lands
 *     on pvhboot's own page tables, the identity map of the first 4 GiB in
 *     2 MiB pages (a PML4, a PDPT, four page directories: six pages) that
 *     the trampoline turns paging back on with. Otherwise it turns it back
 *     on with pvhboot's own tables, which map RAM writable and
 *     executable in the firmware (paging_for_handoff() opens the first
 *     2 MiB too; building six pages of tables would double the
 *     firmware's own work for a packed kernel).
 * Everything else ran in C before: the moves, and the copies that do not
 * touch pvhboot's memory.
 */
#include "firmware/x86/handoff.h"

#include <stddef.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/lib/compiler.h"
#include "common/lib/string.h"

#define TRAMP_MODE_PROTECTED32 0
#define TRAMP_MODE_LINUX64 1
#define TRAMP_MODE_LINUX32 2
#define TRAMP_SEL_CODE64 0x10
#define TRAMP_SEL_BOOT_CS 0x10 /* Linux's __BOOT_CS: 32-bit code in that mode */
#define TRAMPOLINE_MAP_GIB 4 /* the trampoline's own map: the first 4 GiB */
#define LINUX_TABLE_PAGES 6 /* PML4, PDPT, a page directory per GiB of the first four */
#define LINUX_STACK_PAGES 1
#define PTE_LARGE (X86_PTE_P | X86_PTE_RW | X86_PTE_PS)

/* Read by trampoline.asm at these offsets. */
struct x86_tramp_copy {
    uint32_t dst, src, filesz, memsz;
};
struct x86_tramp_args {
    uint32_t mode;
    uint32_t entry;
    uint32_t eax, ebx;    /* ebx: %rsi for Linux */
    uint32_t cr3;         /* Linux: the identity map in this area */
    uint32_t efer;        /* Linux: EFER bits set with LME */
    uint32_t stack;       /* Linux: %rsp */
    uint32_t far64_offset; /* Linux 64-bit: where long mode resumes, in the copy;
                            * Linux 32-bit: the entry itself */
    uint16_t far64_selector;
    uint16_t pad;
    uint32_t nr_copies;
    struct x86_tramp_copy copies[];
};
_Static_assert(offsetof(struct x86_tramp_args, cr3) == 16, "ARGS_CR3");
_Static_assert(offsetof(struct x86_tramp_args, far64_offset) == 28, "ARGS_FAR64");
_Static_assert(offsetof(struct x86_tramp_args, nr_copies) == 36, "ARGS_NR_COPIES");
_Static_assert(offsetof(struct x86_tramp_args, copies) == 40, "ARGS_COPIES");
_Static_assert(sizeof(struct x86_tramp_copy) == 16, "COPY_STRIDE");

_Static_assert(X86_ENTRY_PROTECTED32 == TRAMP_MODE_PROTECTED32 &&
               X86_ENTRY_LINUX64 == TRAMP_MODE_LINUX64 && X86_ENTRY_LINUX32 == TRAMP_MODE_LINUX32,
               "entry modes are the trampoline's");

extern const uint8_t x86_trampoline[], x86_trampoline_end[], x86_trampoline_long64[];

static size_t round_page(size_t n)
{
    return (n + X86_PAGE_SIZE - 1) & ~(size_t)(X86_PAGE_SIZE - 1);
}

/* The late copies (those that write pvhboot's memory), as the trampoline
 * reads them; returns how many. */
static unsigned collect_late(const struct pvh_fw *fw, struct x86_tramp_copy *late)
{
    unsigned i, n = 0;

    for (i = 0; i < fw->nr_copies; i++) {
        const struct pvh_copy *c = &fw->copies[i];

        if (pvh_fw_copy_is_late(fw, c))
            late[n++] = (struct x86_tramp_copy){ (uint32_t)c->dst, (uint32_t)c->src,
                                                 (uint32_t)c->filesz, (uint32_t)c->memsz };
    }
    return n;
}

static bool late_copy_hits(const struct x86_tramp_copy *late, unsigned nr_late, uint64_t base,
                           uint64_t size)
{
    unsigned i;

    for (i = 0; i < nr_late; i++)
        if (late[i].dst < base + size && base < (uint64_t)late[i].dst + late[i].memsz)
            return true;
    return false;
}

/* Do pvhboot's page tables outlive the late copies? Those in its image, and
 * those for RAM above 4 GiB (the rest of its memory). */
static bool own_tables_survive(const struct pvh_fw *fw, const struct x86_tramp_copy *late,
                               unsigned nr_late)
{
    struct { uint64_t base, size; } tables[5] = {
        { (uintptr_t)x86_pml4, X86_PAGE_SIZE }, { (uintptr_t)x86_pdpt, X86_PAGE_SIZE },
        { (uintptr_t)x86_pd, X86_PAGE_SIZE }, { (uintptr_t)x86_pt0, X86_PAGE_SIZE },
    };
    unsigned i;

    tables[4].base = (uintptr_t)x86_paging_pool(&tables[4].size);
    for (i = 0; i < 5; i++)
        if (late_copy_hits(late, nr_late, tables[i].base, tables[i].size))
            return false;
    for (i = 0; i < fw->nr_busy; i++) {
        const struct pvh_busy *b = &fw->busy[i];

        if (b->kind == PVH_BUSY_FIXED && (b->end <= fw->boot->self_base ||
                                          b->base >= fw->boot->self_end) &&
            late_copy_hits(late, nr_late, b->base, b->end - b->base))
            return false;
    }
    return true;
}

/* The identity map of the first 4 GiB, read-write-execute, in 2 MiB pages. */
static uint64_t build_identity_map(uint64_t at)
{
    uint64_t *pml4 = (uint64_t *)(uintptr_t)at, *pdpt = pml4 + X86_PTES_PER_TABLE;
    uint64_t *pd = pdpt + X86_PTES_PER_TABLE;
    unsigned i;

    memset(pml4, 0, 2 * X86_PAGE_SIZE);
    pml4[0] = (uint64_t)(uintptr_t)pdpt | X86_PTE_P | X86_PTE_RW;
    for (i = 0; i < TRAMPOLINE_MAP_GIB; i++)
        pdpt[i] = (uint64_t)(uintptr_t)(pd + i * X86_PTES_PER_TABLE) | X86_PTE_P | X86_PTE_RW;
    for (i = 0; i < TRAMPOLINE_MAP_GIB * X86_PTES_PER_TABLE; i++)
        pd[i] = (uint64_t)i * X86_LARGE_PAGE_SIZE | PTE_LARGE;
    return at;
}

/* The firmware maps RAM writable and executable (x86_paging_ram_executable);
 * the 2 MiB which hold its own image (the first 2 MiB at its link address)
 * become so everywhere too, page 0 there included, so the trampoline's
 * copy can run. */
const _Bool x86_paging_ram_executable = 1;

static void paging_for_handoff(void)
{
    uint64_t block = (uintptr_t)__image_start & ~(uint64_t)(X86_LARGE_PAGE_SIZE - 1);
    unsigned i;

    for (i = 0; i < X86_PTES_PER_TABLE; i++)
        x86_pt0[i] = (block + (uint64_t)i * X86_PAGE_SIZE) | X86_PTE_P | X86_PTE_RW;
    x86_write_cr3(x86_read_cr3());
}

int x86_enter_payload(struct pvh_fw *fw, const struct x86_entry *how, struct pvh_error *err)
{
    size_t code = (size_t)(x86_trampoline_end - x86_trampoline);
    size_t args_off = (code + 15) & ~(size_t)15;
    static struct x86_tramp_copy late[PVH_ELF_MAX_LOADS] PVH_NOINIT;
    unsigned nr_late = collect_late(fw, late);
    size_t head = round_page(args_off + sizeof(struct x86_tramp_args) +
                             nr_late * sizeof(struct x86_tramp_copy));
    bool linux64 = how->mode == X86_ENTRY_LINUX64;
    bool own_tables = linux64 && own_tables_survive(fw, late, nr_late);
    size_t size = head + (linux64 ? LINUX_STACK_PAGES * X86_PAGE_SIZE : 0) +
                  (linux64 && !own_tables ? LINUX_TABLE_PAGES * X86_PAGE_SIZE : 0);
    struct x86_tramp_args *a;
    uint64_t at;

    at = pvh_fw_alloc(fw, size, X86_PAGE_SIZE, 0, FOUR_GIB);
    if (!at)
        return x86_no_room(err, FOUR_GIB, size, "hand-off trampoline");
    a = (struct x86_tramp_args *)(uintptr_t)(at + args_off);
    *a = (struct x86_tramp_args){
        .mode = how->mode, /* the same numbers as TRAMP_MODE_* (asserted above) */
        .entry = how->entry, .eax = how->eax, .ebx = how->ebx, .nr_copies = nr_late,
    };
    if (how->mode == X86_ENTRY_LINUX32) {
        /* A far jump straight into startup_32 with %cs = __BOOT_CS. */
        a->far64_offset = how->entry;
        a->far64_selector = TRAMP_SEL_BOOT_CS;
    }
    if (linux64) {
        a->stack = (uint32_t)(at + head + LINUX_STACK_PAGES * X86_PAGE_SIZE);
        a->cr3 = (uint32_t)(own_tables ? (uintptr_t)x86_pml4 : build_identity_map(a->stack));
        a->efer = x86_cpu.nx ? X86_EFER_NXE : 0;
        a->far64_offset = (uint32_t)(at + (size_t)(x86_trampoline_long64 - x86_trampoline));
        a->far64_selector = TRAMP_SEL_CODE64;
    }
    memcpy(a->copies, late, nr_late * sizeof(*late));
    memcpy((void *)(uintptr_t)at, x86_trampoline, code);
    pvh_fw_log(fw, "trampoline at 0x%llx (%zu bytes), %u late cop%s", (unsigned long long)at,
               size, nr_late, nr_late == 1 ? "y" : "ies");

    pvh_fw_finish(fw);
    /* The area is no-execute in pvhboot's map: make the low 4 GiB executable. */
    paging_for_handoff();
    ((void (*)(uint64_t))(uintptr_t)at)(at + args_off);
    __builtin_unreachable();
}
