/*
 * pvhboot.bin: the firmware. It chainloads a Linux arm64 Image:
 *  - the kernel: the one packed into pvhboot.bin (pvhboot-pack pack
 *    --kernel), else the loader's first module;
 *  - the initrd, at most one: the loader's module after the kernel, else
 *    the one packed after a packed kernel (or the only module packed
 *    without one), else one behind the Image inside its module, from the
 *    Image's image_size rounded up to 4 KiB (a Xen dom0less domU gets a
 *    single ramdisk; an Image file never reaches past image_size);
 *  - the cmdline: the kernel module's own (multiboot,module bootargs, or
 *    the packed kernel's) when it has one, else pvhboot's cmdline and the
 *    packed one as the pack's cmdline mode says (firmware/pack.h), without
 *    their pvhboot.* words.
 * What the loader gives replaces what is packed, as on x86.
 */
#include <pvhboot/boot.h>
#include <pvhboot/console.h>
#include <pvhboot/parts.h>
#include <pvhboot/power.h>

#include "common/cpu/cpu_arch.h"
#include "common/boot/options.h"
#include "common/lib/compiler.h"
#include "common/lib/string.h"
#include "common/boot/timing.h"
#include "firmware/arm64/linux.h"
#include "firmware/pack.h"

/* Written before they are read: kept out of .bss, which head.S zeroes. */
static char kernel_cmdline[PVH_CMDLINE_MAX + 1] PVH_NOINIT;
static struct pvh_packed packed PVH_NOINIT;

/* The timing report comes just before the jump. */
const _Bool pvh_timing_at_handoff = 1;
/* The kernel finds and starts its CPUs itself: no CPU list part
 * (include/pvhboot/parts.h). */
PVHBOOT_PARTS(PVH_PART_XEN, PVH_PART_ACPI_POWEROFF);

/* Too many modules, packed ("packed: ", " with the kernel") or the
 * loader's: one pattern. */
#define TOO_MANY "%s%u modules%s: an Image takes a kernel and one initrd"

/* The descriptor (one read of its volatile bytes), checked against the
 * image as loaded: our own bytes, then the packed ones up to image_size. */
static void read_packed(const struct pvh_boot_store *st)
{
    struct pvh_pack d;
    struct pvh_error err;

    memcpy(&d, (const void *)&pvh_pack, sizeof(d));
    if (pvh_pack_read_relative(&d, st->self_base, (uintptr_t)__image_end - st->self_base,
                               st->self_end - st->self_base, &packed, &err))
        pvh_panic("%s", err.msg);
    if (packed.nr > 2 || (packed.nr == 2 && !(packed.flags & PVH_PACK_KERNEL)))
        pvh_panic(TOO_MANY, "packed: ", packed.nr,
                  (packed.flags & PVH_PACK_KERNEL) ? " with the kernel" : " without a kernel");
    if (packed.nr)
        pvh_info("packed: %s%s", (packed.flags & PVH_PACK_KERNEL) ? "kernel" : "",
                 packed.nr == 2 ? " and initrd" : (packed.flags & PVH_PACK_KERNEL) ? "" : "initrd");
}

/* The one initrd, by the order above; NULL for none. */
static const struct pvh_module *choose_initrd(const struct pvh_boot *boot, const struct arm64_linux *k,
                                              unsigned first_loader_initrd, struct pvh_module *appended)
{
    const struct pvh_module *from_loader = boot->nr_modules > first_loader_initrd ?
                                           &boot->modules[first_loader_initrd] : NULL;
    const struct pvh_module *from_pack = NULL;

    if (packed.nr && packed.nr == 1 + !!(packed.flags & PVH_PACK_KERNEL))
        from_pack = &packed.mods[packed.nr - 1];
    if (boot->nr_modules > first_loader_initrd + 1)
        pvh_panic(TOO_MANY, "", boot->nr_modules, "");
    if (k->appended_size && (from_loader || from_pack))
        pvh_panic("two initrds: one behind the Image (%llu bytes) and %s",
                  (unsigned long long)k->appended_size, from_loader ? "a loader's module" : "a packed one");
    if (k->appended_size) {
        *appended = (struct pvh_module){ .base = k->appended, .size = k->appended_size,
                                         .cmdline = "" };
        return appended;
    }
    if (from_loader && from_pack)
        pvh_info("initrd: the loader's module %u replaces the packed one", first_loader_initrd);
    return from_loader ? from_loader : from_pack;
}

/* The kernel's cmdline; returns the string whose pvhboot.* options apply. */
static const char *choose_cmdline(const struct pvh_boot *boot, const struct pvh_module *kernel)
{
    static char buf[2 * PVH_CMDLINE_MAX + 2] PVH_NOINIT;
    const char *options;
    struct pvh_error err;

    if (kernel->cmdline[0]) {
        memcpy(kernel_cmdline, kernel->cmdline, strlen(kernel->cmdline) + 1);
        return boot->cmdline;
    }
    if (pvh_pack_cmdline(packed.flags, packed.cmdline, boot->cmdline, kernel_cmdline,
                         sizeof(kernel_cmdline), buf, sizeof(buf), &options, &err))
        pvh_panic("%s", err.msg);
    return options;
}

static const char *initrd_source(const struct arm64_linux *k, const struct pvh_module *initrd)
{
    if (!initrd)
        return "none";
    if (k->appended_size)
        return "behind the Image";
    if (initrd >= packed.mods && initrd < packed.mods + PVH_PACK_MAX_MODULES)
        return "packed";
    return "a module";
}

void pvh_main(const struct pvh_boot *boot)
{
    struct pvh_boot_store *st = arm64_boot_store();
    const struct pvh_module *kernel, *initrd;
    struct pvh_module appended;
    struct arm64_linux k;
    struct pvh_error err;
    const char *options;
    unsigned first_loader_initrd = 1;

    read_packed(st);
    if (packed.flags & PVH_PACK_KERNEL) {
        kernel = &packed.mods[0];
        first_loader_initrd = 0;
    } else if (boot->nr_modules) {
        kernel = &boot->modules[0];
    } else {
        pvh_panic("no kernel to chainload: nothing packed and modules %u", boot->nr_modules);
    }
    if (arm64_linux_header(kernel, &k, &err))
        pvh_panic("%s %s", first_loader_initrd ? "module 0:" : "packed kernel:", err.msg);
    initrd = choose_initrd(boot, &k, first_loader_initrd, &appended);
    options = choose_cmdline(boot, kernel);
    /* pvhboot-pack lays a packed kernel out where it can run. */
    if (first_loader_initrd == 0)
        arm64_linux_fits_in_place(&k, (uintptr_t)__image_end, st->self_end, initrd);
    pvh_mark(PVH_MARK_PLACEMENT);
    if (arm64_linux_prepare(st, &k, kernel_cmdline, initrd, &err))
        pvh_panic("%s", err.msg);
    pvh_mark(PVH_MARK_COPY);
    pvh_info("linux: Image at 0x%llx%s (text_offset 0x%llx image_size 0x%llx flags 0x%llx) "
             "dtb 0x%llx initrd %s", (unsigned long long)k.entry, k.in_place ? " in place" : "",
             (unsigned long long)k.text_offset, (unsigned long long)k.image_size,
             (unsigned long long)k.flags, (unsigned long long)k.dtb, initrd_source(&k, initrd));
    pvh_info("linux: cmdline \"%pE\"", kernel_cmdline);
    pvh_info("linux: entering at EL%u", arm64_entry_el);
    pvh_timing_report(options);
    arm64_linux_enter(st, &k);
}
