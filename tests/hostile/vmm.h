/*
 * Replicas of two KVM-only VMMs' PVH hand-offs, run by the hostile
 * loader under QEMU (TCG) because these machines have no KVM:
 * Firecracker (vmm_firecracker.c) and Cloud Hypervisor
 * (vmm_cloud_hypervisor.c). Chosen by the loader's first cmdline word:
 *
 *   vmm=<firecracker|cloud-hypervisor> mem=<MiB> [initrd=0x<addr>:<bytes>]
 *       [cpus=<boot>,<max>] -- <guest cmdline>
 *
 * mem is the VMM's configured RAM; QEMU must be given the same -m.
 * cpus (Cloud Hypervisor's --cpus boot=,max=) replaces the host's MADT
 * with the one the VMM writes for them; QEMU must be given -smp <boot>.
 * initrd is where the test had QEMU put the initrd (-device loader): the
 * replica moves it where the VMM puts its initrd. The image to boot is
 * QEMU's -initrd, loaded by the rules of rust-vmm's linux-loader
 * (vmm_linux_loader.c), which both VMMs use.
 *
 * Replicated byte for byte: the start info, module list, memory map and
 * cmdline at the VMM's addresses, the boot GDT and IDT, Firecracker's MP
 * table, the registers at entry. The ACPI tables are the host's (QEMU's, through SeaBIOS), moved
 * to where the VMM keeps its own (vmm_acpi.c): a guest's ACPI poweroff
 * must work on the machine it really runs on.
 */
#ifndef HOSTILE_VMM_H
#define HOSTILE_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/start_info.h>

/* The VMM refused the image (linux-loader's checks): QEMU exits with
 * (0x7c << 1) | 1. Distinct from the loader's own failures. */
#define VMM_EXIT_REFUSED 0x7c

/* Addresses both VMMs share (their layout.rs). */
#define VMM_BOOT_GDT      0x500u   /* 4 descriptors: null, code, data, TSS */
#define VMM_BOOT_IDT      0x520u   /* one zero descriptor */
#define VMM_PVH_INFO      0x6000u  /* the start info; %ebx at entry */
#define VMM_MODLIST       0x6040u
#define VMM_MEMMAP        0x7000u
#define VMM_CMDLINE       0x20000u
#define VMM_HIMEM_START   0x100000u /* linux-loader's highmem_start: e_entry at or above */
#define VMM_MMIO32_START  0xc0000000ull /* both: RAM below 4 GiB ends at 3 GiB */
#define VMM_RAM_64BIT     0x100000000ull

#define VMM_MAP_MAX 8

/* What the test asked for (the loader's cmdline). */
struct vmm_request {
    uint64_t mem;                 /* bytes */
    uint32_t initrd_staged;       /* where QEMU put the initrd */
    uint32_t initrd_size;         /* 0: no initrd */
    unsigned cpus_boot, cpus_max; /* cpus=<boot>,<max>; max 0: the host's MADT */
    const char *cmdline;          /* the guest's */
};

/* What one VMM does differently. */
struct vmm_replica {
    const char *name;
    uint32_t cr0;                 /* CR0 at entry (PE, and ET for Firecracker) */
    uint32_t rsdp_at;             /* where the VMM writes its RSDP */
    uint32_t acpi_tables_at;      /* where its ACPI tables go */
    bool rsdp_in_start_info;      /* rsdp_paddr = rsdp_at, or 0 */
    uint32_t ebda_pointer;        /* value of the BDA word at 0x40e (0: left zero) */
    uint32_t mptable_at;          /* where it writes its MP table (0: none replicated) */
    uint32_t cmdline_max;         /* its cmdline limit, the NUL included */
    /* The memory map, in the order the VMM writes it. */
    unsigned (*memmap)(uint64_t mem, struct hvm_memmap_table_entry *map);
    /* The VMM's own MADT for boot of max vCPUs, into buf (room for
     * MADT_MAX bytes); returns its length. NULL: not replicated. */
    uint32_t (*madt)(uint8_t *buf, unsigned boot, unsigned max);
};
#define MADT_MAX 2048

extern const struct vmm_replica vmm_firecracker, vmm_cloud_hypervisor;

/* The replica named by the cmdline's first word "vmm=<name>", or NULL. */
const struct vmm_replica *vmm_find(const char *cmdline);

/* Boot the image under test as the replica's VMM would (vmm_boot.c). */
__attribute__((noreturn)) void vmm_boot(const struct vmm_replica *r, const char *cmdline);

/* The guest RAM below 4 GiB of a VMM with mem bytes: [0, lowmem_end). */
static inline uint64_t vmm_lowmem_end(uint64_t mem)
{
    return mem < VMM_MMIO32_START ? mem : VMM_MMIO32_START;
}

/* linux-loader: load QEMU's module as an ELF64 kernel (vmm_linux_loader.c).
 * Refusals print "hostile: error: linux-loader: ..." and exit with
 * VMM_EXIT_REFUSED. Returns the PVH entry; sets M.image_lo/hi. */
uint32_t linux_loader_load(uint32_t base, uint32_t size, uint64_t mem);

/* Firecracker's MP table for cpus vCPUs, to be written at at, into buf
 * (room for MPTABLE_MAX bytes); returns its size (vmm_mptable.c). */
#define MPTABLE_MAX 1024
uint32_t mptable_build(uint8_t *buf, uint32_t at, unsigned cpus);

/* Low memory as a VMM's guest has it: plain RAM, zero (vmm_low_memory.c). */
void low_memory_open(void);
void low_memory_zero(void);

/* The host's ACPI tables moved under an RSDP at rsdp_at (vmm_acpi.c).
 * acpi_take_host() copies QEMU's RSDP before low memory is cleared.
 * madt (madt_len bytes; NULL: none) takes the place of the host's MADT. */
void acpi_take_host(void);
void acpi_relocate(uint32_t rsdp_at, uint32_t tables_at, const uint8_t *madt, uint32_t madt_len);

/* Enter the image: the GDT/IDT at VMM_BOOT_GDT/IDT already written
 * (vmm_enter.asm). */
__attribute__((noreturn)) void vmm_enter(uint32_t entry, uint32_t ebx, uint32_t cr0);

#endif
