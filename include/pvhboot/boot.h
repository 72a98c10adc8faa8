/*
 * pvhboot's boot description: what a unikernel linked with pvhboot
 * receives in pvh_main().
 *
 * Everything here was copied out of the loader's memory and checked
 * before pvh_main() runs; the pointers point into memory pvhboot owns
 * and stay valid for the life of the program. The structure is
 * read-only to the unikernel.
 *
 * Stability: this interface is young. Fields may be added at the end
 * of each structure; existing fields keep their meaning.
 */
#ifndef PVHBOOT_BOOT_H
#define PVHBOOT_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Limits of what pvhboot accepts from a loader. More is refused with an error. */
#define PVH_CMDLINE_MAX        65536u /* bytes of the command line, without its NUL */
#define PVH_MODULES_MAX          128u /* modules */
#define PVH_MODULE_CMDLINE_MAX  4096u /* bytes of one module's command line */
#define PVH_MODULE_CMDLINES_ALL 65536u /* bytes of all module command lines, with NULs */
#define PVH_MEMMAP_IN_MAX       1024u /* entries of the loader's memory map */
/* The normalised map: every input entry can split one region in two,
 * plus pvhboot's own regions and the pages it allocates. */
#define PVH_MEMMAP_MAX (2u * PVH_MEMMAP_IN_MAX + 16u)

/* What a module is compressed with, told from its first bytes (Xen 4.20
 * on hands modules over as they are; pvhboot decompresses nothing). */
enum pvh_compression {
    PVH_COMPRESSION_NONE,  /* no magic of the ones below */
    PVH_COMPRESSION_GZIP,  /* 1f 8b */
    PVH_COMPRESSION_XZ,    /* fd 37 7a 58 5a 00 */
    PVH_COMPRESSION_ZSTD,  /* 28 b5 2f fd */
    PVH_COMPRESSION_LZ4,   /* 02 21 4c 18 (legacy) or 04 22 4d 18 (frame) */
    PVH_COMPRESSION_BZIP2, /* "BZh" */
    PVH_COMPRESSION_LZMA,  /* 5d 00 00 (.lzma) */
    PVH_COMPRESSION_LZO,   /* 89 "LZO" 00 0d 0a 1a 0a (lzop) */
};

struct pvh_module {
    uint64_t base;        /* physical address of the first byte */
    uint64_t size;        /* bytes */
    const char *cmdline;  /* never NULL; "" when the loader gave none */
    enum pvh_compression compression;
};

/* Region types: the e820 numbers, as loaders give them (also in
 * <pvhboot/xen/e820.h> as E820_TYPE_*, which a unikernel need not include). */
#define PVH_MEM_RAM      1u
#define PVH_MEM_RESERVED 2u
#define PVH_MEM_ACPI     3u /* ACPI tables, reclaimable once read */
#define PVH_MEM_NVS      4u /* ACPI non-volatile storage: keep */
#define PVH_MEM_UNUSABLE 5u
#define PVH_MEM_DISABLED 6u
#define PVH_MEM_PMEM     7u /* persistent memory */

/* Region flags: who uses a RAM region. RAM with neither flag is free for
 * the program (pvh_free_ram() walks it). */
#define PVH_REGION_PVHBOOT 0x1u /* pvhboot's image, stack, page tables, boot copies */
#define PVH_REGION_MODULE  0x2u /* a loader module's bytes (whole pages) */

struct pvh_region {
    uint64_t base;  /* page-aligned for RAM */
    uint64_t size;  /* bytes, never 0 */
    uint32_t type;  /* PVH_MEM_*; unknown types are kept and treated as reserved */
    uint32_t flags; /* PVH_REGION_* */
};

/* A CPU the platform offers (x86: a MADT local APIC or x2APIC entry
 * that is enabled, not one only online-capable, which is a CPU that may
 * be hot-added; arm64: a /cpus node). */
struct pvh_cpu {
    uint64_t hwid;     /* x86: APIC ID; arm64: MPIDR affinity bits (Aff3..Aff0) */
    uint32_t acpi_id;  /* x86: ACPI processor UID (under Xen, the vCPU ID); arm64: 0 */
    uint32_t flags;    /* PVH_CPU_* */
};
#define PVH_CPU_BOOT 0x1u /* the CPU that runs pvh_main(): cpus[0] */

enum pvh_loader {
    PVH_LOADER_PVH_V0, /* x86 start info version 0: no memory map */
    PVH_LOADER_PVH_V1, /* x86 start info version 1 or later */
    PVH_LOADER_FDT,    /* arm64: a flattened device tree */
};

enum pvh_hv_kind {
    PVH_HV_NONE,  /* bare metal, or a hypervisor that does not say */
    PVH_HV_XEN,
    PVH_HV_KVM,
    PVH_HV_TCG,   /* QEMU's software emulation */
    PVH_HV_OTHER, /* identified by signature: see signature[] */
};

/* XENVER_get_features submaps pvhboot asks for (Xen 4.17 answers one). */
#define PVH_XENFEAT_SUBMAPS 4u

struct pvh_hypervisor {
    enum pvh_hv_kind kind;
    char signature[13];       /* the CPUID signature, NUL-terminated ("" if none) */
    const char *name;         /* "xen", "kvm", "tcg", "hyperv", ..., "none" */
    uint32_t cpuid_base;      /* x86: the leaf the signature was found at */
    uint32_t version_major;   /* Xen: from CPUID (x86), then XENVER_version */
    uint32_t version_minor;

    /* Xen only, filled once hypercalls work: */
    char xen_extraversion[16];               /* XENVER_extraversion, e.g. ".7" */
    uint32_t xen_features[PVH_XENFEAT_SUBMAPS]; /* XENVER_get_features, per submap */
    unsigned xen_feature_submaps;            /* how many submaps Xen answered */
    const char *xen_hypercall;               /* "vmcall", "vmmcall", "page", "hvc" */
};

/* Where boot->rsdp came from. */
enum pvh_rsdp_source {
    PVH_RSDP_NONE,      /* no RSDP: rsdp is 0 */
    PVH_RSDP_LOADER,    /* the loader's start info */
    PVH_RSDP_EBDA,      /* found in the first KiB of the Extended BIOS Data Area */
    PVH_RSDP_BIOS_AREA, /* found in the BIOS area 0xe0000-0xfffff */
};

struct pvh_boot {
    enum pvh_loader loader;
    uint32_t loader_version;  /* start info version as given by the loader */
    uint32_t start_flags;     /* x86: start info SIF_* flags */

    const char *cmdline;      /* never NULL; "" when none */
    size_t cmdline_len;       /* strlen(cmdline) */

    const struct pvh_module *modules;
    unsigned nr_modules;

    /* Sorted, non-overlapping, RAM page-aligned; pvhboot's own memory and
     * the modules' pages flagged (PVH_REGION_*). */
    const struct pvh_region *memmap;
    unsigned nr_memmap;

    uint64_t rsdp;            /* x86: physical address of the ACPI RSDP, or 0 */
    uint64_t fdt;             /* arm64: physical address of the device tree, or 0 */

    struct pvh_hypervisor hv;

    uint64_t self_base;       /* pvhboot's own image, stack and tables: first byte */
    uint64_t self_end;        /* ... and one past the last */

    enum pvh_rsdp_source rsdp_source; /* x86: where rsdp came from */

    /* The CPUs pvhboot can run (include/pvhboot/cpu.h), the boot CPU
     * first; never fewer than 1. */
    const struct pvh_cpu *cpus;
    unsigned nr_cpus;
    const char *cpus_source;  /* "madt", "fdt", "none" (only the boot CPU known) */
};

/* The unikernel's C entry. Returning from it powers the machine off. */
void pvh_main(const struct pvh_boot *boot);

/* Bytes of RAM in the memory map, pvhboot's own memory included. */
uint64_t pvh_boot_ram_total(const struct pvh_boot *boot);

/*
 * The free RAM, one run at a time, in ascending order: RAM that neither
 * pvhboot nor a module uses, without page 0 (left unmapped, so that NULL
 * faults). Every byte of a run is mapped read-write. Start with *i = 0;
 * each call sets *base and *size to the next run and returns true, then
 * false when there is none left:
 *
 *     unsigned i = 0;
 *     uint64_t base, size;
 *     while (pvh_free_ram(boot, &i, &base, &size))
 *         add_to_my_allocator(base, size);
 */
bool pvh_free_ram(const struct pvh_boot *boot, unsigned *i, uint64_t *base, uint64_t *size);

/* "ram", "reserved", "acpi", "nvs", "unusable", "pmem"; NULL for others. */
const char *pvh_memtype_name(uint32_t type);

/* "gzip", "xz", "zstd", "lz4", "bzip2", "lzma", "lzo"; NULL for none. */
const char *pvh_compression_name(enum pvh_compression compression);

/* "start info", "EBDA", "BIOS area"; "none". */
const char *pvh_rsdp_source_name(enum pvh_rsdp_source source);

/* "pvh-v0", "pvh-v1", "fdt". */
const char *pvh_loader_name(enum pvh_loader loader);

/* The architecture's name: "x86_64" or "arm64". */
const char *pvh_arch_name(void);

#endif
