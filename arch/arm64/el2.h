/*
 * The fine-grained trap values el2.c gives EL2 for a CPU's ID registers:
 * a function of the ID registers alone, so that a test (tests/arm64/probe.c)
 * can ask for the values of CPUs QEMU does not model.
 */
#ifndef PVH_ARM64_EL2_H
#define PVH_ARM64_EL2_H

#include <stdint.h>

/* HFGRTR_EL2, HFGWTR_EL2, HFGITR_EL2, HDFGRTR_EL2, HDFGWTR_EL2. */
struct arm64_el2_fgt {
    uint64_t hfgrtr, hfgwtr, hfgitr, hdfgrtr, hdfgwtr;
};

/* Every trap clear for the features the ID registers announce: the
 * trap-when-set bits 0, the trap-when-clear ("n") bits 1 where their
 * feature exists (0, RES0, where it does not). */
void arm64_el2_fgt_values(uint64_t pfr1, uint64_t isar1, uint64_t mmfr3, uint64_t dfr0,
                          struct arm64_el2_fgt *fgt);

#endif
