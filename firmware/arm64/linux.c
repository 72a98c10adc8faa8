/*
 * Handing over to a Linux arm64 Image, as the arm64 boot protocol
 * (Linux Documentation/arm64/booting) asks:
 *   - the header checked: magic, little-endian, a non-zero image_size
 *     covering the file;
 *   - the image copied to a 2 MiB-aligned base + text_offset: anywhere
 *     in RAM when flags bit 3 says so, else the lowest 2 MiB boundary of
 *     RAM; clear of every module, of the trees and of pvhboot itself;
 *     with an initrd, the kernel and the initrd inside one 1 GiB-aligned
 *     window of at most 32 GiB (Linux ignores an initrd outside it);
 *   - a device tree whose /chosen has the cmdline and initrd pvhboot
 *     decided on, 8-byte aligned, in RAM;
 *   - what the kernel reads cleaned to the point of coherency, then MMU
 *     and data cache off, entered with x0 = tree, x1-x3 = 0.
 */
#include <pvhboot/console.h>
#include <xen/e820.h>

#include "common/lib/bytes.h"
#include "common/lib/compiler.h"
#include "common/fdt/fdt.h"
#include "common/lib/string.h"
#include "firmware/arm64/linux.h"

/* booting.rst: the initrd within a 1 GiB-aligned window of up to 32 GiB
 * that covers the kernel Image as well. */
#define WINDOW_ALIGN (1ull << 30)
#define WINDOW_SIZE  (32ull << 30)

/* Room the new /chosen may add to the tree besides the cmdline:
 * property headers, the initrd values, their names. */
#define CHOSEN_SLACK 512u

/* The kernel's and the tree's allocations (each in 2 MiB blocks) that
 * found no room: one pattern. */
#define NO_RAM "no 2 MiB-aligned free RAM for the %s: 0x%llx bytes%s"

static struct pvh_range avoid[PVH_MODULES_MAX + 2] PVH_NOINIT; /* written before it is read */

static uint64_t page_up(uint64_t v)
{
    return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

_Static_assert(IMAGE_MAGIC_OFFSET % 8 == 0 && IMAGE_TEXT_OFFSET_OFF % 8 == 0 &&
               IMAGE_SIZE_OFF % 8 == 0 && IMAGE_FLAGS_OFF % 8 == 0, "header words");

int arm64_linux_header(const struct pvh_module *m, struct arm64_linux *k, struct pvh_error *err)
{
    /* The header in aligned words: a module may lie at any byte, and
     * with the MMU off each unaligned load would be eight byte loads. */
    uint64_t h[IMAGE_HEADER_SIZE / 8];
    uint32_t magic;

    if (m->size < IMAGE_HEADER_SIZE)
        return pvh_fail(err, PVH_EINVAL, "kernel: %llu bytes, smaller than an Image header",
                        (unsigned long long)m->size);
    memcpy(h, (const void *)(uintptr_t)m->base, sizeof(h));
    magic = (uint32_t)h[IMAGE_MAGIC_OFFSET / 8]; /* the low half: little endian */
    if (magic != IMAGE_MAGIC)
        return pvh_fail(err, PVH_EINVAL, "kernel: not an arm64 Image: magic 0x%x, expected 0x%x",
                        magic, (unsigned)IMAGE_MAGIC);
    k->text_offset = h[IMAGE_TEXT_OFFSET_OFF / 8];
    k->image_size = h[IMAGE_SIZE_OFF / 8];
    k->flags = h[IMAGE_FLAGS_OFF / 8];
    k->file_size = m->size;
    k->src = m->base;
    k->appended = k->appended_size = 0;
    k->in_place = false;
    if (k->flags & IMAGE_FLAG_BE)
        return pvh_fail(err, PVH_EINVAL, "kernel: big-endian Image: flags 0x%llx",
                        (unsigned long long)k->flags);
    if (!k->image_size)
        return pvh_fail(err, PVH_EINVAL, "kernel: image_size 0 (kernels before Linux 3.17 are not supported)");
    if (k->image_size > (1ull << 40))
        return pvh_fail(err, PVH_E2BIG, "kernel: image_size 0x%llx", (unsigned long long)k->image_size);
    /* An Image file is never longer than image_size: bytes of the module
     * from image_size (rounded up to a page) on are the kernel's initrd,
     * appended (a dom0less domU gets only one module). */
    if (k->file_size > page_up(k->image_size)) {
        k->appended = m->base + page_up(k->image_size);
        k->appended_size = m->size - page_up(k->image_size);
        k->file_size = page_up(k->image_size);
    }
    if (k->text_offset >= IMAGE_ALIGN || k->text_offset % 8)
        return pvh_fail(err, PVH_EINVAL, "kernel: text_offset 0x%llx", (unsigned long long)k->text_offset);
    return PVH_OK;
}

static unsigned avoid_modules(const struct pvh_boot_store *st, uint64_t extra_base, uint64_t extra_end)
{
    unsigned i, n = 0;

    for (i = 0; i < st->boot.nr_modules; i++)
        avoid[n++] = (struct pvh_range){ st->modules[i].base,
                                         st->modules[i].base + st->modules[i].size };
    if (extra_end > extra_base)
        avoid[n++] = (struct pvh_range){ extra_base, extra_end };
    return n;
}

bool arm64_linux_fits_in_place(struct arm64_linux *k, uint64_t own_start, uint64_t own_end,
                               const struct pvh_module *initrd)
{
    uint64_t base = k->src - k->text_offset, span = page_up(k->text_offset + k->image_size);

    k->in_place = (k->flags & IMAGE_FLAG_ANYWHERE) && k->src >= k->text_offset &&
                  !(base % IMAGE_ALIGN) && base >= own_start && base <= own_end &&
                  span <= own_end - base &&
                  (!initrd || initrd->base >= base + span || base >= initrd->base + initrd->size);
    return k->in_place;
}

/* Whether [a, a_end) and [b, b_end) fit one window (WINDOW_ALIGN-aligned
 * start, WINDOW_SIZE long). */
static bool one_window(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    uint64_t lo = (a < b ? a : b) & ~(WINDOW_ALIGN - 1);
    uint64_t hi = a_end > b_end ? a_end : b_end;

    return hi - lo <= WINDOW_SIZE;
}

/* The highest address the kernel may end at with this initrd: the end
 * of the window that starts where the initrd's does. */
static uint64_t window_limit(const struct pvh_module *initrd)
{
    uint64_t lo = initrd->base & ~(WINDOW_ALIGN - 1);

    return lo > ~0ull - WINDOW_SIZE ? ~0ull : lo + WINDOW_SIZE;
}

/* Where the 2 MiB-aligned base goes; the span is claimed in the map. */
static int place(struct pvh_boot_store *st, struct arm64_linux *k, const struct pvh_module *initrd,
                 struct pvh_error *err)
{
    uint64_t span = page_up(k->text_offset + k->image_size);
    unsigned n = avoid_modules(st, 0, 0), i;
    uint64_t base = 0;

    if (k->in_place) {
        base = k->src - k->text_offset; /* memory of ours already: nothing to claim */
    } else if (k->flags & IMAGE_FLAG_ANYWHERE) {
        /* As high as the initrd's window allows: on a large guest the top
         * of RAM may be more than 32 GiB above a loader's initrd. */
        base = pvh_memmap_alloc(&st->map, span, IMAGE_ALIGN, initrd ? window_limit(initrd) : ~0ull,
                                avoid, n, 0);
        if (!base)
            return pvh_fail(err, PVH_ENOMEM, NO_RAM, "kernel", (unsigned long long)span,
                            initrd ? " near the initrd" : "");
    } else {
        /* The old rule: as low in RAM as a 2 MiB boundary allows. */
        for (i = 0; i < st->map.nr && !base; i++)
            if (st->map.regions[i].type == E820_TYPE_RAM)
                base = (st->map.regions[i].base + IMAGE_ALIGN - 1) & ~(IMAGE_ALIGN - 1);
        for (i = 0; i < n; i++)
            if (avoid[i].base < base + span && base < avoid[i].end)
                return pvh_fail(err, PVH_EOVERLAP,
                                "kernel at 0x%llx (not relocatable) overlaps module %u at 0x%llx",
                                (unsigned long long)base, i, (unsigned long long)avoid[i].base);
        if (pvh_memmap_claim(&st->map, base, span, 0, err))
            return pvh_fail(err, PVH_EOVERLAP, "kernel at 0x%llx-0x%llx (not relocatable): %s",
                            (unsigned long long)base, (unsigned long long)(base + span - 1),
                            err->msg);
    }
    if (initrd && !one_window(base, base + span, initrd->base, initrd->base + initrd->size))
        return pvh_fail(err, PVH_ERANGE,
                        "kernel at 0x%llx-0x%llx and initrd at 0x%llx-0x%llx: not inside one "
                        "1 GiB-aligned 32 GiB window", (unsigned long long)base,
                        (unsigned long long)(base + span - 1), (unsigned long long)initrd->base,
                        (unsigned long long)(initrd->base + initrd->size - 1));
    k->base = base;
    k->entry = base + k->text_offset;
    return PVH_OK;
}

/* A tree for the kernel: the boot's, with the new /chosen. */
static int make_tree(struct pvh_boot_store *st, struct arm64_linux *k, const char *cmdline,
                     const struct pvh_module *initrd, struct pvh_error *err)
{
    const uint8_t *src = (const uint8_t *)(uintptr_t)st->boot.fdt;
    struct pvh_fdt fdt;
    struct pvh_fdt_chosen chosen = { .bootargs = cmdline };
    uint64_t size;
    uint32_t total;
    unsigned n;
    int rc;

    rc = pvh_fdt_open(&fdt, src, pvh_be32(src + 4), err);
    if (rc)
        return rc;
    if (initrd) {
        chosen.initrd_start = initrd->base;
        chosen.initrd_end = initrd->base + initrd->size;
    }
    size = page_up((uint64_t)fdt.totalsize + strlen(cmdline) + CHOSEN_SLACK);
    n = avoid_modules(st, k->base, k->base + page_up(k->text_offset + k->image_size));
    /* Linux maps the tree with 2 MiB blocks before it knows where RAM
     * is, so the block(s) around it must be RAM too: a small tree in the
     * last page below a 1 GiB boundary made 6.1's early page tables fault
     * ("unknown instruction" inside the kernel). A block of its own. */
    k->dtb = pvh_memmap_alloc(&st->map, (size + IMAGE_ALIGN - 1) & ~(IMAGE_ALIGN - 1), IMAGE_ALIGN,
                              ~0ull, avoid, n, 0);
    if (!k->dtb)
        return pvh_fail(err, PVH_ENOMEM, NO_RAM, "kernel's device tree",
                        (unsigned long long)size, "");
    rc = pvh_fdt_rewrite_chosen(&fdt, &chosen, (void *)(uintptr_t)k->dtb, (size_t)size, &total, err);
    k->dtb_size = total;
    return rc;
}

/* The copy: 8 bytes at a time where both ends allow (a 30 MiB kernel
 * byte by byte is slow under emulation). */
static void copy_image(uint64_t dst, uint64_t src, uint64_t len)
{
    if (!(dst % 8) && !(src % 8)) {
        uint64_t *d = (uint64_t *)(uintptr_t)dst;
        const uint64_t *s = (const uint64_t *)(uintptr_t)src;
        uint64_t i;

        for (i = 0; i < len / 8; i++)
            d[i] = s[i];
        dst += len & ~7ull;
        src += len & ~7ull;
        len &= 7;
    }
    memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, (size_t)len);
}

int arm64_linux_prepare(struct pvh_boot_store *st, struct arm64_linux *k, const char *cmdline,
                        const struct pvh_module *initrd, struct pvh_error *err)
{
    int rc = place(st, k, initrd, err);

    if (!rc)
        rc = make_tree(st, k, cmdline, initrd, err);
    if (rc)
        return rc;
    if (!k->in_place)
        copy_image(k->entry, k->src, k->file_size);
    return PVH_OK;
}

void arm64_linux_enter(const struct pvh_boot_store *st, const struct arm64_linux *k)
{
    pvh_console_flush();
    /* Everything the kernel reads, and every line of ours outside the
     * image, clean to memory and out of the caches. */
    arm64_dcache_clean_inval(k->entry, k->entry + k->file_size);
    arm64_dcache_clean_inval(k->dtb, k->dtb + k->dtb_size);
    arm64_dcache_clean_inval(st->boot.fdt, st->boot.fdt + pvh_be32((const uint8_t *)(uintptr_t)st->boot.fdt + 4));
    /* Our own writable memory ends at __image_end: what pvhboot-pack put
     * behind it (st->self_end) was only read. */
    arm64_enter_image(k->entry, k->dtb, st->self_base, (uintptr_t)__image_end,
                      arm64_entry_el == CURRENTEL_EL2);
}
