/*
 * Fuzz target: segment 0's ECAM from the ACPI MCFG (firmware/disk/mcfg.c,
 * pvhboot-disk on x86). The table's checksum is the lookup's business
 * (fuzz_acpi covers it): here the parser gets the bytes directly.
 *
 * Input: u8 regions (at most 8), each u64 base, u64 size, u8 type (the
 * memory map; empty and wrapping ones are dropped, as a normalised map
 * has none), then the table: the rest of the input, in a buffer of
 * exactly its length. Seeds (written by hand, corpus/mcfg/): QEMU q35's
 * table and map, Cloud Hypervisor's and Firecracker's tables (one bus),
 * and a table of several segments.
 *
 * Checked: on success the window is the first allocation of segment 0
 * whose buses start at 0, every allocation before it has its start bus
 * at or below its end bus, the base is not 0 and is 1 MiB aligned, the
 * size is 1 MiB a bus, the window does not wrap and no memory region
 * (types 1, 3, 4, 7) overlaps it; PVH_ENOENT only for a table of whole
 * allocations none of which is segment 0's from bus 0; on failure a
 * known error code and a terminated message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/disk/mcfg.h"
#include "tests/fuzz/fuzz.h"

#define MAX_REGIONS 8u
#define MIB (1ull << 20)

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    while (n--)
        v = v << 8 | p[n];
    return v;
}

static int is_memory(uint32_t type)
{
    return type == 1 || type == 3 || type == 4 || type == 7;
}

/* The first allocation of segment 0 from bus 0 (its offset), or 0; every
 * allocation before it must have sane buses (else *sane is 0). */
static uint32_t first_bus0(const uint8_t *t, uint32_t len, int *sane)
{
    *sane = 1;
    for (uint32_t at = 44; at + 16 <= len; at += 16) {
        if (t[at + 10] > t[at + 11]) {
            *sane = 0;
            return 0;
        }
        if (!le(t + at + 8, 2) && !t[at + 10])
            return at;
    }
    return 0;
}

static void check_ok(const uint8_t *t, uint32_t len, const struct pvh_region *map, unsigned n,
                     const struct pvh_ecam *e)
{
    int sane;
    uint32_t at = first_bus0(t, len, &sane);

    FUZZ_CHECK(len >= 60 && (len - 44) % 16 == 0, "accepted a length of %u", len);
    FUZZ_CHECK(sane && at, "accepted without a sane segment 0 bus 0 allocation");
    FUZZ_CHECK(e->base == le(t + at, 8), "base 0x%llx, the allocation at %u says 0x%llx",
               (unsigned long long)e->base, at, (unsigned long long)le(t + at, 8));
    FUZZ_CHECK(e->size == (t[at + 11] + 1ull) * MIB, "size 0x%llx for end bus %u",
               (unsigned long long)e->size, t[at + 11]);
    FUZZ_CHECK(e->base && !(e->base & (MIB - 1)) && e->base + e->size > e->base,
               "window 0x%llx+0x%llx", (unsigned long long)e->base, (unsigned long long)e->size);
    for (unsigned i = 0; i < n; i++)
        FUZZ_CHECK(!is_memory(map[i].type) || map[i].base + map[i].size <= e->base ||
                   map[i].base >= e->base + e->size, "window 0x%llx+0x%llx over region %u",
                   (unsigned long long)e->base, (unsigned long long)e->size, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    unsigned want = fuzz_u8(&in) % (MAX_REGIONS + 1), n = 0;
    struct pvh_region map[MAX_REGIONS];
    struct pvh_ecam ecam;
    struct pvh_error err;
    uint8_t *t;
    uint32_t len;
    int rc, sane;

    for (unsigned i = 0; i < want; i++) {
        uint64_t base = fuzz_u64(&in), rsize = fuzz_u64(&in);
        uint8_t type = fuzz_u8(&in);

        if (rsize && base + rsize > base)
            map[n++] = (struct pvh_region){ base, rsize, type, 0 };
    }
    len = (uint32_t)(in.left < (16u << 20) ? in.left : 16u << 20);
    t = malloc(len ? len : 1);
    if (!t)
        return 0;
    memcpy(t, in.p, len);
    memset(&ecam, 0, sizeof(ecam));
    rc = pvh_mcfg_parse(t, len, map, n, &ecam, &err);
    if (getenv("FUZZ_DEBUG")) /* for making seeds: how far an input gets */
        fprintf(stderr, "%s: %s (0x%llx+0x%llx)\n", rc ? "refused" : "accepted", rc ? err.msg : "",
                (unsigned long long)ecam.base, (unsigned long long)ecam.size);
    if (!rc) {
        check_ok(t, len, map, n, &ecam);
    } else {
        FUZZ_CHECK(rc < 0 && rc >= PVH_ENOENT && err.code == rc, "rc %d", rc);
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof(err.msg)), "error message not terminated");
        if (rc == PVH_ENOENT)
            FUZZ_CHECK(len >= 60 && (len - 44) % 16 == 0 && !first_bus0(t, len, &sane) && sane,
                       "no allocation said for a table that has one, or is malformed");
    }
    free(t);
    return 0;
}
