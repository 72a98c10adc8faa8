/*
 * pvhboot.bin: the firmware. It chainloads the Linux arm64 Image it was
 * given as its first module; the module after it, if any, becomes the
 * kernel's initrd. Where a loader passes one module only (a Xen
 * dom0less domU gets one ramdisk), the initrd may instead follow the
 * Image inside that module, from the Image's image_size rounded up to
 * 4 KiB (an Image file never reaches past image_size). The kernel's cmdline is the kernel module's own
 * (multiboot,module bootargs) when it has one, else pvhboot's cmdline
 * without its pvhboot.* words.
 */
#include <pvhboot/boot.h>
#include <pvhboot/console.h>
#include <pvhboot/power.h>

#include "arch/arm64/linux.h"
#include "common/options.h"
#include "common/string.h"
#include "common/timing.h"

static char kernel_cmdline[PVH_CMDLINE_MAX + 1];

/* The timing report comes just before the jump. */
const _Bool pvh_timing_at_handoff = 1;

void pvh_main(const struct pvh_boot *boot)
{
    struct pvh_boot_store *st = arm64_boot_store();
    const struct pvh_module *initrd = NULL;
    struct pvh_module appended;
    struct arm64_linux k;
    struct pvh_error err;

    if (!boot->nr_modules)
        pvh_panic("no kernel to chainload: modules %u", boot->nr_modules);
    if (arm64_linux_header(&boot->modules[0], &k, &err))
        pvh_panic("module 0: %s", err.msg);
    if (k.appended_size && boot->nr_modules > 1)
        pvh_panic("two initrds: one behind the Image in module 0 (%llu bytes) and module 1",
                  (unsigned long long)k.appended_size);
    if (k.appended_size) {
        appended = (struct pvh_module){ k.appended, k.appended_size, "" };
        initrd = &appended;
    } else if (boot->nr_modules > 1) {
        initrd = &boot->modules[1];
    }
    if (boot->modules[0].cmdline[0]) {
        memcpy(kernel_cmdline, boot->modules[0].cmdline, strlen(boot->modules[0].cmdline) + 1);
    } else if (pvh_cmdline_strip_options(kernel_cmdline, sizeof(kernel_cmdline), boot->cmdline) ==
               (size_t)-1) {
        pvh_panic("kernel cmdline: longer than %u bytes", PVH_CMDLINE_MAX);
    }
    pvh_mark(PVH_MARK_PLACEMENT);
    if (arm64_linux_prepare(st, &k, kernel_cmdline, initrd, &err))
        pvh_panic("%s", err.msg);
    pvh_mark(PVH_MARK_COPY);
    pvh_info("linux: Image at 0x%llx (text_offset 0x%llx image_size 0x%llx flags 0x%llx) "
             "dtb 0x%llx initrd %s", (unsigned long long)k.entry, (unsigned long long)k.text_offset,
             (unsigned long long)k.image_size, (unsigned long long)k.flags,
             (unsigned long long)k.dtb, k.appended_size ? "behind the Image" : initrd ? "module 1" : "none");
    pvh_info("linux: cmdline \"%pE\"", kernel_cmdline);
    pvh_timing_report(boot->cmdline);
    arm64_linux_enter(st, &k);
}
