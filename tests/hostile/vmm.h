/*
 * Replicas of two KVM-only VMMs' PVH hand-offs, run by the hostile
 * loader under QEMU (TCG) because these machines have no KVM:
 * Firecracker (vmm_firecracker.c) and Cloud Hypervisor
 * (vmm_cloud_hypervisor.c). Chosen by the loader's first cmdline word:
 *
 *   vmm=<name> mem=<MiB> [initrd=0x<addr>:<bytes>] [cpus=<boot>,<max>] [ends]
 *       -- <guest cmdline>
 *
 * (names: firecracker-1.12, firecracker-1.13, firecracker-1.16,
 * cloud-hypervisor-53).
 *
 * mem is the VMM's configured RAM; QEMU must be given the same -m.
 * cpus (Cloud Hypervisor's --cpus boot=,max=; default 1,1) sizes the
 * MADT the VMM writes; QEMU must be given -smp <boot>.
 * initrd is where the test had QEMU put the initrd (-device loader): the
 * replica moves it where the VMM puts its initrd. The image to boot is
 * QEMU's -initrd, loaded by the rules of rust-vmm's linux-loader
 * (vmm_linux_loader.c), which both VMMs use.
 *
 * Replicated byte for byte: the start info, module list, memory map and
 * cmdline at the VMM's addresses, the boot GDT and IDT, Firecracker's MP
 * table, the VMM's ACPI tables (of their DSDT's AML, the legacy devices
 * -- COM1, and Firecracker's other serial ports and i8042 --, Cloud
 * Hypervisor's \_S5 and Firecracker's virtio devices), the registers at
 * entry. Each
 * replica follows one released version of its VMM; they differ in their
 * maps, tables and cmdlines (vmm_firecracker.c).
 *
 * virtio-mmio devices: QEMU's microvm with acpi=off appends
 * " virtio_mmio.device=512@0x<base>:<irq>" to the loader's cmdline for
 * each transport that holds a device (after everything the test wrote,
 * so after the guest cmdline). Those trailing words are QEMU's, not the
 * guest's: the replica takes them off the guest cmdline and describes
 * each device as the VMM does (Firecracker: its own word on the cmdline
 * and a device in the DSDT, vmm_firecracker.c), at the address and
 * interrupt QEMU gave it. A replica of a VMM without virtio-mmio (Cloud
 * Hypervisor's disks are virtio-pci) refuses them.
 *
 * How each VMM ends a VM is the test's to model: with "ends" the replica
 * frees port 0x600 for Cloud Hypervisor's ACPI device (the test puts one
 * there), turning off the I/O space of QEMU's PIIX4 power management;
 * without it the PIIX4's PM timer stays at 0x608, where Cloud
 * Hypervisor has its own.
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
#define VMM_MMIO32_START  0xc0000000ull /* both (Firecracker from 1.13): RAM below 4 GiB ends at 3 GiB */
#define VMM_RAM_64BIT     0x100000000ull

#define VMM_MAP_MAX 8
#define VMM_MMIO_MAX 4

/* A virtio-mmio device as QEMU placed it: its register block and its
 * interrupt (an I/O APIC input). */
struct vmm_mmio {
    uint32_t base, irq;
};

/* What the test asked for (the loader's cmdline). */
struct vmm_request {
    uint64_t mem;                 /* bytes */
    uint32_t initrd_staged;       /* where QEMU put the initrd */
    uint32_t initrd_size;         /* 0: no initrd */
    unsigned cpus_boot, cpus_max; /* cpus=<boot>,<max>; 1,1 without it */
    bool ends;                    /* "ends": the test models how the VMM ends a VM */
    const char *cmdline;          /* the guest's, QEMU's virtio_mmio.device= words taken off */
    struct vmm_mmio mmio[VMM_MMIO_MAX]; /* the devices those words named, in their order */
    unsigned nr_mmio;
};

/* What one VMM (one release of it) does differently. */
struct vmm_replica {
    const char *name;             /* vmm=<name>: the VMM and its release */
    uint32_t cr0;                 /* CR0 at entry (PE, and ET for Firecracker) */
    uint64_t ram_32bit_end;       /* the RAM below 4 GiB ends here at most */
    uint32_t rsdp_at;             /* where the VMM writes its RSDP */
    bool rsdp_in_start_info;      /* rsdp_paddr = rsdp_at, or 0 */
    uint32_t ebda_pointer;        /* value of the BDA word at 0x40e (0: left zero) */
    uint32_t mptable_at;          /* where it writes its MP table (0: none replicated) */
    uint32_t cmdline_max;         /* its cmdline limit, the NUL included */
    const char *cmdline_tail;     /* what it appends to the user's cmdline ("": nothing) */
    /* Its cmdline word for a virtio-mmio device, appended after the tail
     * (into buf, room for VMM_MMIO_WORD_MAX bytes with the NUL); NULL:
     * the VMM has no virtio-mmio devices. */
    void (*mmio_word)(const struct vmm_mmio *d, char *buf);
    bool elf_refusal_is_bzimage;  /* a refused ELF is tried as a bzImage, whose error counts */
    bool owns_port_0x600;         /* its ACPI device is at 0x600: QEMU's PIIX4 moves out */
    /* The memory map, in the order the VMM writes it. */
    unsigned (*memmap)(uint64_t mem, struct hvm_memmap_table_entry *map);
    /* Write the VMM's ACPI tables, its RSDP at rsdp_at; free_from: the
     * first byte its allocator has left after the MP table. */
    void (*acpi)(const struct vmm_request *q, uint32_t free_from);
};

extern const struct vmm_replica vmm_firecracker_1_12, vmm_firecracker_1_13, vmm_firecracker_1_16,
    vmm_cloud_hypervisor_53;

#define VMM_MMIO_WORD_MAX 64

/* The replica named by the cmdline's first word "vmm=<name>", or NULL. */
const struct vmm_replica *vmm_find(const char *cmdline);

/* Boot the image under test as the replica's VMM would (vmm_boot.c);
 * cmdline is the loader's (QEMU's words are cut off its end). */
__attribute__((noreturn)) void vmm_boot(const struct vmm_replica *r, char *cmdline);

/* The guest RAM below 4 GiB of a VMM with mem bytes: [0, lowmem_end). */
static inline uint64_t vmm_lowmem_end(const struct vmm_replica *r, uint64_t mem)
{
    return mem < r->ram_32bit_end ? mem : r->ram_32bit_end;
}

/* linux-loader: load QEMU's module as an ELF64 kernel (vmm_linux_loader.c).
 * Refusals print "hostile: error: linux-loader: ..." and exit with
 * VMM_EXIT_REFUSED. Returns the PVH entry; sets M.image_lo/hi. */
uint32_t linux_loader_load(const struct vmm_replica *r, uint32_t base, uint32_t size,
                           uint64_t mem);

/* Firecracker's MP table for cpus vCPUs, to be written at at, into buf
 * (room for MPTABLE_MAX bytes); returns its size (vmm_mptable.c). */
#define MPTABLE_MAX 1024
uint32_t mptable_build(uint8_t *buf, uint32_t at, unsigned cpus);

/* Low memory as a VMM's guest has it: plain RAM, zero (vmm_low_memory.c). */
void low_memory_open(void);
void low_memory_zero(void);

/* Building a VMM's ACPI tables (vmm_acpi.c). A table is made in a buffer
 * of ACPI_TABLE_MAX bytes: acpi_header() zeroes len bytes and writes the
 * header (the checksum is acpi_place()'s); acpi_place() copies it to the
 * area's next free byte and returns where. */
#define ACPI_TABLE_MAX 2048
#define ACPI_RSDP_LEN 36u
struct acpi_ids {
    const char *oem_id;           /* 6 characters */
    uint32_t oem_revision;
    const char *creator_id;       /* 4 characters */
    const char *creator_revision; /* its 4 bytes as written */
};
struct acpi_area {
    uint32_t next, end;
};
void acpi_put(uint8_t *p, uint64_t v, unsigned bytes);
void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision,
                 const struct acpi_ids *ids, const char *table_id);
void acpi_gas(uint8_t *p, uint8_t space, uint8_t bits, uint8_t access_size, uint64_t address);
uint32_t acpi_place(struct acpi_area *a, uint8_t *t);
void acpi_rsdp(uint32_t at, const char *oem_id, uint64_t xsdt);

/* AML for the devices of a VMM's DSDT (vmm_aml.c), into buf: max bytes.
 * ints: how the VMM's AML crate writes an integer. A package is opened
 * (aml_device, aml_resources_open: returns where its body starts),
 * filled, then closed with the matching call, which writes its length. */
enum aml_ints {
    AML_INTS_PREFIXED,   /* Firecracker's acpi-tables: a u8 with BytePrefix, even 0 */
    AML_INTS_SHORTEST,   /* rust-vmm's acpi_tables: ZeroOp, OneOp, then the shortest prefix */
};
struct aml {
    uint8_t *buf;
    uint32_t len, max;
    enum aml_ints ints;
};
void aml_byte(struct aml *a, uint8_t b);
void aml_integer(struct aml *a, uint32_t v);
uint32_t aml_open(struct aml *a);
void aml_close(struct aml *a, uint32_t at);
uint32_t aml_device(struct aml *a, const char *name);
void aml_name(struct aml *a, const char *name);
void aml_string(struct aml *a, const char *s);
void aml_eisa_id(struct aml *a, const char *id);
void aml_method_return(struct aml *a, const char *name, uint32_t v);
uint32_t aml_resources_open(struct aml *a);
void aml_resources_close(struct aml *a, uint32_t at);
void aml_io(struct aml *a, uint16_t min, uint16_t max, uint8_t alignment, uint8_t length);
void aml_interrupt_edge_high(struct aml *a, uint32_t gsi);
uint32_t aml_device_seg(struct aml *a, const char *name);
void aml_dword(struct aml *a, uint32_t v);
void aml_one(struct aml *a);
void aml_memory32_fixed(struct aml *a, bool read_write, uint32_t base, uint32_t length);

/* QEMU's PIIX4 power management off port 0x600; the 8259s masked
 * (vmm_low_memory.c). */
void piix4_pm_io_off(void);
void legacy_irqs_off(void);

/* Enter the image: the GDT/IDT at VMM_BOOT_GDT/IDT already written
 * (vmm_enter.asm). */
__attribute__((noreturn)) void vmm_enter(uint32_t entry, uint32_t ebx, uint32_t cr0);

#endif
