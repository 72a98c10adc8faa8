/*
 * Fuzz target: the /cpus and /psci reader (common/fdt/fdt_cpus.c) over the
 * device-tree reader (common/fdt/fdt.c).
 *
 * Input: u64 the boot CPU's MPIDR (as read from MPIDR_EL1, unmasked:
 * the reader is given it masked, as start.c does), then the blob, in an
 * exactly sized buffer. Seeds: the trees of tests/unit/data/ (QEMU virt
 * with 1, 2 and 4 CPUs, Xen dom0's) with boot MPIDR 0.
 *
 * Checked: a refusal leaves no CPU and says why in a terminated message;
 * an accepted table has the boot CPU first (flagged, its MPIDR as
 * given), at most PVH_CPUS_MAX entries, every MPIDR inside the affinity
 * fields, no two alike, no other entry flagged as the boot CPU, and
 * counts that agree: all found CPUs are kept up to the bound.
 */
#include <stdlib.h>
#include <string.h>

#include "common/fdt/fdt.h"
#include "common/fdt/fdt_cpus.h"
#include "tests/fuzz/fuzz.h"

static void check_table(const struct pvh_fdt_cpus *c, uint64_t boot)
{
    unsigned i, j;

    FUZZ_CHECK(c->nr >= 1 && c->nr <= PVH_CPUS_MAX, "%u cpus kept", c->nr);
    FUZZ_CHECK(c->cpus[0].hwid == boot && c->cpus[0].flags == PVH_CPU_BOOT,
               "cpu 0: mpidr 0x%llx flags 0x%x, boot 0x%llx", (unsigned long long)c->cpus[0].hwid,
               c->cpus[0].flags, (unsigned long long)boot);
    for (i = 0; i < c->nr; i++) {
        FUZZ_CHECK(!(c->cpus[i].hwid & ~PVH_MPIDR_HWID_MASK), "cpu %u: mpidr 0x%llx", i,
                   (unsigned long long)c->cpus[i].hwid);
        FUZZ_CHECK(i == 0 || !c->cpus[i].flags, "cpu %u flagged 0x%x", i, c->cpus[i].flags);
        for (j = 0; j < i; j++)
            FUZZ_CHECK(c->cpus[i].hwid != c->cpus[j].hwid, "cpus %u and %u: mpidr 0x%llx", j, i,
                       (unsigned long long)c->cpus[i].hwid);
    }
    FUZZ_CHECK(c->found >= c->nr, "found %u < kept %u", c->found, c->nr);
    FUZZ_CHECK(c->found == c->nr || c->nr == PVH_CPUS_MAX, "found %u, kept only %u", c->found,
               c->nr);
    FUZZ_CHECK(!c->not_psci || !(c->not_psci_first & ~PVH_MPIDR_HWID_MASK),
               "first non-psci mpidr 0x%llx", (unsigned long long)c->not_psci_first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint64_t boot = fuzz_u64(&in) & PVH_MPIDR_HWID_MASK;
    size_t len = in.left;
    uint8_t *blob = malloc(len ? len : 1);
    struct pvh_fdt_cpus cpus;
    struct pvh_error err;
    struct pvh_fdt fdt;

    if (!blob)
        abort();
    memcpy(blob, in.p, len);
    if (!pvh_fdt_open(&fdt, blob, len, &err)) {
        if (pvh_fdt_read_cpus(&fdt, boot, &cpus, &err)) {
            FUZZ_CHECK(cpus.nr == 0, "refused, yet %u cpus kept", cpus.nr);
            FUZZ_CHECK(err.msg[0] && fuzz_terminated(err.msg, sizeof(err.msg)),
                       "refusal without a terminated message");
        } else {
            check_table(&cpus, boot);
        }
    }
    free(blob);
    return 0;
}
