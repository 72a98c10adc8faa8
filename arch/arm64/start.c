/*
 * The first C code: from head.S (EL1, the early map on (mmu.c): the
 * image, and the device tree as Device memory; stack and vectors ready)
 * to the unikernel's pvh_main(). The order is forced by what each step
 * needs:
 *   1. the device tree's header, then one walk of the tree that reads
 *      what the steps below use of it (UART, PSCI, /hypervisor, memory
 *      nodes, /cpus) and where /chosen is;
 *   2. the console (its UART added to the early map), so every later
 *      failure is reported;
 *   3. the memory nodes, normalised, with pvhboot's own memory claimed;
 *   4. the identity map from them (no-map ranges left out, the tree
 *      kept), in place of the early map;
 *   5. Xen (hypercall arguments must be cacheable: in the final map);
 *   6. /chosen: cmdline, initrd and modules, checked against the map;
 *   7. /cpus: the CPUs pvhboot can start (none is started here);
 *   8. the device tree copied into memory pvhboot owns.
 */
#include <pvhboot/boot.h>
#include <pvhboot/console.h>
#include <pvhboot/power.h>
#include <xen/e820.h>

#include "arch/arm64/arch.h"
#include "common/boot/timing.h"
#include "common/boot/boot_store.h"
#include "common/boot/compression.h"
#include "common/lib/compiler.h"
#include "common/lib/bytes.h"
#include "common/cpu/cpu_arch.h"
#include "common/fdt/fdt.h"
#include "common/fdt/fdt_boot.h"
#include "common/fdt/fdt_cpus.h"
#include "common/lib/string.h"

/*
 * The optional parts (include/pvhboot/parts.h): linked only when the
 * program names them, or names no list and gets them all. Hence a weak
 * reference, called only when pvh_xen_linked says the part is there
 * (boot_store.h); the CPU list is read in fdt_boot.c's walk.
 */
extern int arm64_xen_setup(struct pvh_boot_store *st, struct pvh_error *err) __attribute__((weak));

/* Written before it is read, so not zeroed at entry (see boot_store.h). */
static struct pvh_boot_store store __attribute__((section(".noinit.store")));
static struct pvh_fdt fdt;
static struct pvh_fdt_scan scan PVH_NOINIT;
static struct pvh_range avoid[PVH_MODULES_MAX + 1] PVH_NOINIT;
static struct pvh_fdt_cpus cpus PVH_NOINIT;
unsigned arm64_entry_el = CURRENTEL_EL1;

/* smp.c, in programs that start CPUs (weak: the firmware links none of
 * it, and calls vectors.S's default, which does nothing). */
extern void arm64_smp_boot_cpu_init(uint64_t hwid) __attribute__((weak));

static void check(int rc, const struct pvh_error *err)
{
    if (rc)
        pvh_panic("%s", err->msg);
}

static bool overlaps_self(uint64_t base, uint64_t size)
{
    return base < store.self_end && store.self_base < base + size;
}

/* [pa, pa + size) of the tree must not wrap nor overlap pvhboot. */
static void check_tree_place(uint64_t pa, uint64_t size)
{
    if (pa + size < pa || overlaps_self(pa, size))
        pvh_panic("device tree at 0x%llx-0x%llx: overlaps pvhboot 0x%llx-0x%llx",
                  (unsigned long long)pa, (unsigned long long)(pa + size - 1),
                  (unsigned long long)store.self_base, (unsigned long long)store.self_end - 1);
}

/* Step 1: nothing about the blob is known yet, not even that the
 * address is memory; its header is read only if it is not our own. */
static void open_device_tree(uint64_t pa)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)pa;
    struct pvh_error err;
    uint32_t total;

    if (!pa)
        pvh_panic("device tree: address 0");
    check_tree_place(pa, FDT_HEADER_SIZE);
    total = pvh_be32(p + 4);
    if (total > ARM64_FDT_SIZE_MAX)
        pvh_panic("device tree totalsize: 0x%x, at most 0x%x", total, ARM64_FDT_SIZE_MAX);
    check_tree_place(pa, total);
    check(pvh_fdt_open(&fdt, p, total < FDT_HEADER_SIZE ? FDT_HEADER_SIZE : total, &err), &err);
}

static void detect_hypervisor(struct pvh_hypervisor *hv)
{
    /* dom0 has /hypervisor; a dom0less domU only answers the SMCCC
     * hypervisor UID call. Bare QEMU and hardware answer neither. */
    if (scan.platform.xen_node || arm64_xen_smccc_uid()) {
        hv->kind = PVH_HV_XEN;
        hv->name = "xen";
        hv->xen_hypercall = "hvc";
    }
}

/* The tree itself must lie in RAM the memory nodes describe. */
static void check_tree_in_ram(uint64_t pa)
{
    unsigned i;

    for (i = 0; i < store.nr_raw; i++) {
        const struct pvh_region *r = &store.raw[i];

        if (r->type == E820_TYPE_RAM && pa >= r->base && pa - r->base < r->size &&
            fdt.totalsize <= r->size - (pa - r->base))
            return;
    }
    pvh_panic("device tree at 0x%llx size 0x%x: not in RAM", (unsigned long long)pa,
              fdt.totalsize);
}

/* The tree's bytes, 64 a step where both ends are 8-byte aligned (the
 * library's memcpy goes 8 at a time at most). */
static void copy_bytes(uint8_t *dst, const uint8_t *src, uint32_t len)
{
    typedef uint64_t __attribute__((may_alias)) word;

    if (!(((uintptr_t)dst | (uintptr_t)src) % 8)) {
        for (; len >= 64; len -= 64, dst += 64, src += 64) {
            word *d = (word *)(void *)dst;
            const word *s = (const word *)(const void *)src;

            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
            d[3] = s[3];
            d[4] = s[4];
            d[5] = s[5];
            d[6] = s[6];
            d[7] = s[7];
        }
    }
    memcpy(dst, src, len);
}

/* Step 7: the boot description must not point into the loader's data.
 * The copy holds the bytes the tree uses, without the loader's free
 * space, and says so in its totalsize. */
static void copy_device_tree(uint64_t pa)
{
    uint32_t used = pvh_fdt_used_size(&fdt);
    uint64_t size = (used + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    unsigned i, n = 0;
    uint64_t copy;

    for (i = 0; i < store.boot.nr_modules; i++)
        avoid[n++] = (struct pvh_range){ store.modules[i].base,
                                         store.modules[i].base + store.modules[i].size };
    avoid[n++] = (struct pvh_range){ pa, pa + fdt.totalsize };
    copy = pvh_memmap_alloc(&store.map, size, PAGE_SIZE, ~0ull, avoid, n, PVH_REGION_PVHBOOT);
    if (!copy)
        pvh_panic("no free RAM for a copy of the device tree: 0x%llx bytes",
                  (unsigned long long)size);
    copy_bytes((uint8_t *)(uintptr_t)copy, fdt.blob, used);
    /* totalsize: an aligned word of the page-aligned copy, one store */
    ((uint32_t *)(uintptr_t)copy)[1] = __builtin_bswap32(used);
    store.boot.fdt = copy;
}

/* Each module's compression, from its first bytes: the modules lie in
 * RAM (checked against the map), which the MMU maps 1:1 by now. */
static void name_compressions(void)
{
    for (unsigned i = 0; i < store.boot.nr_modules; i++) {
        struct pvh_module *m = &store.modules[i];
        size_t n = m->size < PVH_COMPRESSION_MAGIC_MAX ? (size_t)m->size
                                                       : PVH_COMPRESSION_MAGIC_MAX;

        m->compression = pvh_compression_of((const uint8_t *)(uintptr_t)m->base, n);
    }
}

/* Step 7 (fdt_cpus.c, in the CPU list part): the CPUs into the store;
 * PSCI's CPU_ON only for a list that can be used. */
#pragma weak pvh_fdt_cpus_store
static void read_cpus(void)
{
    if (pvh_cpu_list_linked && pvh_fdt_cpus_store(&cpus, scan.cpus_rc, &scan.cpus_err, &store))
        arm64_psci_set_cpu_on(cpus.psci_cpu_on);
}

/* The end of what the loader kept for us: the header's image_size from
 * our first byte. Unpacked, that is the link's __image_end; pvhboot-pack
 * raises it to cover the kernel and initrd it appends behind. */
static uint64_t loaded_image_end(void)
{
    /* Our own header, 8-byte aligned and little-endian: one load. */
    const uint64_t *header = __builtin_assume_aligned(__image_start, 8);
    uint64_t base = (uintptr_t)__image_start, own = (uintptr_t)__image_end - base;
    uint64_t size = header[IMAGE_SIZE_OFF / 8];

    _Static_assert(IMAGE_SIZE_OFF % 8 == 0, "image_size is an aligned word");
    if (size <= own)
        return base + own;
    if (base + size < base)
        pvh_panic("image_size 0x%llx at 0x%llx: wraps past 2^64", (unsigned long long)size,
                  (unsigned long long)base);
    return base + size;
}

void arm64_start(uint64_t dtb_pa, uint64_t entry_el, uint64_t entry_ticks)
{
    struct pvh_error err;
    uint64_t hwid = arm64_mpidr_hwid();

    pvh_mark_at(PVH_MARK_ENTRY, entry_ticks);
    pvh_mark(PVH_MARK_C);
    arm64_entry_el = (unsigned)entry_el;
    arm64_smp_boot_cpu_init(hwid);
    pvh_boot_store_init(&store, (uintptr_t)__image_start, loaded_image_end());
    store.boot.loader = PVH_LOADER_FDT;

    open_device_tree(dtb_pa);
    store.boot.loader_version = fdt.version;
    /* The one walk of the tree: what steps 1, 3 and 7 read (/cpus only
     * where the program uses the list). */
    store.cpus[0].hwid = hwid;
    check(pvh_fdt_scan(&fdt, &store, store.cpus[0].hwid, pvh_cpu_list_linked ? &cpus : NULL, &scan,
                       &err), &err);
    arm64_psci_init(scan.platform.psci);
    if (scan.platform.uart != PVH_UART_NONE)
        arm64_mmu_early_device(scan.platform.uart_base, PAGE_SIZE);
    arm64_uart_init(scan.platform.uart, scan.platform.uart_base);
    detect_hypervisor(&store.boot.hv);
    pvh_mark(PVH_MARK_HYPERVISOR);
    if (entry_el == CURRENTEL_EL2)
        pvh_info("entered at EL2: running at EL1");

    check(pvh_fdt_scan_memory(&fdt, &scan, &store, &err), &err);
    check(pvh_boot_set_memmap(&store, &err), &err);
    pvh_mark(PVH_MARK_BOOT);
    check_tree_in_ram(dtb_pa);
    check(arm64_mmu_init(store.raw, store.nr_raw, dtb_pa, dtb_pa + fdt.totalsize, &err), &err);
    pvh_mark(PVH_MARK_PAGING);
    if (store.boot.hv.kind == PVH_HV_XEN && pvh_xen_linked)
        check(arm64_xen_setup(&store, &err), &err);
    else if (store.boot.hv.kind == PVH_HV_XEN)
        pvh_info("note: no Xen support linked");
    pvh_mark(PVH_MARK_XEN);

    check(pvh_fdt_scan_chosen(&fdt, &scan, &store, dtb_pa, &err), &err);
    name_compressions();
    read_cpus();
    copy_device_tree(dtb_pa);
    if (pvh_boot_mark_modules(&store, &err))
        pvh_info("warning: %s", err.msg);
    pvh_boot_finish(&store);

    if (!pvh_timing_at_handoff)
        pvh_timing_report(store.cmdline);
    pvh_main(&store.boot);
    pvh_poweroff();
}

struct pvh_boot_store *arm64_boot_store(void)
{
    return &store;
}
