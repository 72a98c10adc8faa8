/*
 * From a device tree to the boot description (arm64, and any loader
 * that hands over a DTB). In the order the steps run:
 *   1. pvh_fdt_platform    what the machine set-up needs first: the
 *                          console UART, the PSCI conduit, /hypervisor;
 *   2. pvh_fdt_read_memory the /memory nodes as RAM, the /memreserve/
 *                          entries and /reserved-memory children as
 *                          reserved, into st->raw;
 *   3. pvh_boot_set_memmap (common/boot_store.h) normalises them;
 *   4. pvh_fdt_read_chosen the cmdline, the initrd and the multiboot
 *                          modules of /chosen, each checked against the map.
 * The blob must have been opened with pvh_fdt_open; every walk checks
 * the structure again as it goes.
 */
#ifndef PVH_COMMON_FDT_BOOT_H
#define PVH_COMMON_FDT_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/boot_store.h"
#include "common/error.h"
#include "common/fdt.h"

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

int pvh_fdt_read_memory(const struct pvh_fdt *fdt, struct pvh_boot_store *st,
                        struct pvh_error *err);

/* Modules: the initrd (linux,initrd-start/end, when start != end) is
 * module 0, then each "multiboot,module" child of /chosen in tree order
 * with its bootargs as cmdline. dtb_pa/dtb_size: where the blob lies,
 * which no module may overlap. */
int pvh_fdt_read_chosen(const struct pvh_fdt *fdt, struct pvh_boot_store *st, uint64_t dtb_pa,
                        struct pvh_error *err);

#endif
