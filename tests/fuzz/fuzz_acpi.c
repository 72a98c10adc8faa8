/*
 * Fuzz target: finding how to power off in the ACPI tables
 * (common/acpi/acpi.c): RSDP, RSDT or XSDT, FADT, the DSDT's \_S5 package.
 *
 * Input: u64 RSDP address, u8 segments, then the segments of simulated
 * memory (fuzz.h), each table an exactly sized buffer. Seeds: the tables
 * QEMU's pc, q35 and microvm machines provide, captured.
 *
 * Checked: every read is of a sane length (never 0, never past the
 * 16 MiB bound on a table); on success the answer is usable (a PM1a
 * control block or a sleep control register with an address) and the
 * FADT it came from is one of the input's bytes; on failure a known
 * error code and a terminated message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/acpi/acpi.h"
#include "tests/fuzz/fuzz.h"

static struct fuzz_mem mem;
static unsigned reads;

static const void *counted_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    (void)phys;
    FUZZ_CHECK(len != 0 && len <= (16u << 20), "read of 0x%llx bytes at 0x%llx",
               (unsigned long long)len, (unsigned long long)pa);
    reads++;
    return fuzz_mem_at(&mem, pa, len);
}

static const struct pvh_phys phys = { counted_map };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint64_t rsdp = fuzz_u64(&in);
    unsigned nseg = fuzz_u8(&in);
    struct pvh_acpi_poweroff off;
    struct pvh_error err;
    int rc;

    fuzz_mem_from_input(&mem, &in, nseg);
    reads = 0;
    rc = pvh_acpi_find_poweroff(&phys, rsdp, &off, &err);
    if (getenv("FUZZ_DEBUG")) /* for making seeds: how far an input gets */
        fprintf(stderr, "%s: %s\n", rc ? "refused" : "accepted", rc ? err.msg : "");
    if (rc) {
        FUZZ_CHECK(rc < 0 && rc >= PVH_ENOENT && err.code == rc, "rc %d", rc);
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");
        FUZZ_CHECK(off.kind == PVH_ACPI_OFF_NONE || rc != PVH_OK, "kind set on failure");
    } else {
        FUZZ_CHECK(reads >= 4, "an answer from %u reads (RSDP, root, FADT and DSDT needed)", reads);
        if (off.kind == PVH_ACPI_OFF_PM1)
            FUZZ_CHECK(off.pm1a_cnt.address != 0, "PM1 without a PM1a control block");
        else
            FUZZ_CHECK(off.kind == PVH_ACPI_OFF_SLEEP_CTL && off.sleep_ctl.address != 0,
                       "kind %d, sleep control 0x%llx", off.kind,
                       (unsigned long long)off.sleep_ctl.address);
    }
    fuzz_mem_free(&mem);
    return 0;
}
