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
 * MPIDR affinity (masked). On error out->nr is 0. Entries of out->cpus
 * from out->nr on are left as they were. */
int pvh_fdt_read_cpus(const struct pvh_fdt *fdt, uint64_t boot_hwid, struct pvh_fdt_cpus *out,
                      struct pvh_error *err);

/*
 * The same, fed a walk's tokens one by one (another reader's walk, see
 * common/fdt/fdt_boot.c): begin, then each token until the first error
 * or the walk's end, then end with that error (or 0), which it returns
 * (out->nr 0 on error). A failed walk of the tree is the caller's.
 */
struct pvh_fdt_cpus_reader {
    struct pvh_fdt_cpus *out;
    uint64_t boot_hwid;
    bool seen_cpus, in_cpus, in_psci;
    bool cells_checked;
    int addr_cells, size_cells; /* -1: not given */
    bool boot_listed;
    unsigned others;            /* non-boot CPUs kept, at out->cpus[1 ...] */
    struct pvh_fdt_cpu_node {   /* the /cpus child being read */
        const char *name;
        bool is_cpu;            /* device_type "cpu" */
        bool disabled;          /* status present and not "okay" */
        bool psci;              /* enable-method "psci" */
        const uint8_t *reg;     /* NULL: no reg */
        uint32_t reg_len;
    } node;
};

void pvh_fdt_cpus_begin(struct pvh_fdt_cpus_reader *r, uint64_t boot_hwid,
                        struct pvh_fdt_cpus *out);
int pvh_fdt_cpus_read(struct pvh_fdt_cpus_reader *r, const struct pvh_fdt_token *tok,
                      struct pvh_error *err);
static inline int pvh_fdt_cpus_token(struct pvh_fdt_cpus_reader *r,
                                     const struct pvh_fdt_token *tok, struct pvh_error *err)
{
    /* What the reader ignores, ignored here: anything deeper than a
     * /cpus child, and outside /cpus and /psci anything but the start of
     * a top-level node. */
    if (tok->depth > 3 ||
        (!r->in_cpus && !r->in_psci && (tok->kind != PVH_FDT_NODE || tok->depth != 2)))
        return PVH_OK;
    return pvh_fdt_cpus_read(r, tok, err);
}
int pvh_fdt_cpus_end(struct pvh_fdt_cpus_reader *r, int rc, struct pvh_error *err);

/*
 * arm64's start with the list a walk read (rc, err: what
 * pvh_fdt_cpus_end returned): a list that cannot be used is no reason to
 * stop, the boot CPU runs alone and a warning says why (false; cpus_source
 * stays "none"). Else the CPUs into st, with a warning for those left out
 * (true). Here, not in the start code, so that only programs that link
 * the CPU list part pay for it.
 */
struct pvh_boot_store;
bool pvh_fdt_cpus_store(const struct pvh_fdt_cpus *cpus, int rc, const struct pvh_error *err,
                        struct pvh_boot_store *st);

#endif
