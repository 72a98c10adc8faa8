/*
 * The first C code: from entry.asm's long mode to the unikernel's
 * pvh_main(). Order matters: .bss and the image's page tables first
 * (neither can fail), then the IDT and right after it the consoles, so
 * any later failure is reported; the loader's data is copied
 * before anything could overwrite it; under Xen, hypercalls are ready
 * before the memory map is needed (PVH dom0 gets it only from Xen).
 */
#include <pvhboot/boot.h>
#include <pvhboot/console.h>
#include <pvhboot/power.h>

#include "arch/x86/arch.h"
#include "common/acpi/acpi.h"
#include "common/boot/boot_store.h"
#include "common/boot/options.h"
#include "common/boot/timing.h"

#ifndef PVH_XEN_HYPERCALL_PAGE
#define PVH_XEN_HYPERCALL_PAGE 0 /* the build's default: direct VMCALL/VMMCALL */
#endif

/*
 * The optional parts (include/pvhboot/parts.h): linked only when the
 * program names them, or names no list and gets them all. Hence weak
 * references: each is NULL when its part is not in the image.
 */
extern int x86_xen_hypercall_init(struct pvh_hypervisor *hv, bool use_page, struct pvh_error *err)
    __attribute__((weak));
extern int x86_xen_memory_map(struct pvh_boot_store *st, struct pvh_error *err)
    __attribute__((weak));
extern int x86_xen_setup(struct pvh_boot_store *st, struct pvh_error *err) __attribute__((weak));
extern void x86_xen_open_pv_console(void) __attribute__((weak));
extern void x86_cpus_find(struct pvh_boot_store *st) __attribute__((weak));

/* Written before it is read, so not zeroed at entry (see boot_store.h). */
static struct pvh_boot_store store __attribute__((section(".noinit.store")));

static bool under_xen(void)
{
    return store.boot.hv.kind == PVH_HV_XEN;
}

/* Under Xen with Xen support linked: hypercalls, Xen's memory map, its
 * feature check and consoles. Without it the boot goes on as on any
 * other PVH loader (the start info's memory map, the 0xe9 console). */
static bool with_xen(void)
{
    return under_xen() && x86_xen_hypercall_init;
}

/* The memory map: the start info's, or Xen's when the start info has
 * none (version 0, or 0 entries) or the cmdline asks for it
 * (pvhboot.xen_memmap). */
static int read_memmap(struct pvh_error *err)
{
    return pvh_start_info_find_memmap(&store, &x86_phys, with_xen() ? x86_xen_memory_map : NULL,
                                      store.boot.hv.name, err);
}

/* Take the memory map read and check the rest of the start info against it. */
static int use_memmap(struct pvh_error *err)
{
    int rc = pvh_boot_set_memmap(&store, err);

    return rc ? rc : pvh_start_info_read_rest(&store, &x86_phys, err);
}

static void load_boot_description(uint32_t start_info_pa)
{
    struct pvh_error err;
    int rc;

    rc = pvh_start_info_read_header(&store, &x86_phys, start_info_pa, &err);
    if (!rc)
        rc = read_memmap(&err);
    if (!rc)
        rc = use_memmap(&err);
    /* Asked to prefer Xen's map: fetch it and check everything again. */
    if (!rc && with_xen() && store.si.version && pvh_option_is(store.cmdline, "xen_memmap", "xen")) {
        rc = x86_xen_memory_map(&store, &err);
        if (!rc)
            rc = use_memmap(&err);
    }
    if (rc)
        pvh_panic("%s", err.msg);
}

/*
 * A loader that passes no RSDP (Firecracker) leaves it where a PC BIOS
 * would: look there, as Linux does, while page 0 (the BIOS data area's
 * pointer to the EBDA) can still be read. Not under Xen: Xen gives every
 * PVH guest that has ACPI tables their RSDP in the start info, and a Xen
 * guest's low memory is plain RAM with no BIOS, where a scan could only
 * find stale bytes.
 */
static void find_rsdp(void)
{
    if (store.boot.rsdp || under_xen())
        return;
    store.boot.rsdp = pvh_acpi_scan_rsdp(&x86_phys, &store.boot.rsdp_source);
    if (store.boot.rsdp)
        pvh_info("note: the loader gave no RSDP; found one in the %s at 0x%llx",
                 pvh_rsdp_source_name(store.boot.rsdp_source),
                 (unsigned long long)store.boot.rsdp);
}

static void xen_hypercalls(bool page)
{
    struct pvh_error err;

    if (x86_xen_hypercall_init(&store.boot.hv, page, &err))
        pvh_panic("%s", err.msg);
}

/*
 * Programs that run other CPUs link arch/x86/smp.c, which claims the page
 * below 1 MiB their start-up code needs (while the memory map can still
 * say so) and sets the boot CPU's per-CPU area. The firmware links none of
 * it: the weak reference is then NULL.
 */
extern void x86_smp_boot_setup(struct pvh_boot_store *st) __attribute__((weak));

/* .bss: zero on a loader that follows the ELF rules, zeroed here all the
 * same (a loader may leave it as it found it). Nothing before this reads
 * .bss. */
extern char __bss_start[], __bss_end[];

void x86_start(uint32_t start_info_pa);
void x86_start(uint32_t start_info_pa)
{
    uint64_t first_c = pvh_timestamp();
    struct pvh_error err;

    /* In 8-byte entries, with SSE (the linker script aligns both ends to
     * 16 bytes): a third of what a "rep stosq" costs. */
    x86_zero_entries((uint64_t *)(void *)__bss_start, (uint64_t)(__bss_end - __bss_start) / 8);
    pvh_mark_at(PVH_MARK_C, first_c);
    pvh_mark_at(PVH_MARK_ENTRY, x86_entry_tsc);
    x86_cpu_probe();    /* NX and 1 GiB pages, for the tables */
    x86_paging_init();  /* the image alone, with its rights */
    x86_idt_init();
    pvh_boot_store_init(&store, (uintptr_t)__image_start, (uintptr_t)__late_end);
    x86_hypervisor_probe(&store.boot.hv);
    x86_consoles_init(&store.boot.hv);
    if (with_xen()) {
        xen_hypercalls(PVH_XEN_HYPERCALL_PAGE);
        x86_xen_open_pv_console();
    } else if (under_xen()) {
        pvh_info("note: no Xen support linked");
    }
    pvh_mark(PVH_MARK_HYPERVISOR);

    load_boot_description(start_info_pa);
    find_rsdp();
    /* From here on a fatal error can end the VM through ACPI too. */
    x86_power_init(under_xen() ? 0 : store.boot.rsdp, store.cmdline);
    if (x86_cpus_find)
        x86_cpus_find(&store);
    pvh_mark(PVH_MARK_BOOT);
    if (with_xen() && x86_xen_setup(&store, &err))
        pvh_panic("%s", err.msg);
    pvh_mark(PVH_MARK_XEN);
    if (x86_smp_boot_setup)
        x86_smp_boot_setup(&store);
    if (x86_paging_finish(&store, &err))
        pvh_panic("%s", err.msg);
    if (pvh_boot_mark_modules(&store, &err))
        pvh_info("warning: %s", err.msg);
    pvh_boot_finish(&store);
    pvh_mark(PVH_MARK_PAGING);

    if (!pvh_timing_at_handoff)
        pvh_timing_report(store.cmdline);
    pvh_main(&store.boot);
    pvh_poweroff();
}
