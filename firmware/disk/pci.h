/*
 * PCI, as much as finding virtio devices takes: configuration space
 * through ECAM (arm64: the device tree's host bridge; x86: the ACPI
 * MCFG's, mcfg.h) or, on x86 without one, ports 0xcf8/0xcfc
 * (disk_arch.h); a scan of bus 0; memory BARs read, and assigned
 * from a window when the platform left them 0 (no firmware ran: arm64's
 * virt), with memory decoding and bus mastering turned on.
 */
#ifndef PVH_FIRMWARE_DISK_PCI_H
#define PVH_FIRMWARE_DISK_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"

struct pvh_disk_list;

/* Where BARs left unassigned are put: PCI addresses [next, end), seen by
 * the CPU at cpu_offset higher. end 0: no window, an unassigned BAR is
 * an error. */
struct pvh_pci_window {
    uint64_t next, end, cpu_offset;
};

struct pvh_pci {
    uint64_t ecam;  /* physical base of bus 0's configuration space (x86: 0 for the ports) */
    struct pvh_pci_window window32, window64;
};

struct pvh_pci_fn {
    const struct pvh_pci *pci;
    uint8_t bus, dev, fn;
};

uint32_t pvh_pci_read32(const struct pvh_pci_fn *f, unsigned off);
void pvh_pci_write32(const struct pvh_pci_fn *f, unsigned off, uint32_t v);
/* Memory BAR bar of f: its CPU address (assigned now if it was 0) and
 * size; memory decoding on. An error for an I/O BAR or no room. */
int pvh_pci_bar(struct pvh_pci *pci, const struct pvh_pci_fn *f, unsigned bar, uint64_t *addr,
                uint64_t *size, struct pvh_error *err);
/* virtio_pci.c: scan bus 0; each virtio block device (vendor 0x1af4,
 * device 0x1042, or the transitional 0x1001 with the modern
 * capabilities) is added to list. */
int pvh_virtio_pci_scan(struct pvh_pci *pci, struct pvh_disk_list *list, struct pvh_error *err);

#endif
