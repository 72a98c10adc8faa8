/*
 * The x86 PVH start-of-day structures (Xen public ABI,
 * arch-x86/hvm/start_info.h): what a PVH loader leaves in memory and
 * passes to the guest in %ebx.
 *
 * All addresses are guest-physical. Zero in an address field means
 * "not present": the ABI promises nothing is ever loaded at address 0.
 * Every field is little endian and every structure is packed by nature
 * (no implicit padding), so the offsets below are the wire format.
 */
#ifndef XEN_START_INFO_H
#define XEN_START_INFO_H

#include <stdint.h>

/* "xEn3" with the top bit of the 'E' set. */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u

struct hvm_start_info {
    uint32_t magic;          /* XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;        /* 0: up to rsdp_paddr; 1: adds the memory map */
    uint32_t flags;          /* SIF_* below */
    uint32_t nr_modules;     /* entries in the module list */
    uint64_t modlist_paddr;  /* array of struct hvm_modlist_entry */
    uint64_t cmdline_paddr;  /* NUL-terminated ASCII command line */
    uint64_t rsdp_paddr;     /* ACPI RSDP, or 0 */
    /* version 1 and later */
    uint64_t memmap_paddr;   /* array of struct hvm_memmap_table_entry */
    uint32_t memmap_entries; /* entries in the memory map */
    uint32_t reserved;       /* must be zero */
};

/* How many bytes of struct hvm_start_info each version defines. */
#define HVM_START_INFO_V0_SIZE 40u
#define HVM_START_INFO_V1_SIZE 56u

struct hvm_modlist_entry {
    uint64_t paddr;         /* first byte of the module */
    uint64_t size;          /* bytes */
    uint64_t cmdline_paddr; /* NUL-terminated module command line, or 0 */
    uint64_t reserved;
};

struct hvm_memmap_table_entry {
    uint64_t addr;     /* first byte of the range */
    uint64_t size;     /* bytes */
    uint32_t type;     /* XEN_HVM_MEMMAP_TYPE_*, the e820 numbering */
    uint32_t reserved; /* must be zero */
};

/* Memory types of the PVH memory map: the same numbers as e820. */
#define XEN_HVM_MEMMAP_TYPE_RAM      1
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI     3
#define XEN_HVM_MEMMAP_TYPE_NVS      4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5
#define XEN_HVM_MEMMAP_TYPE_DISABLED 6
#define XEN_HVM_MEMMAP_TYPE_PMEM     7

/* start_info flags (shared with the PV start_info's SIF_* bits). */
#define SIF_PRIVILEGED      (1u << 0) /* the domain may use privileged hypercalls */
#define SIF_INITDOMAIN      (1u << 1) /* the domain is the initial domain (dom0) */
#define SIF_MULTIBOOT_MOD   (1u << 2) /* PV only: mod_start is a multiboot module list */
#define SIF_MOD_START_PFN   (1u << 3) /* PV only: mod_start is a frame number */
#define SIF_VIRT_P2M_4TOOLS (1u << 4) /* PV only: p2m is virtually mapped for tools */
#define SIF_PM_MASK         (0xffu << 8) /* PV only: power-management bits */

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info size");
_Static_assert(__builtin_offsetof(struct hvm_start_info, flags) == 8, "flags");
_Static_assert(__builtin_offsetof(struct hvm_start_info, nr_modules) == 12, "nr_modules");
_Static_assert(__builtin_offsetof(struct hvm_start_info, modlist_paddr) == 16, "modlist");
_Static_assert(__builtin_offsetof(struct hvm_start_info, cmdline_paddr) == 24, "cmdline");
_Static_assert(__builtin_offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp");
_Static_assert(__builtin_offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap");
_Static_assert(__builtin_offsetof(struct hvm_start_info, memmap_entries) == 48, "entries");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry size");
_Static_assert(__builtin_offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16, "mod cmdline");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry size");
_Static_assert(__builtin_offsetof(struct hvm_memmap_table_entry, type) == 16, "memmap type");

#endif
