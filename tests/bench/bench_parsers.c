/*
 * How common/'s parsers scale on the host: the memory-map normaliser
 * over 16 to 1024 entries (overlapping, unsorted, of several types), and
 * the whole start-info reader with 1 to 64 modules. Built with -O2 and
 * no sanitizers (make bench); prints the median of 101 timed runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/e820.h>
#include <xen/start_info.h>

#include "common/boot/arch_hooks.h"
#include "common/boot/boot_store.h"
#include "common/boot/memmap.h"
#include "firmware/chainload.h"

#define RUNS 101
#define SIM_SIZE (64u << 20)

void pvh_arch_stop_failure(void)
{
    abort();
}

int pvh_arch_boot_payload(struct pvh_fw *fw, struct pvh_error *err)
{
    (void)fw;
    return pvh_fail(err, PVH_ENOENT, "host");
}

static uint8_t *ram;

static const void *sim_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    (void)phys;
    return pa + len <= SIM_SIZE && pa + len >= pa ? ram + pa : NULL;
}

static const struct pvh_phys sim = { sim_map };

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, RUNS, sizeof(*v), cmp);
    return v[RUNS / 2];
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void bench_normalise(unsigned n)
{
    static struct pvh_region in[PVH_MEMMAP_IN_MAX], out[PVH_MEMMAP_MAX];
    static struct pvh_memmap_scratch scratch;
    static const uint32_t types[] = { E820_TYPE_RAM, E820_TYPE_RESERVED, E820_TYPE_ACPI,
                                      E820_TYPE_NVS, 99 };
    double t[RUNS];
    unsigned i, r;

    for (i = 0; i < n; i++)
        in[i] = (struct pvh_region){ (next() % (1ull << 34)) & ~0xfffull,
                                     (next() % (1ull << 26)) + 1, types[next() % 5], 0 };
    for (r = 0; r < RUNS; r++) {
        struct pvh_memmap map = { out, 0, PVH_MEMMAP_MAX };
        struct pvh_error err;
        double start = now_ns();

        if (pvh_memmap_normalise(in, n, &map, &scratch, &err))
            abort();
        t[r] = now_ns() - start;
    }
    printf("normalise %4u entries: %9.0f ns\n", n, median(t));
}

static void bench_start_info(unsigned nr_mods)
{
    static struct pvh_boot_store st;
    struct hvm_start_info si = { XEN_HVM_START_MAGIC_VALUE, 1, 0, nr_mods, 0x10000, 0x20000, 0,
                                 0x30000, 2, 0 };
    struct hvm_memmap_table_entry map[2] = { { 0, 0x9fc00, 1, 0 },
                                             { 0x100000, SIM_SIZE - 0x100000, 1, 0 } };
    double t[RUNS];
    unsigned i, r;

    memset(ram, 0, 0x100000);
    memcpy(ram + 0x8000, &si, sizeof(si));
    memcpy(ram + 0x30000, map, sizeof(map));
    strcpy((char *)ram + 0x20000, "console=ttyS0 root=/dev/vda ro quiet");
    for (i = 0; i < nr_mods; i++) {
        struct hvm_modlist_entry m = { 0x1000000 + i * 0x10000ull, 0x8000, 0x40000 + i * 64, 0 };

        memcpy(ram + 0x10000 + i * sizeof(m), &m, sizeof(m));
        snprintf((char *)ram + 0x40000 + i * 64, 64, "module %u cmdline", i);
    }
    for (r = 0; r < RUNS; r++) {
        struct pvh_error err;
        double start;

        pvh_boot_store_init(&st, 0x800000, 0x900000);
        start = now_ns();
        if (pvh_start_info_load(&st, &sim, 0x8000, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            abort();
        }
        t[r] = now_ns() - start;
    }
    printf("start info, %2u modules: %9.0f ns\n", nr_mods, median(t));
}

int main(void)
{
    static const unsigned sizes[] = { 16, 128, 1024 }, mods[] = { 1, 16, 64 };
    unsigned i;

    ram = calloc(1, SIM_SIZE);
    if (!ram)
        return 1;
    for (i = 0; i < 3; i++)
        bench_normalise(sizes[i]);
    for (i = 0; i < 3; i++)
        bench_start_info(mods[i]);
    return 0;
}
