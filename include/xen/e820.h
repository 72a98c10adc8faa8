/*
 * e820 memory types, as the PC BIOS INT 15h/E820 interface, the PVH
 * memory map, XENMEM_memory_map and the Linux zero page all number them.
 */
#ifndef XEN_E820_H
#define XEN_E820_H

#define E820_TYPE_RAM       1  /* usable RAM */
#define E820_TYPE_RESERVED  2  /* do not use: firmware, MMIO, holes */
#define E820_TYPE_ACPI      3  /* ACPI tables, reclaimable after they are read */
#define E820_TYPE_NVS       4  /* ACPI non-volatile storage, must be preserved */
#define E820_TYPE_UNUSABLE  5  /* broken RAM; under Xen: host RAM the domain does not own */
#define E820_TYPE_DISABLED  6  /* not enabled (ACPI 6 "disabled memory") */
#define E820_TYPE_PMEM      7  /* persistent memory (ACPI 6) */
#define E820_TYPE_PRAM     12  /* legacy persistent RAM, pre-ACPI-6 tooling */

#endif
