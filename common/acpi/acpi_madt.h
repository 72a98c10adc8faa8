/*
 * The CPUs an x86 platform offers, from the ACPI MADT ("APIC" table):
 * its processor local APIC and local x2APIC entries that are enabled,
 * the boot CPU first. Entries that are online-capable but not enabled
 * are CPUs that may be hot-added later: counted, never listed. Xen
 * builds this table for PVH guests too (a vCPU's ACPI UID is its vCPU
 * ID).
 */
#ifndef PVH_COMMON_ACPI_MADT_H
#define PVH_COMMON_ACPI_MADT_H

#include <stdint.h>

#include <pvhboot/boot.h>

#include "common/boot/boot_store.h"
#include "common/output/error.h"

struct pvh_madt_info {
    unsigned nr;        /* entries written to the caller's array (<= its size) */
    unsigned found;     /* enabled CPUs the table lists, each APIC ID once */
    unsigned possible;  /* entries online-capable and not enabled: CPUs that may be added */
    uint64_t lapic_pa;  /* the local APIC's address: the header's, or a type 5 override */
};

/*
 * Read the MADT that the RSDP at rsdp leads to and list its enabled
 * CPUs in cpus[0..max) (max >= 1): cpus[0] is the boot CPU, whose APIC
 * ID (x2APIC ID where the CPU has one) is boot_id, flagged
 * PVH_CPU_BOOT; the others follow in the table's order, up to max in
 * all. An APIC ID listed twice (say, as a local APIC and as an x2APIC
 * entry) counts once. x2APIC entries with an ID below 255 are left out
 * when the table has usable local APIC entries (ACPI keeps x2APIC
 * entries for larger IDs), unless they name the boot CPU. Errors: no
 * RSDP, root table or MADT, or a malformed one (bad checksum, an entry
 * shorter than its type or running past the table); and a table that
 * does not list the boot CPU.
 */
int pvh_acpi_madt_cpus(const struct pvh_phys *phys, uint64_t rsdp, uint64_t boot_id,
                       struct pvh_cpu *cpus, unsigned max, struct pvh_madt_info *info,
                       struct pvh_error *err);

#endif
