/*
 * Fuzz target: the firmware's flow on the host (firmware/chainload.c,
 * firmware/firmware.c): choosing the payload among the modules
 * (pvhboot.payload=N), stripping the pvhboot.* options from the cmdline,
 * recognising the format (bzImage, Multiboot 1/2, PVH ELF;
 * pvhboot.format=), and the planning API the hand-off code uses, driven
 * here in the documented order by a stand-in for pvh_arch_boot_payload:
 * destinations and copies, relocation of the modules in the way,
 * allocations, the payload's memory map; a PVH kernel with PHYS32_RELOC
 * moved as x86 moves it. Nothing is copied or jumped to.
 *
 * The modules lie in a window of host memory mapped at a fixed address
 * (host address = guest-physical address, as on the guest); ASan poisons
 * all of it but the modules, so a read past a module is reported.
 *
 * Input: u64 self_base, u32 self_size; u8 map entries (at most 32) and
 * the entries (u64 base, u64 size, u32 type), to which the window is
 * added as RAM first; u8 modules (at most 8), each u32 offset in the
 * window, u32 size, u8 cmdline length and bytes; u16 cmdline length and
 * bytes; then pieces of module contents (u32 window offset, u16 length,
 * bytes). Like x86's paging.c, the harness claims the page tables for RAM
 * above 4 GiB (1 to 4 pages, by self_size's low bits) at the top of free
 * RAM below 4 GiB, clear of the loader's modules, flagged as pvhboot's.
 * Inputs the boot description could not hold (a module outside
 * RAM, over pvhboot or over another) are skipped, as start_info.c would
 * refuse them. Seeds: Debian's bzImage header, vmlinux and xen.elf
 * headers and notes, the bootdump payloads, as module 0.
 *
 * Checked: the cmdline passed on has no pvhboot.* word; the payload is
 * the module asked for and the others follow in order; the format found
 * is the one the bytes have; the plan keeps every promise of
 * firmware/firmware.h, with late copies on as x86 has them: pvhboot's
 * memory (its image and the flagged page tables) in use from the start;
 * destinations in RAM, out of page 0, clear of each other (pvhboot's
 * memory allowed: the copies there are late); allocations page-aligned
 * free RAM clear of everything in use, pvhboot's memory included; after
 * relocation no module and no moved payload under a destination, each
 * module meeting the rule; every move into an allocation; every copy from
 * inside the payload into a destination or allocation; every late copy
 * below 4 GiB, reading below late_src_limit; the payload's map well formed
 * with the boot's RAM.
 */
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xen/e820.h>

#include "common/boot/boot_store.h"
#include "firmware/chainload.h"
#include "tests/fuzz/fuzz.h"

#define WIN_BASE 0x10000000ull
#define WIN_SIZE (128ull << 20) /* Debian's vmlinux, 65 MB, fits */
#define MAX_MAP 32u
#define MAX_MODS 8u
#define MAX_PIECES 32u
#define FOUR_GIB (4ull << 30)
#define ONE_GIB (1ull << 30)
#define PAGE ((uint64_t)PVH_PAGE_SIZE)

static uint8_t *window;
static struct pvh_boot_store st;
static char mod_cmdlines[MAX_MODS][256];

/* ---- the plan, as an architecture would make it ------------------------------ */

static bool relocated;          /* pvh_fw_relocate_movables succeeded */
static struct pvh_place_rule mod_rule;
static bool mod_rule_set;

static int plan_elf(struct pvh_fw *fw, const struct pvh_elf *e, struct pvh_error *err)
{
    unsigned i;
    int rc = PVH_OK;

    for (i = 0; i < e->nr_loads && !rc; i++) {
        const struct pvh_elf_load *l = &e->loads[i];

        rc = pvh_fw_add_dest(fw, l->paddr, l->memsz, FOUR_GIB, "segment", err);
        if (!rc)
            rc = pvh_fw_add_copy(fw, l->paddr, l->offset, l->filesz, l->memsz, err);
    }
    return rc;
}

static int plan_linux(struct pvh_fw *fw, struct pvh_error *err)
{
    const struct pvh_bzimage *bz = &fw->bz;
    uint64_t kaddr = bz->pref_address;
    struct pvh_error why;
    int rc;

    if (pvh_fw_add_dest(fw, kaddr, bz->init_size, FOUR_GIB, "kernel", &why)) {
        if (!bz->relocatable)
            return pvh_fail(err, why.code, "%s", why.msg);
        kaddr = pvh_fw_alloc(fw, bz->init_size, bz->kernel_alignment, bz->pref_address, FOUR_GIB);
        if (!kaddr)
            return pvh_fail(err, PVH_ENOMEM, "no room for the kernel");
    }
    rc = pvh_fw_add_copy(fw, kaddr, bz->setup_size, bz->pm_size, bz->pm_size, err);
    if (rc)
        return rc;
    mod_rule = (struct pvh_place_rule){ (uint64_t)bz->initrd_addr_max + 1, PAGE };
    mod_rule_set = fw->nr_mods <= 1;
    rc = pvh_fw_relocate_movables(fw, mod_rule_set ? &mod_rule : NULL, err);
    relocated = !rc;
    if (!rc && (!pvh_fw_alloc(fw, 4096, PAGE, 0, FOUR_GIB) ||
                !pvh_fw_alloc(fw, strlen(fw->cmdline) + 1, 16, 0, FOUR_GIB)))
        rc = pvh_fail(err, PVH_ENOMEM, "no room for the zero page or cmdline");
    return rc;
}

static int plan_multiboot(struct pvh_fw *fw, struct pvh_error *err)
{
    const struct pvh_multiboot *mb = &fw->mb;
    uint64_t off, filesz, memsz;
    int rc;

    if (mb->has_address) {
        rc = pvh_multiboot_load_range(mb, fw->payload.size, &off, &filesz, &memsz, err);
        if (!rc)
            rc = pvh_fw_add_dest(fw, mb->load_addr, memsz, FOUR_GIB, "kernel", err);
        if (!rc)
            rc = pvh_fw_add_copy(fw, mb->load_addr, off, filesz, memsz, err);
    } else {
        rc = pvh_elf_parse((const uint8_t *)(uintptr_t)fw->payload.base, fw->payload.size,
                           &fw->elf, err);
        if (!rc)
            rc = plan_elf(fw, &fw->elf, err);
    }
    if (rc)
        return rc;
    mod_rule = (struct pvh_place_rule){ FOUR_GIB, mb->page_align_modules ? PAGE : 0 };
    mod_rule_set = true;
    rc = pvh_fw_relocate_movables(fw, &mod_rule, err);
    relocated = !rc;
    if (!rc && !pvh_fw_alloc(fw, 4096, 8, 0, FOUR_GIB))
        rc = pvh_fail(err, PVH_ENOMEM, "no room for the information");
    return rc;
}

/* x86's placement of a PVH kernel with PHYS32_RELOC (firmware/x86/place_pvh.c,
 * without pvhboot.place=random): moved to the lowest fit in its window when a
 * segment's link address is not free RAM. */
static int place_pvh(struct pvh_fw *fw, struct pvh_elf *e, struct pvh_error *err)
{
    uint64_t low = UINT64_MAX, high = 0, base, delta;
    bool usable = true;
    unsigned i;

    if (!e->has_reloc)
        return PVH_OK;
    FUZZ_CHECK(e->reloc_align >= PAGE && !(e->reloc_align & (e->reloc_align - 1)) &&
               e->reloc_min <= e->reloc_max, "PHYS32_RELOC accepted: align 0x%x, window 0x%x-0x%x",
               e->reloc_align, e->reloc_min, e->reloc_max);
    for (i = 0; i < e->nr_loads; i++) {
        usable = usable && pvh_fw_room_at(fw, e->loads[i].paddr, e->loads[i].memsz);
        low = e->loads[i].paddr < low ? e->loads[i].paddr : low;
        if (e->loads[i].paddr + e->loads[i].memsz > high)
            high = e->loads[i].paddr + e->loads[i].memsz;
    }
    if (usable)
        return PVH_OK;
    base = pvh_fw_find_room(fw, high - low, e->reloc_align, e->reloc_min,
                            (uint64_t)e->reloc_max + 1);
    if (!base)
        return pvh_fail(err, PVH_ENOMEM, "no room in the PHYS32_RELOC window");
    FUZZ_CHECK(base % e->reloc_align == 0 && base >= e->reloc_min &&
               base + (high - low) - 1 <= e->reloc_max && pvh_fw_room_at(fw, base, high - low),
               "find_room gave 0x%llx for 0x%llx bytes: misaligned, outside the window or taken",
               (unsigned long long)base, (unsigned long long)(high - low));
    delta = base - low;
    for (i = 0; i < e->nr_loads; i++)
        e->loads[i].paddr += delta;
    return PVH_OK;
}

static int plan_pvh(struct pvh_fw *fw, struct pvh_error *err)
{
    int rc = place_pvh(fw, &fw->elf, err);

    if (!rc)
        rc = plan_elf(fw, &fw->elf, err);

    if (rc)
        return rc;
    rc = pvh_fw_relocate_movables(fw, NULL, err);
    relocated = !rc;
    if (!rc && !pvh_fw_alloc(fw, 56 + 32 * fw->nr_mods + 24 * fw->map.nr, 8, 0, ONE_GIB))
        rc = pvh_fail(err, PVH_ENOMEM, "no room for the start info");
    return rc;
}

/* ---- what must hold ---------------------------------------------------------------- */

static bool overlap(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

static bool boot_ram(uint64_t base, uint64_t end)
{
    return end > base && pvh_memmap_covers(&st.map, base, end - base, PVH_TYPE_BIT(E820_TYPE_RAM));
}

static bool option_word_in(const char *s)
{
    const char *w = s;

    for (; *s; s++) {
        bool start = s == w || s[-1] == ' ' || s[-1] == '\t' || s[-1] == '\n' || s[-1] == '\r';

        if (start && !strncmp(s, "pvhboot.", 8))
            return true;
    }
    return false;
}

static void check_choice(const struct pvh_fw *fw)
{
    const struct pvh_boot *b = fw->boot;
    unsigned i, k, p = b->nr_modules;

    FUZZ_CHECK(fuzz_terminated(fw->cmdline, sizeof(fw->cmdline)), "cmdline not terminated");
    FUZZ_CHECK(!option_word_in(fw->cmdline), "a pvhboot.* word reaches the payload: \"%s\"",
               fw->cmdline);
    for (i = 0; i < b->nr_modules; i++)
        if (b->modules[i].base == fw->payload_original && b->modules[i].size == fw->payload.size)
            p = i;
    FUZZ_CHECK(p < b->nr_modules, "the payload is none of the modules");
    FUZZ_CHECK(fw->nr_mods == b->nr_modules - 1, "%u modules passed on of %u", fw->nr_mods,
               b->nr_modules);
    for (i = 0, k = 0; i < b->nr_modules; i++) {
        if (i == p)
            continue;
        FUZZ_CHECK(fw->mods[k].base == b->modules[i].base && fw->mods[k].size == b->modules[i].size,
                   "module %u passed on out of order", i);
        k++;
    }
}

static void check_kind(const struct pvh_fw *fw)
{
    const uint8_t *img = (const uint8_t *)(uintptr_t)fw->payload.base;

    switch (fw->kind) {
    case PVH_PAYLOAD_LINUX:
        FUZZ_CHECK(pvh_bzimage_detect(img, fw->payload.size), "linux without a bzImage header");
        break;
    case PVH_PAYLOAD_MULTIBOOT1:
    case PVH_PAYLOAD_MULTIBOOT2:
        FUZZ_CHECK(fw->mb.version == (fw->kind == PVH_PAYLOAD_MULTIBOOT1 ? 1u : 2u),
                   "multiboot version %u", fw->mb.version);
        break;
    case PVH_PAYLOAD_PVH:
        FUZZ_CHECK(fw->elf.has_pvh_entry, "pvh without a PHYS32_ENTRY note");
        break;
    default:
        FUZZ_CHECK(false, "kind %d on x86", fw->kind);
    }
}

static bool inside_busy(const struct pvh_fw *fw, uint64_t base, uint64_t end, bool dest_too)
{
    unsigned i;

    for (i = 0; i < fw->nr_busy; i++) {
        const struct pvh_busy *b = &fw->busy[i];

        if ((b->kind == PVH_BUSY_ALLOC || (dest_too && b->kind == PVH_BUSY_DEST)) &&
            base >= b->base && end <= b->end)
            return true;
    }
    return false;
}

static void check_busy(const struct pvh_fw *fw)
{
    unsigned i, j;

    for (i = 0; i < fw->nr_busy; i++) {
        const struct pvh_busy *a = &fw->busy[i];

        if (a->kind == PVH_BUSY_DEST || a->kind == PVH_BUSY_ALLOC) {
            FUZZ_CHECK(boot_ram(a->base, a->end), "range %u (kind %d) 0x%llx-0x%llx not RAM", i,
                       a->kind, (unsigned long long)a->base, (unsigned long long)a->end);
            FUZZ_CHECK(a->base >= PAGE, "range %u in page 0", i);
        }
        if (a->kind == PVH_BUSY_ALLOC)
            FUZZ_CHECK(a->base % PAGE == 0 && a->end % PAGE == 0, "allocation %u not in pages", i);
        for (j = 0; j < i; j++) {
            const struct pvh_busy *b = &fw->busy[j];

            if (!overlap(a->base, a->end, b->base, b->end))
                continue;
            /* Only movables may lie under destinations (until relocation) and
             * over each other (modules of size 0); destinations over pvhboot's
             * memory when the copies there are late; pvhboot's ranges over
             * each other (the image is also a flagged region); nothing under
             * an allocation. */
            FUZZ_CHECK(a->kind != PVH_BUSY_ALLOC && b->kind != PVH_BUSY_ALLOC,
                       "allocation overlaps range (kinds %d, %d) 0x%llx-0x%llx / 0x%llx-0x%llx",
                       a->kind, b->kind, (unsigned long long)a->base, (unsigned long long)a->end,
                       (unsigned long long)b->base, (unsigned long long)b->end);
            if ((a->kind == PVH_BUSY_FIXED && b->kind == PVH_BUSY_FIXED) ||
                (fw->late_copies && ((a->kind == PVH_BUSY_FIXED && b->kind == PVH_BUSY_DEST) ||
                                     (a->kind == PVH_BUSY_DEST && b->kind == PVH_BUSY_FIXED))))
                continue;
            FUZZ_CHECK(a->kind == PVH_BUSY_MOVABLE || b->kind == PVH_BUSY_MOVABLE,
                       "ranges %u and %u (kinds %d, %d) overlap", i, j, a->kind, b->kind);
        }
    }
}

static bool under_dest(const struct pvh_fw *fw, uint64_t base, uint64_t end)
{
    unsigned i;

    for (i = 0; i < fw->nr_busy; i++)
        if (fw->busy[i].kind == PVH_BUSY_DEST &&
            overlap(base, end, fw->busy[i].base, fw->busy[i].end))
            return true;
    return false;
}

static void check_relocated(const struct pvh_fw *fw)
{
    uint64_t p0 = fw->payload.base, p1 = p0 + fw->payload.size;
    unsigned i;

    FUZZ_CHECK(fw->payload_in_place || !under_dest(fw, p0, p1),
               "the payload 0x%llx-0x%llx still lies under a destination",
               (unsigned long long)p0, (unsigned long long)p1);
    for (i = 0; i < fw->nr_mods; i++) {
        const struct pvh_module *m = &fw->mods[i];

        FUZZ_CHECK(!under_dest(fw, m->base, m->base + m->size), "module %u under a destination", i);
        if (mod_rule_set)
            FUZZ_CHECK(m->base + m->size <= mod_rule.limit &&
                           (!mod_rule.align || m->base % mod_rule.align == 0),
                       "module %u at 0x%llx+0x%llx breaks the rule (limit 0x%llx, align 0x%llx)", i,
                       (unsigned long long)m->base, (unsigned long long)m->size,
                       (unsigned long long)mod_rule.limit, (unsigned long long)mod_rule.align);
    }
    for (i = 0; i < fw->nr_moves; i++) {
        const struct pvh_copy *c = &fw->moves[i];

        FUZZ_CHECK(inside_busy(fw, c->dst, c->dst + (c->filesz ? c->filesz : 1), false),
                   "move %u to 0x%llx is not into an allocation", i, (unsigned long long)c->dst);
    }
    for (i = 0; i < fw->nr_copies; i++) {
        const struct pvh_copy *c = &fw->copies[i];

        FUZZ_CHECK(c->filesz <= c->memsz, "copy %u: filesz > memsz", i);
        FUZZ_CHECK(c->src >= p0 && c->src <= p1 && c->filesz <= p1 - c->src,
                   "copy %u reads 0x%llx+0x%llx outside the payload 0x%llx-0x%llx", i,
                   (unsigned long long)c->src, (unsigned long long)c->filesz,
                   (unsigned long long)p0, (unsigned long long)p1);
        FUZZ_CHECK(!c->memsz || inside_busy(fw, c->dst, c->dst + c->memsz, true),
                   "copy %u writes 0x%llx+0x%llx outside every destination", i,
                   (unsigned long long)c->dst, (unsigned long long)c->memsz);
        if (pvh_fw_copy_is_late(fw, c))
            FUZZ_CHECK(c->dst + c->memsz <= FOUR_GIB && c->src + c->filesz <= fw->late_src_limit,
                       "late copy %u 0x%llx+0x%llx from 0x%llx: beyond what the trampoline sees",
                       i, (unsigned long long)c->dst, (unsigned long long)c->memsz,
                       (unsigned long long)c->src);
    }
}

static void check_payload_map(const struct pvh_fw *fw)
{
    static struct pvh_region map[PVH_MEMMAP_MAX];
    unsigned n = pvh_fw_payload_map(fw, map, PVH_MEMMAP_MAX), i;
    uint64_t ram = 0;

    fuzz_check_memmap(map, n, "payload map");
    for (i = 0; i < n; i++) {
        FUZZ_CHECK(!map[i].flags, "payload map region %u flagged", i);
        if (map[i].type == E820_TYPE_RAM)
            ram += map[i].size;
    }
    FUZZ_CHECK(ram == pvh_memmap_ram_total(&st.map), "payload map RAM 0x%llx, the boot's 0x%llx",
               (unsigned long long)ram, (unsigned long long)pvh_memmap_ram_total(&st.map));
}

/* Every region the boot flagged as pvhboot's is in use from the start. */
static void check_pvhboot_memory(const struct pvh_fw *fw)
{
    unsigned i, j;

    for (i = 0; i < st.map.nr; i++) {
        const struct pvh_region *r = &st.map.regions[i];
        bool held = false;

        if (!(r->flags & PVH_REGION_PVHBOOT))
            continue;
        for (j = 0; j < fw->nr_busy; j++)
            held |= fw->busy[j].kind == PVH_BUSY_FIXED && fw->busy[j].base <= r->base &&
                    r->base + r->size <= fw->busy[j].end;
        FUZZ_CHECK(held, "pvhboot's region 0x%llx+0x%llx is not in use",
                   (unsigned long long)r->base, (unsigned long long)r->size);
    }
}

/* The hand-off, on the host: plan, check, go no further. */
int pvh_arch_boot_payload(struct pvh_fw *fw, struct pvh_error *err)
{
    int rc;

    check_choice(fw);
    check_kind(fw);
    check_pvhboot_memory(fw);
    fw->late_copies = true; /* as x86's hand-off sets them */
    fw->late_src_limit = FOUR_GIB;
    relocated = mod_rule_set = false;
    switch (fw->kind) {
    case PVH_PAYLOAD_LINUX: rc = plan_linux(fw, err); break;
    case PVH_PAYLOAD_PVH: rc = plan_pvh(fw, err); break;
    default: rc = plan_multiboot(fw, err); break;
    }
    check_busy(fw);
    if (relocated)
        check_relocated(fw);
    check_payload_map(fw);
    if (getenv("FUZZ_DEBUG")) /* for making seeds: how far a plan got */
        fprintf(stderr, "plan: kind %d, %u modules, %u busy, %u moves, %u copies: %s\n", fw->kind,
                fw->nr_mods, fw->nr_busy, fw->nr_moves, fw->nr_copies, rc ? err->msg : "ok");
    return rc ? rc : pvh_fail(err, PVH_ENOENT, "no hand-off on the host");
}

/* ---- the boot description ------------------------------------------------------------ */

static void window_init(void)
{
    window = mmap((void *)(uintptr_t)WIN_BASE, WIN_SIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (window != (uint8_t *)(uintptr_t)WIN_BASE) {
        perror("fuzz_firmware: the module window at 0x10000000");
        abort();
    }
    ASAN_POISON_MEMORY_REGION(window, WIN_SIZE);
}

/* Would start_info.c have taken these modules? (check_module's rules) */
static bool modules_acceptable(void)
{
    unsigned i, j;

    for (i = 0; i < st.boot.nr_modules; i++) {
        const struct pvh_module *m = &st.modules[i];

        if (!pvh_memmap_covers(&st.map, m->base, m->size, PVH_TYPE_BIT(E820_TYPE_RAM)) ||
            overlap(m->base, m->base + m->size, st.self_base, st.self_end))
            return false;
        for (j = 0; j < i; j++)
            if (m->size && st.modules[j].size &&
                overlap(m->base, m->base + m->size, st.modules[j].base,
                        st.modules[j].base + st.modules[j].size))
                return false;
    }
    return true;
}

static unsigned take_string(struct fuzz_in *in, size_t len, char *dst, size_t room)
{
    size_t got;
    const uint8_t *p = fuzz_bytes(in, len < room ? len : room - 1, &got);

    memcpy(dst, p, got);
    dst[got] = '\0';
    return (unsigned)got;
}

/* What x86's paging.c does before the firmware runs: page tables for RAM
 * above 4 GiB from the top of free RAM below it, clear of the loader's
 * modules (not of the packed ones, which it does not know). */
static void claim_high_tables(unsigned pages)
{
    struct pvh_range avoid[MAX_MODS];
    unsigned i;

    for (i = 0; i < st.boot.nr_modules; i++)
        avoid[i] = (struct pvh_range){ st.modules[i].base, st.modules[i].base + st.modules[i].size };
    (void)pvh_memmap_alloc(&st.map, pages * PAGE, PAGE, FOUR_GIB, avoid, st.boot.nr_modules,
                           PVH_REGION_PVHBOOT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint64_t self_base = fuzz_u64(&in), self_size = fuzz_u32(&in);
    unsigned n_map = fuzz_u8(&in) % (MAX_MAP + 1), n_mods, i;
    struct { uint8_t *at; size_t len; } pieces[MAX_PIECES];
    unsigned nr_pieces = 0;
    struct pvh_error err;
    int rc;

    if (!window)
        window_init();
    if (!self_size || self_base + self_size < self_base)
        return 0;
    memset(&st, 0xa5, sizeof(st));
    pvh_boot_store_init(&st, self_base, self_base + self_size);
    st.raw[st.nr_raw++] = (struct pvh_region){ WIN_BASE, WIN_SIZE, E820_TYPE_RAM, 0 };
    for (i = 0; i < n_map; i++) {
        uint64_t base = fuzz_u64(&in), len = fuzz_u64(&in);

        st.raw[st.nr_raw++] = (struct pvh_region){ base, len, fuzz_u32(&in), 0 };
    }
    if (pvh_boot_set_memmap(&st, &err))
        return 0;
    n_mods = fuzz_u8(&in) % (MAX_MODS + 1);
    for (i = 0; i < n_mods; i++) {
        uint64_t off = fuzz_u32(&in) % WIN_SIZE, len = fuzz_u32(&in);

        if (len > WIN_SIZE - off)
            len = WIN_SIZE - off;
        take_string(&in, fuzz_u8(&in), mod_cmdlines[i], sizeof(mod_cmdlines[i]));
        st.modules[i] = (struct pvh_module){ .base = WIN_BASE + off, .size = len,
                                            .cmdline = mod_cmdlines[i] };
    }
    st.boot.nr_modules = n_mods;
    take_string(&in, fuzz_u16(&in), st.cmdline, sizeof(st.cmdline));
    claim_high_tables(1 + (unsigned)(self_size & 3));
    pvh_boot_finish(&st);
    if (!modules_acceptable())
        return 0;

    /* The modules' bytes: readable, zero but for the pieces. */
    for (i = 0; i < n_mods; i++)
        ASAN_UNPOISON_MEMORY_REGION((void *)(uintptr_t)st.modules[i].base, st.modules[i].size);
    while (in.left >= 6 && nr_pieces < MAX_PIECES) {
        uint64_t off = fuzz_u32(&in) % WIN_SIZE;
        size_t want = fuzz_u16(&in), got;
        const uint8_t *p = fuzz_bytes(&in, want, &got);

        for (i = 0; i < n_mods; i++) {
            uint64_t m0 = st.modules[i].base - WIN_BASE, m1 = m0 + st.modules[i].size;
            uint64_t a = off > m0 ? off : m0, b = off + got < m1 ? off + got : m1;

            if (a < b && nr_pieces < MAX_PIECES) {
                memcpy(window + a, p + (a - off), (size_t)(b - a));
                pieces[nr_pieces].at = window + a;
                pieces[nr_pieces++].len = (size_t)(b - a);
            }
        }
    }

    rc = pvh_firmware_boot(&st.boot, &err);
    if (getenv("FUZZ_DEBUG"))
        fprintf(stderr, "firmware: %s\n", err.msg);
    FUZZ_CHECK(rc < 0 && rc >= PVH_ENOENT && err.code == rc, "rc %d", rc);
    FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");

    for (i = 0; i < nr_pieces; i++)
        memset(pieces[i].at, 0, pieces[i].len);
    for (i = 0; i < n_mods; i++)
        ASAN_POISON_MEMORY_REGION((void *)(uintptr_t)st.modules[i].base, st.modules[i].size);
    return 0;
}
