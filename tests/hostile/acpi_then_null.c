/*
 * acpi-then-null.elf: a unikernel that reads the ACPI tables for
 * poweroff the way pvhboot's own poweroff does (pvh_acpi_find_poweroff
 * through x86_phys, after the boot), then reads through NULL. Whatever
 * those tables point at, NULL must still fault: page 0 is never mapped
 * again once pvhboot has booted. It prints what the ACPI lookup found
 * first, for the test; if the read does not fault it says so and
 * powers off.
 */
#include <pvhboot/pvhboot.h>

#include "arch/x86/arch.h"
#include "common/acpi/acpi.h"

/* 0, but the compiler cannot know it: a plain NULL read it would treat
 * as unreachable code and follow with a trap of its own. */
static volatile uintptr_t null_address;

void pvh_main(const struct pvh_boot *boot)
{
    struct pvh_acpi_poweroff off;
    struct pvh_error err;

    if (pvh_acpi_find_poweroff(&x86_phys, boot->rsdp, &off, &err))
        pvh_info("acpi-then-null: no poweroff: %s", err.msg);
    else
        pvh_info("acpi-then-null: poweroff kind %d", (int)off.kind);
    pvh_info("acpi-then-null: reading through NULL");
    (void)*(volatile const int *)null_address;
    pvh_info("acpi-then-null: NULL read did not fault");
}
