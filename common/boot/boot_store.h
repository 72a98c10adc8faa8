/*
 * Where the boot description lives: one structure owned by pvhboot
 * that holds struct pvh_boot and every array and string it points to,
 * so nothing in the description points back into the loader's memory.
 *
 * The large arrays are written before they are read, so the platform
 * may keep this structure in memory that is not zeroed at entry.
 */
#ifndef PVH_COMMON_BOOT_STORE_H
#define PVH_COMMON_BOOT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvhboot/boot.h>
#include <pvhboot/cpu.h>
#include <xen/start_info.h>

#include "common/output/error.h"
#include "common/boot/memmap.h"

/* How parsers read the loader's memory (identity-mapped on the guest,
 * a test buffer on the host). */
struct pvh_phys {
    /* A pointer through which the len bytes at pa can be read, or NULL
     * when that range is not accessible. len is never 0. */
    const void *(*map)(const struct pvh_phys *phys, uint64_t pa, uint64_t len);
};

struct pvh_boot_store {
    /* The scalars first, the start info header last of them: on x86 each
     * is then within a one-byte displacement of st (and on arm64 within
     * a load's immediate), where after the big arrays it would take four
     * bytes (arm64: another instruction). Everything before cpus is
     * what pvh_boot_store_init clears. The smaller arrays come before
     * the big ones, where arm64 reaches them with fewer instructions. */

    /* pvhboot's own memory: loader data must not overlap it. */
    uint64_t self_base, self_end;
    uint64_t start_info_pa;
    struct pvh_memmap map;    /* the normalised memory map (in regions) */
    unsigned nr_raw;          /* entries in raw */
    unsigned nr_cpus;         /* entries in cpus */
    size_t module_cmdlines_used;
    /* The loader's start info header, as read (zero past its version's size). */
    struct hvm_start_info si;

    struct pvh_boot boot;

    /* The CPUs the platform offers (the boot CPU first), as found. */
    struct pvh_cpu cpus[PVH_CPUS_MAX];
    struct pvh_module modules[PVH_MODULES_MAX];

    /* The memory map as the loader gave it, then normalised. */
    struct pvh_region raw[PVH_MEMMAP_IN_MAX];
    struct pvh_region regions[PVH_MEMMAP_MAX];
    struct pvh_memmap_scratch scratch;

    char cmdline[PVH_CMDLINE_MAX + 1];
    char module_cmdlines[PVH_MODULE_CMDLINES_ALL];
};

/* Prepare an empty store for pvhboot occupying [self_base, self_end). */
void pvh_boot_store_init(struct pvh_boot_store *st, uint64_t self_base, uint64_t self_end);

/*
 * Reading a PVH start info, in the order the steps must run:
 *   1. read_header   checks the address, the magic and the version, copies the header;
 *   2. read_memmap   copies the loader's memory map (version 1; version 0 has none,
 *                    nor has version 1 with 0 entries: PVH_ENOENT, and the platform
 *                    may fill st->raw another way: find_memmap asks it);
 *   3. pvh_boot_set_memmap normalises the map and claims pvhboot's own memory;
 *   4. read_rest     checks every structure lies in memory, copies cmdline and modules;
 *   5. pvh_boot_finish points struct pvh_boot at the copies.
 * Nothing is read from a range before it passed the checks that can be
 * made at that step.
 */
int pvh_start_info_read_header(struct pvh_boot_store *st, const struct pvh_phys *phys,
                               uint64_t start_info_pa, struct pvh_error *err);
int pvh_start_info_read_memmap(struct pvh_boot_store *st, const struct pvh_phys *phys,
                               struct pvh_error *err);

/* Version 0 has no memory map; version 1 and later say "none" with 0 entries. */
bool pvh_start_info_lacks_memmap(const struct pvh_boot_store *st);
/* A platform's own memory map (Xen: XENMEM_memory_map) into st->raw, st->nr_raw. */
typedef int pvh_platform_memmap_fn(struct pvh_boot_store *st, struct pvh_error *err);
/* Step 2 where the platform may know the map: the start info's if it has
 * one, else the platform's (NULL: there is no one to ask, an error that
 * names the hypervisor hv_name). */
int pvh_start_info_find_memmap(struct pvh_boot_store *st, const struct pvh_phys *phys,
                               pvh_platform_memmap_fn *platform, const char *hv_name,
                               struct pvh_error *err);
int pvh_boot_set_memmap(struct pvh_boot_store *st, struct pvh_error *err);
int pvh_start_info_read_rest(struct pvh_boot_store *st, const struct pvh_phys *phys,
                             struct pvh_error *err);
void pvh_boot_finish(struct pvh_boot_store *st);
/* Flag the modules' pages (PVH_REGION_MODULE) in the map the program
 * gets, so that an allocator built from the free RAM leaves them alone.
 * A module lies in RAM (the readers check it); pages it shares with
 * pvhboot's own memory keep that flag. Fails only on a map too full to
 * split (a warning for the caller: the boot goes on). */
int pvh_boot_mark_modules(struct pvh_boot_store *st, struct pvh_error *err);

/* Steps 1 to 5 for a loader that gives start info version 1. */
int pvh_start_info_load(struct pvh_boot_store *st, const struct pvh_phys *phys,
                        uint64_t start_info_pa, struct pvh_error *err);

/*
 * Whether an optional part (include/pvhboot/parts.h) is in the image: a
 * weak 0 in common/boot/boot.c that the part's own file overrides with 1.
 * True on both architectures; arm64 reads these rather than testing a
 * weak function's address, which would cost it a GOT entry and a run-time
 * relocation each (x86 tests the addresses: there a test is as cheap).
 */
extern const _Bool pvh_xen_linked;
extern const _Bool pvh_cpu_list_linked;

#endif
