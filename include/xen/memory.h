/* HYPERVISOR_memory_op: the guest's memory map (Xen public ABI, memory.h). */
#ifndef XEN_MEMORY_H
#define XEN_MEMORY_H

#include <stdint.h>

#define XENMEM_memory_map         9 /* the calling domain's pseudo-physical e820 map */
#define XENMEM_machine_memory_map 10 /* the host's map: PV dom0 only (-ENOSYS for PVH) */

/* x86_64 layout: the guest handle is a pointer, 8-byte aligned. */
struct xen_memory_map {
    uint32_t nr_entries; /* IN: entries buffer has room for; OUT: entries written */
    uint32_t pad;
    uint64_t buffer;     /* guest address of struct xen_e820_entry[nr_entries] */
};
_Static_assert(sizeof(struct xen_memory_map) == 16, "xen_memory_map size");

/* One entry as XENMEM_memory_map writes it: the BIOS e820 layout, packed. */
struct xen_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type; /* E820_TYPE_* (include/xen/e820.h) */
} __attribute__((packed));
_Static_assert(sizeof(struct xen_e820_entry) == 20, "e820 entry size");

#endif
