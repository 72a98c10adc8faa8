/*
 * Which CPUs the platform offers (x86): the ACPI MADT's list, read for
 * every program while the boot description is built. Starting them is
 * arch/x86/smp.c's job, linked only by programs that do.
 */
#include <pvhboot/console.h>
#include <pvhboot/cpu.h>
#include <pvhboot/parts.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/acpi/acpi_madt.h"
#include "common/cpu/cpu_arch.h"

/* Naming it links the CPU list: the part (include/pvhboot/parts.h). */
const char pvh_part_cpu_list = 1;
const _Bool pvh_cpu_list_linked = 1;

uint32_t x86_apic_id(void)
{
    uint32_t r[4];

    x86_cpuid(0, 0, r);
    if (r[0] >= X86_CPUID_TOPOLOGY) {
        x86_cpuid(X86_CPUID_TOPOLOGY, 0, r);
        if (r[1]) /* EBX 0: the leaf is not implemented */
            return r[3];
    }
    x86_cpuid(1, 0, r);
    return r[1] >> 24;
}

void x86_cpus_find(struct pvh_boot_store *st)
{
    struct pvh_madt_info info;
    struct pvh_error err;
    uint32_t boot_id = x86_apic_id();

    /* pvh_boot_store_init listed the boot CPU alone, source "none". */
    st->cpus[0].hwid = boot_id;
    if (!st->boot.rsdp)
        return;
    if (pvh_acpi_madt_cpus(&x86_phys, st->boot.rsdp, boot_id, st->cpus, PVH_CPUS_MAX, &info,
                           &err)) {
        /* The parser may have written part of the list: start again. */
        st->cpus[0] = (struct pvh_cpu){ .hwid = boot_id, .flags = PVH_CPU_BOOT };
        pvh_info("warning: %s; running on the boot CPU alone", err.msg);
        return;
    }
    st->nr_cpus = info.nr;
    st->boot.cpus_source = "madt";
    if (info.found > info.nr)
        pvh_info("warning: the MADT lists %u CPUs; pvhboot runs at most %u: using the first %u",
                 info.found, PVH_CPUS_MAX, info.nr);
    /* Hot-pluggable CPUs that are not there (Cloud Hypervisor's
     * --cpus max): said once, never started. */
    if (info.possible)
        pvh_info("note: the MADT lists %u more CPU%s that may be added at run time: "
                 "not started", info.possible, info.possible == 1 ? "" : "s");
}
