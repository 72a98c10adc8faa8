/*
 * Fuzz target: the CPUs of the ACPI MADT (common/acpi/acpi_madt.c): RSDP,
 * RSDT or XSDT, the "APIC" table and its entries.
 *
 * Input: u64 RSDP address, u8 segments, the segments of simulated
 * memory (fuzz.h), each table an exactly sized buffer, then u32 the
 * boot CPU's APIC ID (0 when the input ends first: QEMU's boot CPU).
 * The layout is fuzz_acpi's plus that last field, so the same captured
 * tables seed both. Seeds: the tables QEMU's pc and microvm provide.
 *
 * Checked: every read is of a sane length; on success the list is
 * within its bound, the boot CPU is first with its ID and alone flagged,
 * the IDs are distinct, and no more are listed than found; on failure a
 * known error code and a terminated message; nothing is written past
 * the array's end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/acpi/acpi_madt.h"
#include "tests/fuzz/fuzz.h"

#define MAX 16u

static struct fuzz_mem mem;

static const void *checked_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    (void)phys;
    FUZZ_CHECK(len != 0 && len <= (16u << 20), "read of 0x%llx bytes at 0x%llx",
               (unsigned long long)len, (unsigned long long)pa);
    return fuzz_mem_at(&mem, pa, len);
}

static const struct pvh_phys phys = { checked_map };

static void check_list(const struct pvh_cpu *cpus, const struct pvh_madt_info *info,
                       uint32_t boot_id)
{
    FUZZ_CHECK(info->nr >= 1 && info->nr <= MAX, "nr %u", info->nr);
    FUZZ_CHECK(info->found >= info->nr, "found %u < listed %u", info->found, info->nr);
    FUZZ_CHECK(cpus[0].hwid == boot_id && cpus[0].flags == PVH_CPU_BOOT,
               "cpus[0] 0x%llx flags 0x%x", (unsigned long long)cpus[0].hwid, cpus[0].flags);
    for (unsigned i = 1; i < info->nr; i++) {
        FUZZ_CHECK(cpus[i].flags == 0, "cpus[%u] flags 0x%x", i, cpus[i].flags);
        FUZZ_CHECK(cpus[i].hwid <= 0xffffffffu, "cpus[%u] hwid 0x%llx", i,
                   (unsigned long long)cpus[i].hwid);
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(cpus[i].hwid != cpus[j].hwid, "cpus[%u] and [%u] both 0x%llx", j, i,
                       (unsigned long long)cpus[i].hwid);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint64_t rsdp = fuzz_u64(&in);
    unsigned nseg = fuzz_u8(&in);
    struct pvh_cpu cpus[MAX + 1];
    struct pvh_madt_info info;
    struct pvh_error err;
    uint32_t boot_id;
    int rc;

    fuzz_mem_from_input(&mem, &in, nseg);
    boot_id = fuzz_u32(&in);
    memset(cpus, 0xa5, sizeof(cpus));
    rc = pvh_acpi_madt_cpus(&phys, rsdp, boot_id, cpus, MAX, &info, &err);
    if (getenv("FUZZ_DEBUG")) /* for making seeds: how far an input gets */
        fprintf(stderr, "%s: %s (%u listed, %u found)\n", rc ? "refused" : "accepted",
                rc ? err.msg : "", info.nr, info.found);
    if (rc) {
        FUZZ_CHECK(rc < 0 && rc >= PVH_ENOENT && err.code == rc, "rc %d", rc);
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");
    } else {
        check_list(cpus, &info, boot_id);
    }
    for (size_t i = 0; i < sizeof(cpus[MAX]); i++)
        FUZZ_CHECK(((const uint8_t *)&cpus[MAX])[i] == 0xa5, "written past the array");
    fuzz_mem_free(&mem);
    return 0;
}
