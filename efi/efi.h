/*
 * pvhboot.efi: a UEFI application (gnu-efi) that loads a PVH kernel,
 * leaves the firmware and enters the kernel as a PVH loader would.
 *
 * The steps, in main.c's order: what to boot (load options or the
 * config file), the kernel's segments (firmware/elf.c, as the firmware
 * checks them), the modules, the start info, the final memory map and
 * ExitBootServices, then the trampoline into 32-bit protected mode.
 * Until ExitBootServices every error is printed on the EFI console and
 * returned to the firmware as an EFI status; nothing hangs.
 *
 * Internal interface of efi/: not stable.
 */
#ifndef PVH_EFI_EFI_H
#define PVH_EFI_EFI_H

#include <efi.h>

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/console.h>
#include <xen/start_info.h>

#include "firmware/elf.h"
#include "common/boot/memmap.h"
#include "efi/config.h"

/* Memory types gnu-efi 3.0.15 does not name (UEFI 2.5 and 2.9). */
#define PVH_EFI_PERSISTENT_MEMORY 14
#define PVH_EFI_UNACCEPTED_MEMORY 15

#define PVH_EFI_PAGE 4096u
#define PVH_EFI_PAGES(bytes) (((bytes) + PVH_EFI_PAGE - 1) / PVH_EFI_PAGE)
#define PVH_EFI_4GIB (1ull << 32)
/* Linux 6.1's PVH entry reads the start info, module list and memory map
 * while its early page tables cover only the first GiB. */
#define PVH_EFI_START_INFO_LIMIT (1ull << 30)

#define PVH_EFI_PATH_MAX 256   /* characters of a file path, NUL included */
#define PVH_EFI_MAX_LIVE 48    /* buffers that must survive until the kernel runs */
#define PVH_EFI_MAX_ALLOCS 128 /* allocations recorded, to be given back on failure */

/* A range of physical memory pvhboot.efi owns and the kernel's moves
 * must not touch: the trampoline page, the start info, modules, staged
 * segments. */
struct pvh_efi_live {
    uint64_t base, end;
    const char *what;
};

/* A kernel range that lies in boot-services memory: staged now, moved
 * into place by the trampoline once the firmware is gone. */
struct pvh_efi_move {
    uint64_t dst, src, size;
};

/* Pages (pages > 0) or pool memory (pages == 0) from the firmware. */
struct pvh_efi_allocation {
    uint64_t base;
    UINTN pages;
};

struct pvh_efi {
    EFI_HANDLE image;
    EFI_SYSTEM_TABLE *st;
    EFI_BOOT_SERVICES *bs;
    EFI_LOADED_IMAGE *loaded;
    EFI_FILE_HANDLE root;              /* the volume pvhboot.efi was loaded from */
    char dir[PVH_EFI_PATH_MAX];        /* its directory: "\EFI\BOOT" ("" for the root) */
    struct pvh_efi_config cfg;

    struct pvh_elf elf;
    struct pvh_efi_move moves[PVH_ELF_MAX_LOADS];
    unsigned nr_moves;
    struct pvh_efi_live live[PVH_EFI_MAX_LIVE];
    unsigned nr_live;
    struct pvh_efi_allocation allocs[PVH_EFI_MAX_ALLOCS];
    unsigned nr_allocs;

    struct { uint64_t base, size; } modules[PVH_EFI_MAX_MODULES];
    uint64_t rsdp;
};

/* console.c: lines on the EFI console (ConOut). */
void pvh_efi_console_init(EFI_SYSTEM_TABLE *st);
void pvh_efi_info(const char *fmt, ...) PVH_PRINTF(1, 2);      /* "pvhboot: efi: ..." */
/* "pvhboot: error: ...", then returns status: `return pvh_efi_fail(st, ...);` */
EFI_STATUS pvh_efi_fail(EFI_STATUS status, const char *fmt, ...) PVH_PRINTF(2, 3);
const char *pvh_efi_status_name(EFI_STATUS status);

/* load_options.c: the text of the load options, "" when there is none. */
EFI_STATUS pvh_efi_load_options(struct pvh_efi *e, char **text, size_t *len);

/* file.c: the boot volume and whole files from it. */
EFI_STATUS pvh_efi_open_volume(struct pvh_efi *e);
/* Read the file at path (absolute from the volume's root when it starts
 * with '\' or '/', else relative to pvhboot.efi's directory) into pages
 * of type EfiLoaderData below max_addr + 1 (max_addr 0: anywhere). */
EFI_STATUS pvh_efi_read_file(struct pvh_efi *e, const char *what, const char *path,
                             uint64_t max_addr, uint8_t **data, uint64_t *size);
/* The same, or EFI_NOT_FOUND without a message when it does not exist. */
EFI_STATUS pvh_efi_read_optional(struct pvh_efi *e, const char *what, const char *path,
                                 uint64_t max_addr, uint8_t **data, uint64_t *size);

/* memory.c: allocations (recorded: a failure gives them all back), and
 * the live list. pvh_efi_alloc: pages of type below max_addr + 1
 * (max_addr 0: anywhere), a message on failure. pvh_efi_alloc_at:
 * EfiLoaderData pages at base, no message. pvh_efi_pool: pool memory
 * (EfiLoaderData), a message on failure. */
EFI_STATUS pvh_efi_alloc(struct pvh_efi *e, const char *what, EFI_MEMORY_TYPE type,
                         uint64_t size, uint64_t max_addr, uint64_t *base);
EFI_STATUS pvh_efi_alloc_at(struct pvh_efi *e, const char *what, uint64_t base, uint64_t size);
EFI_STATUS pvh_efi_pool(struct pvh_efi *e, const char *what, uint64_t size, void **p);
void pvh_efi_free(struct pvh_efi *e, const void *p);
void pvh_efi_free_all(struct pvh_efi *e);
EFI_STATUS pvh_efi_add_live(struct pvh_efi *e, uint64_t base, uint64_t size, const char *what);

/* memmap.c: the EFI memory map and its translation into e820 types. */
struct pvh_efi_map {
    uint8_t *buf;
    UINTN cap;        /* bytes of buf */
    UINTN size;       /* bytes GetMemoryMap filled */
    UINTN key;
    UINTN desc_size;
    UINT32 desc_version;
};
EFI_STATUS pvh_efi_map_alloc(struct pvh_efi *e, struct pvh_efi_map *m, unsigned spare);
EFI_STATUS pvh_efi_map_read(struct pvh_efi *e, struct pvh_efi_map *m); /* allocates nothing */
unsigned pvh_efi_map_count(const struct pvh_efi_map *m);
const EFI_MEMORY_DESCRIPTOR *pvh_efi_map_at(const struct pvh_efi_map *m, unsigned i);
const char *pvh_efi_type_name(uint32_t type);
/* The e820 type of EFI memory after ExitBootServices (E820_TYPE_RAM:
 * the kernel may use it). */
uint32_t pvh_efi_e820_type(uint32_t type, uint64_t attribute);
/* Working space to turn a map of up to cap_in entries into e820 regions. */
struct pvh_efi_translation {
    struct pvh_region *in;
    unsigned cap_in;
    struct pvh_memmap out;       /* the result: sorted, merged */
    struct pvh_memmap_scratch *scratch;
};
EFI_STATUS pvh_efi_translation_alloc(struct pvh_efi *e, struct pvh_efi_translation *t,
                                     unsigned entries);
int pvh_efi_map_translate(const struct pvh_efi_map *m, struct pvh_efi_translation *t,
                          struct pvh_error *err);

/* kernel.c: the PVH ELF, checked and placed. */
EFI_STATUS pvh_efi_load_kernel(struct pvh_efi *e);

/* reloc.c: a kernel with XEN_ELFNOTE_PHYS32_RELOC whose link addresses
 * are not all free pages moved (e->elf's segments and entry) to the
 * lowest aligned free place in its window; left as it is when none fits
 * (one line), and always without the note. */
EFI_STATUS pvh_efi_place_reloc(struct pvh_efi *e, const char *path);

/* modules.c: the modules, below 4 GiB. */
EFI_STATUS pvh_efi_load_modules(struct pvh_efi *e);

/* rsdp.c: the ACPI RSDP from the configuration table. */
void pvh_efi_find_rsdp(struct pvh_efi *e);

/* start_info.c: the start info (version 1) below 1 GiB; the memory map
 * is filled in at the end, from the final EFI memory map. */
struct pvh_efi_start_info {
    uint64_t base, size;
    struct hvm_start_info *si;
    struct hvm_memmap_table_entry *memmap;
    unsigned memmap_cap;
};
EFI_STATUS pvh_efi_start_info_build(struct pvh_efi *e, unsigned memmap_cap,
                                    struct pvh_efi_start_info *out);
void pvh_efi_start_info_set_memmap(struct pvh_efi_start_info *s, const struct pvh_memmap *map);

/* handoff.c: the trampoline's page below 4 GiB, then the jump to it. */
EFI_STATUS pvh_efi_handoff_prepare(struct pvh_efi *e, uint64_t *page);
void pvh_efi_handoff(uint64_t page, uint64_t start_info) __attribute__((noreturn));

/* exit.c: the final memory map, ExitBootServices, the jump. Returns
 * only on failure. */
EFI_STATUS pvh_efi_boot(struct pvh_efi *e);

#endif
