/*
 * The CPUs a device tree offers (arm64): the children of /cpus, read
 * as the Devicetree Specification and Linux's arm64 CPU binding
 * describe them, into the list pvhboot can start.
 *
 * What is read, and what is refused (the whole table: the caller then
 * runs on the boot CPU alone):
 *   - /cpus with "#address-cells" 1 or 2 and "#size-cells" 0; absent,
 *     malformed or other values are refused, as is a second /cpus;
 *   - each child with device_type "cpu" is a CPU; one whose "status"
 *     is present and not "okay" (or "ok") is skipped, as Linux does;
 *   - its "reg" is exactly #address-cells cells: the MPIDR affinity
 *     fields Aff3..Aff0 (PVH_MPIDR_HWID_MASK); a bit outside them, or
 *     an MPIDR listed twice, is refused;
 *   - enable-method "psci" makes it startable; another method or none
 *     leaves it out (counted, for one warning), except the boot CPU,
 *     which runs already;
 *   - the boot CPU (its MPIDR read from the CPU by the caller) goes
 *     first; a tree that does not list it is refused;
 *   - more than PVH_CPUS_MAX startable CPUs: the first ones in tree
 *     order are kept (the boot CPU always), the rest counted.
 * Also read: whether /psci is PSCI 0.2 or later ("compatible" names
 * "arm,psci-0.2" or "arm,psci-1.0"), the versions that give CPU_ON its
 * standard function ID; PSCI 0.1 trees name their own IDs, which
 * pvhboot does not use.
 *
 * Duplicates are found among the CPUs kept and between them and every
 * other node (each node is compared with the kept ones); two dropped
 * nodes that repeat each other are not compared (they are not used).
 */
#ifndef PVH_COMMON_FDT_CPUS_H
#define PVH_COMMON_FDT_CPUS_H

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/boot.h>
#include <pvhboot/cpu.h>

#include "common/output/error.h"
#include "common/fdt/fdt.h"

/* MPIDR_EL1's affinity fields: Aff3 (bits 39:32), Aff2..Aff0 (23:0). */
#define PVH_MPIDR_HWID_MASK 0xff00ffffffull

struct pvh_fdt_cpus {
    struct pvh_cpu cpus[PVH_CPUS_MAX]; /* the boot CPU first, then tree order */
    unsigned nr;                       /* entries of cpus */
    unsigned found;                    /* startable CPUs in the tree, the boot CPU included */
    unsigned not_psci;                 /* enabled CPUs left out: no enable-method "psci" */
    uint64_t not_psci_first;           /* the first of them (its MPIDR) */
    bool psci_cpu_on;                  /* /psci is PSCI 0.2 or later */
};

/* Read /cpus and /psci of an opened tree; boot_hwid is the boot CPU's
 * MPIDR affinity (masked). On error out->nr is 0. */
int pvh_fdt_read_cpus(const struct pvh_fdt *fdt, uint64_t boot_hwid, struct pvh_fdt_cpus *out,
                      struct pvh_error *err);

#endif
