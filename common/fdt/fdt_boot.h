/*
 * From a device tree to the boot description (arm64, and any loader
 * that hands over a DTB). In the order the steps run:
 *   1. pvh_fdt_platform    what the machine set-up needs first: the
 *                          console UART, the PSCI conduit, /hypervisor;
 *   2. pvh_fdt_read_memory the /memory nodes as RAM, the /memreserve/
 *                          entries and /reserved-memory children as
 *                          reserved, into st->raw;
 *   3. pvh_boot_set_memmap (common/boot/boot_store.h) normalises them;
 *   4. pvh_fdt_read_chosen the cmdline, the initrd and the multiboot
 *                          modules of /chosen, each checked against the map.
 * The blob must have been opened with pvh_fdt_open; every walk checks
 * the structure again as it goes.
 *
 * pvh_fdt_scan does steps 1 and 2 and pvh_fdt_read_cpus in one walk of
 * the tree, and notes where /chosen is; pvh_fdt_scan_memory and
 * pvh_fdt_scan_chosen then finish steps 2 and 4 where they run. Each
 * gives what the function it stands for gives, error included.
 */
#ifndef PVH_COMMON_FDT_BOOT_H
#define PVH_COMMON_FDT_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/boot/boot_store.h"
#include "common/output/error.h"
#include "common/fdt/fdt.h"
#include "common/fdt/fdt_cpus.h"

enum pvh_uart_kind {
    PVH_UART_NONE,
    PVH_UART_PL011, /* "arm,pl011" */
    PVH_UART_SBSA,  /* "arm,sbsa-uart": the PL011 subset Xen's vpl011 offers */
};

enum pvh_psci_conduit {
    PVH_PSCI_NONE,
    PVH_PSCI_HVC,
    PVH_PSCI_SMC,
};

struct pvh_fdt_platform {
    enum pvh_uart_kind uart;
    uint64_t uart_base;           /* physical address of its registers */
    bool uart_from_stdout_path;   /* named by /chosen/stdout-path (else the first found) */
    enum pvh_psci_conduit psci;   /* /psci "method" */
    bool xen_node;                /* /hypervisor is compatible with "xen,xen" */
};

/* Longest node path pvhboot follows (stdout-path, /aliases). */
#define PVH_FDT_PATH_MAX 256u

int pvh_fdt_platform(const struct pvh_fdt *fdt, struct pvh_fdt_platform *p, struct pvh_error *err);

/* Reserved ranges that are not to be mapped at all carry this flag in
 * st->raw (never in the normalised map): /reserved-memory children with
 * "no-map" (firmware carve-outs a speculative access must not reach)
 * and /memreserve/ entries. */
#define PVH_FDT_REGION_NO_MAP 0x100u

int pvh_fdt_read_memory(const struct pvh_fdt *fdt, struct pvh_boot_store *st,
                        struct pvh_error *err);

/* Modules: the initrd (linux,initrd-start/end, when start != end) is
 * module 0, then each "multiboot,module" child of /chosen in tree order
 * with its bootargs as cmdline. dtb_pa/dtb_size: where the blob lies,
 * which no module may overlap. */
int pvh_fdt_read_chosen(const struct pvh_fdt *fdt, struct pvh_boot_store *st, uint64_t dtb_pa,
                        struct pvh_error *err);

/*
 * One walk for arm64's start: what pvh_fdt_platform finds (an error in
 * the tree's structure is the only failure), st->raw as
 * pvh_fdt_read_memory fills it (its error kept for pvh_fdt_scan_memory),
 * where the /chosen nodes are (read by pvh_fdt_scan_chosen), and, when
 * cpus is given, what pvh_fdt_read_cpus(fdt, boot_hwid, cpus) gives (its
 * error in cpus_rc, cpus_err).
 */
struct pvh_fdt_scan {
    struct pvh_fdt_platform platform;
    int memory_rc;
    struct pvh_error memory_err;
    int cpus_rc;
    struct pvh_error cpus_err;
    /* Tokens from the first node named "chosen" (or "chosen/...") at the
     * top to the end of the last; chosen_end 0: none. */
    uint32_t chosen_begin, chosen_end;
    unsigned root_addr_cells, root_size_cells;
};

int pvh_fdt_scan(const struct pvh_fdt *fdt, struct pvh_boot_store *st, uint64_t boot_hwid,
                 struct pvh_fdt_cpus *cpus, struct pvh_fdt_scan *sc, struct pvh_error *err);
/* The end of pvh_fdt_read_memory: its error, or the /memreserve/ entries
 * added and RAM found. */
int pvh_fdt_scan_memory(const struct pvh_fdt *fdt, const struct pvh_fdt_scan *sc,
                        struct pvh_boot_store *st, struct pvh_error *err);
/* pvh_fdt_read_chosen, reading only the tokens of the /chosen nodes. */
int pvh_fdt_scan_chosen(const struct pvh_fdt *fdt, const struct pvh_fdt_scan *sc,
                        struct pvh_boot_store *st, uint64_t dtb_pa, struct pvh_error *err);

/*
 * The identity map's plan for memory (arm64 mmu.c), from st->raw: every
 * page of RAM is Normal memory, except the pages of ranges flagged
 * PVH_FDT_REGION_NO_MAP, which are not mapped at all; the pages of
 * [keep_base, keep_end) (the device tree, which a /memreserve/ entry
 * often covers) stay Normal all the same. Ranges are page-rounded
 * outwards, so a page that holds any byte of a no-map range is not
 * mapped. The result is sorted and disjoint; addresses that are
 * neither RAM nor a no-map range are not in it.
 */
enum pvh_map_kind {
    PVH_MAP_NORMAL, /* write-back cacheable */
    PVH_MAP_NONE,   /* not mapped */
};

struct pvh_map_range {
    uint64_t base, end; /* page-aligned, [base, end) */
    enum pvh_map_kind kind;
};

struct pvh_map_plan {
    struct pvh_map_range ranges[2 * PVH_MEMMAP_IN_MAX + 2];
    unsigned nr;
};

int pvh_fdt_map_plan(const struct pvh_region *raw, unsigned n, uint64_t keep_base,
                     uint64_t keep_end, struct pvh_map_plan *plan, struct pvh_error *err);

#endif
