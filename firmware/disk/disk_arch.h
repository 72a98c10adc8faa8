/*
 * What the disk code needs from the architecture (firmware/disk/x86/,
 * firmware/disk/arm64/; a host unit test provides its own): device
 * registers mapped, a clock for bounded waits, the barrier between
 * memory the device reads and its registers, and x86's PCI ports.
 */
#ifndef PVH_FIRMWARE_DISK_DISK_ARCH_H
#define PVH_FIRMWARE_DISK_DISK_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/* [pa, pa + len) mapped as device registers (uncached), identity: the
 * pointer, or NULL when it cannot be mapped. */
volatile void *pvh_disk_map_mmio(uint64_t pa, uint64_t len);
/* A free-running counter, and at least how many of its ticks make a
 * millisecond (a wait computed with it is never shorter than meant). */
uint64_t pvh_disk_ticks(void);
uint64_t pvh_disk_ticks_per_ms(void);
/* Full barrier: memory written before is visible to a device before a
 * register write after; a device's writes seen before are read after. */
void pvh_disk_mb(void);
/* How PCI configuration space is read: arm64 through the host bridge's
 * ECAM; x86 through the ACPI MCFG's ECAM when it has a good one, else
 * through configuration mechanism #1 (ports 0xcf8/0xcfc: pc, microvm,
 * and virtio's registers lie in the first 256 bytes). A constant, so
 * arm64 links no port access. */
#if defined(__x86_64__)
#define PVH_DISK_PCI_PORTS 1
#else
#define PVH_DISK_PCI_PORTS 0
#endif
#define PVH_PCI_CONFIG_ADDRESS 0xcf8 /* the ports (x86) */
#define PVH_PCI_CONFIG_DATA    0xcfc
#define PVH_PCI_CFG_ENABLE     0x80000000u /* bit 31 of a port address */
uint32_t pvh_disk_pci_port_read32(uint32_t addr);
void pvh_disk_pci_port_write32(uint32_t addr, uint32_t value);
/* The memory map the firmware will place the kernel with, where the disk
 * path claims the RAM it loads the entry's files into: on x86 a copy of
 * boot's (the firmware plans with the boot description it is handed), on
 * arm64 the boot store's own (its firmware places the Image with that). */
struct pvh_boot;
struct pvh_memmap;
struct pvh_memmap *pvh_disk_memmap(const struct pvh_boot *boot);
/* The entry's devicetree, read to [pa, pa + size): on arm64, checked
 * (magic, its totalsize within size) and made the tree the firmware
 * gives the kernel (with its own /chosen); x86 kernels take none, and it
 * is left out with a line. Returns PVH_OK or an error naming why. */
struct pvh_error;
int pvh_disk_devicetree(uint64_t pa, uint64_t size, struct pvh_error *err);

#endif
