/*
 * Booting a Multiboot 1 or 2 kernel: loaded by the header's addresses
 * (the a.out kludge, or the address tag) or as an ELF; the boot
 * information built in the layout of its version (memory map, cmdline,
 * modules with their cmdlines below 4 GiB, the boot loader's name, and
 * for Multiboot 2 the ACPI RSDP); entered in 32-bit protected mode with
 * paging off, %eax holding the boot loader magic and %ebx the information.
 */
#include "firmware/x86/handoff.h"

#include <pvhboot/console.h>
#include <xen/e820.h>

#include "arch/x86/arch.h"
#include "arch/x86/x86.h"
#include "common/lib/bytes.h"
#include "common/lib/compiler.h"
#include "common/lib/string.h"

#define LOADER_NAME "pvhboot 0.1.0"
#define DEFAULT_KERNEL_NAME "kernel"

/* Multiboot loaders (GRUB, QEMU) start the cmdline with the kernel's file
 * name, and kernels rely on it: Xen drops the first word. Ours is the
 * first word of the payload's own cmdline (a module's, or the name
 * pvhboot-pack recorded), else "kernel". */
static char mb_cmdline[PVH_CMDLINE_MAX + PVH_MODULE_CMDLINE_MAX + 2] PVH_LATE;

static int make_cmdline(const struct pvh_fw *fw, struct pvh_error *err)
{
    const char *name = fw->payload.cmdline;
    size_t name_len = 0, len = strlen(fw->cmdline);

    while (*name == ' ')
        name++;
    while (name[name_len] && name[name_len] != ' ')
        name_len++;
    if (!name_len) {
        name = DEFAULT_KERNEL_NAME;
        name_len = sizeof(DEFAULT_KERNEL_NAME) - 1;
    }
    if (name_len + 1 + len + 1 > sizeof(mb_cmdline))
        return pvh_fail(err, PVH_E2BIG, "multiboot: cmdline too long");
    memcpy(mb_cmdline, name, name_len);
    mb_cmdline[name_len] = len ? ' ' : '\0';
    memcpy(mb_cmdline + name_len + 1, fw->cmdline, len + 1);
    return PVH_OK;
}

/* Multiboot 1 information: flags and field offsets (spec 0.6.96, 3.3). */
#define MBI_MEMORY     (1u << 0)
#define MBI_CMDLINE    (1u << 2)
#define MBI_MODS       (1u << 3)
#define MBI_MEM_MAP    (1u << 6)
#define MBI_LOADER_NAME (1u << 9)
#define MBI_SIZE       116 /* through the framebuffer fields, which stay zero */
#define MBI_OFF_MEM_LOWER 4
#define MBI_OFF_MEM_UPPER 8
#define MBI_OFF_CMDLINE 16
#define MBI_OFF_MODS_COUNT 20
#define MBI_OFF_MODS_ADDR 24
#define MBI_OFF_MMAP_LENGTH 44
#define MBI_OFF_MMAP_ADDR 48
#define MBI_OFF_LOADER_NAME 64
#define MB1_MMAP_ENTRY_SIZE 20 /* the "size" field: the entry's bytes after it */

/* Multiboot 2 information tags (spec 2.0, 3.6). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_MMAP_ENTRY_SIZE 24

#define RSDP_V1_SIZE 20
#define RSDP_V2_MIN 36
#define RSDP_V2_MAX 64 /* revisions so far define 36; anything past this is garbage */

/* RAM below 640 KiB from 0, and RAM contiguous from 1 MiB, in KiB. */
static void legacy_memory(const struct pvh_region *map, unsigned n, uint32_t *lower,
                          uint32_t *upper)
{
    uint64_t low_end = 0, up_end = 0x100000;
    unsigned i;

    for (i = 0; i < n; i++) {
        if (map[i].type != E820_TYPE_RAM)
            continue;
        if (map[i].base <= low_end && map[i].base + map[i].size > low_end)
            low_end = map[i].base + map[i].size;
        if (map[i].base <= up_end && map[i].base + map[i].size > up_end)
            up_end = map[i].base + map[i].size;
    }
    if (low_end > 640 * 1024)
        low_end = 640 * 1024;
    if (up_end > 0x100000000ull + 0x100000)
        up_end = 0x100000000ull + 0x100000; /* the field is 32 bits of KiB */
    *lower = (uint32_t)(low_end / 1024);
    *upper = (uint32_t)((up_end - 0x100000) / 1024);
}

static void put_string(struct x86_writer *w, const char *s)
{
    x86_put(w, s, strlen(s) + 1);
}

/* Multiboot 1: the info structure, then modules, memory map and strings. */
static void write_mb1(const struct pvh_fw *fw, struct x86_writer *w, const struct pvh_region *map,
                      unsigned n)
{
    uint32_t info[MBI_SIZE / 4] = { 0 };
    uint32_t mods = (uint32_t)((w->pa + MBI_SIZE + 15) & ~15ull);
    uint32_t mmap = mods + 16 * fw->nr_mods;
    uint32_t strings = mmap + n * (4 + MB1_MMAP_ENTRY_SIZE);
    unsigned i;

    info[0] = MBI_MEMORY | MBI_CMDLINE | MBI_MEM_MAP | MBI_LOADER_NAME |
              (fw->nr_mods ? MBI_MODS : 0);
    legacy_memory(map, n, &info[MBI_OFF_MEM_LOWER / 4], &info[MBI_OFF_MEM_UPPER / 4]);
    info[MBI_OFF_CMDLINE / 4] = strings;
    strings += (uint32_t)strlen(mb_cmdline) + 1;
    info[MBI_OFF_MODS_COUNT / 4] = fw->nr_mods;
    info[MBI_OFF_MODS_ADDR / 4] = fw->nr_mods ? mods : 0;
    info[MBI_OFF_MMAP_LENGTH / 4] = n * (4 + MB1_MMAP_ENTRY_SIZE);
    info[MBI_OFF_MMAP_ADDR / 4] = mmap;
    info[MBI_OFF_LOADER_NAME / 4] = strings;
    strings += sizeof(LOADER_NAME);
    x86_put(w, info, sizeof(info));
    x86_align(w, 16);

    for (i = 0; i < fw->nr_mods; i++) {
        x86_put_u32(w, (uint32_t)fw->mods[i].base);
        x86_put_u32(w, (uint32_t)(fw->mods[i].base + fw->mods[i].size));
        x86_put_u32(w, strings);
        x86_put_u32(w, 0);
        strings += (uint32_t)strlen(fw->mods[i].cmdline) + 1;
    }
    for (i = 0; i < n; i++) {
        x86_put_u32(w, MB1_MMAP_ENTRY_SIZE);
        x86_put_u64(w, map[i].base);
        x86_put_u64(w, map[i].size);
        x86_put_u32(w, map[i].type);
    }
    put_string(w, mb_cmdline);
    put_string(w, LOADER_NAME);
    for (i = 0; i < fw->nr_mods; i++)
        put_string(w, fw->mods[i].cmdline);
}

static void tag_header(struct x86_writer *w, uint32_t type, uint32_t size)
{
    x86_align(w, 8);
    x86_put_u32(w, type);
    x86_put_u32(w, size);
}

static void tag_string(struct x86_writer *w, uint32_t type, const char *s)
{
    tag_header(w, type, 8 + (uint32_t)strlen(s) + 1);
    put_string(w, s);
}

/* The RSDP, if it checks out: its bytes for the ACPI tags. It lies in
 * firmware memory, not RAM: read through x86_phys, which maps it. */
static unsigned rsdp_bytes(uint64_t pa, const uint8_t **p)
{
    const uint8_t *r;
    uint8_t sum = 0;
    uint32_t len;
    unsigned i;

    if (!pa || pa >= FOUR_GIB - RSDP_V2_MAX)
        return 0;
    r = x86_phys.map(&x86_phys, pa, RSDP_V2_MAX);
    if (!r || memcmp(r, "RSD PTR ", 8))
        return 0;
    for (i = 0; i < RSDP_V1_SIZE; i++)
        sum = (uint8_t)(sum + r[i]);
    if (sum)
        return 0;
    *p = r;
    if (r[15] < 2)
        return RSDP_V1_SIZE;
    len = pvh_le32(r + 20);
    return len >= RSDP_V2_MIN && len <= RSDP_V2_MAX ? len : RSDP_V1_SIZE;
}

/* Multiboot 2: total size, then 8-aligned tags, then the end tag. */
static void write_mb2(const struct pvh_fw *fw, struct x86_writer *w, const struct pvh_region *map,
                      unsigned n)
{
    size_t start = w->used;
    const uint8_t *rsdp = NULL;
    unsigned rsdp_len = rsdp_bytes(fw->boot->rsdp, &rsdp), i;
    uint32_t lower, upper;

    x86_put_u32(w, 0); /* total_size, patched below */
    x86_put_u32(w, 0);
    tag_string(w, MB2_TAG_CMDLINE, mb_cmdline);
    tag_string(w, MB2_TAG_LOADER_NAME, LOADER_NAME);
    for (i = 0; i < fw->nr_mods; i++) {
        tag_header(w, MB2_TAG_MODULE, 16 + (uint32_t)strlen(fw->mods[i].cmdline) + 1);
        x86_put_u32(w, (uint32_t)fw->mods[i].base);
        x86_put_u32(w, (uint32_t)(fw->mods[i].base + fw->mods[i].size));
        put_string(w, fw->mods[i].cmdline);
    }
    legacy_memory(map, n, &lower, &upper);
    tag_header(w, MB2_TAG_BASIC_MEMINFO, 16);
    x86_put_u32(w, lower);
    x86_put_u32(w, upper);
    tag_header(w, MB2_TAG_MMAP, 16 + n * MB2_MMAP_ENTRY_SIZE);
    x86_put_u32(w, MB2_MMAP_ENTRY_SIZE);
    x86_put_u32(w, 0); /* entry version */
    for (i = 0; i < n; i++) {
        x86_put_u64(w, map[i].base);
        x86_put_u64(w, map[i].size);
        x86_put_u32(w, map[i].type);
        x86_put_u32(w, 0);
    }
    if (rsdp_len) {
        tag_header(w, MB2_TAG_ACPI_OLD, 8 + RSDP_V1_SIZE);
        x86_put(w, rsdp, RSDP_V1_SIZE);
    }
    if (rsdp_len > RSDP_V1_SIZE) {
        tag_header(w, MB2_TAG_ACPI_NEW, 8 + rsdp_len);
        x86_put(w, rsdp, rsdp_len);
    }
    tag_header(w, MB2_TAG_END, 8);
    if (w->base) {
        uint32_t total = (uint32_t)(w->used - start);

        memcpy(w->base + start, &total, 4);
    }
}

static int plan_kernel(struct pvh_fw *fw, struct pvh_error *err)
{
    const struct pvh_multiboot *mb = PVH_OPAQUE(&fw->mb);
    const uint8_t *img = (const uint8_t *)(uintptr_t)fw->payload.base;
    uint64_t off, filesz, memsz;
    int rc;

    if (mb->has_address) {
        rc = pvh_multiboot_load_range(mb, fw->payload.size, &off, &filesz, &memsz, err);
        if (!rc)
            rc = pvh_fw_add_dest(fw, mb->load_addr, memsz, FOUR_GIB, "multiboot kernel", err);
        if (!rc)
            rc = pvh_fw_add_copy(fw, mb->load_addr, off, filesz, memsz, err);
        fw->entry = mb->entry_addr;
        pvh_fw_log(fw, "multiboot: load 0x%llx bytes of file at 0x%llx to 0x%x, bss to 0x%llx",
                   (unsigned long long)filesz, (unsigned long long)off, mb->load_addr,
                   (unsigned long long)(mb->load_addr + memsz));
        return rc;
    }
    rc = pvh_elf_parse(img, fw->payload.size, &fw->elf, err);
    if (!rc)
        rc = x86_plan_elf(fw, &fw->elf, FOUR_GIB, "multiboot kernel segment", err);
    if (rc)
        return rc;
    fw->entry = mb->has_entry ? mb->entry_addr : pvh_elf_entry_physical(&fw->elf);
    /* An entry outside everything loaded would run whatever lies there. */
    if (!pvh_elf_holds(&fw->elf, fw->entry))
        return pvh_fail(err, PVH_EINVAL, "multiboot: entry 0x%llx outside the kernel",
                        (unsigned long long)fw->entry);
    return PVH_OK;
}

int x86_boot_multiboot(struct pvh_fw *fw, struct pvh_error *err)
{
    /* Modules' addresses are 32-bit fields; some kernels want them page aligned. */
    struct pvh_place_rule rule = { FOUR_GIB, fw->mb.page_align_modules ? X86_PAGE_SIZE : 0 };
    bool v2 = fw->kind == PVH_PAYLOAD_MULTIBOOT2;
    unsigned n;
    size_t size;
    uint64_t info;
    int rc;

    x86_place_random(fw, false, "a multiboot kernel cannot move", "load address");
    rc = make_cmdline(fw, err);
    if (!rc)
        rc = plan_kernel(fw, err);
    if (!rc)
        rc = pvh_fw_relocate_movables(fw, &rule, err);
    if (rc)
        return rc;
    if (fw->entry < X86_PAGE_SIZE || fw->entry >= FOUR_GIB)
        return pvh_fail(err, PVH_EINVAL, "multiboot: entry 0x%llx", (unsigned long long)fw->entry);
    if (fw->mb.wants_video)
        pvh_info("note: the multiboot kernel asks for a video mode; pvhboot has none to give");
    for (n = 7; n <= 9; n++) /* the EFI tags: see multiboot.c */
        if (fw->mb.efi_tags_ignored & (1u << n))
            pvh_info("note: multiboot2: EFI-only tag %u ignored", n);

    info = x86_write_info(fw, v2 ? write_mb2 : write_mb1, FOUR_GIB, &size, &n);
    if (!info)
        return x86_no_room(err, FOUR_GIB, size, "multiboot information");
    pvh_fw_log(fw, "multiboot%s: entry 0x%llx, information at 0x%llx (%zu bytes)", v2 ? "2" : "",
               (unsigned long long)fw->entry, (unsigned long long)info, size);
    return x86_enter_payload(fw, &(struct x86_entry){ .mode = X86_ENTRY_PROTECTED32,
                             .entry = (uint32_t)fw->entry,
                             .eax = v2 ? MB2_BOOTLOADER_MAGIC : MB1_BOOTLOADER_MAGIC,
                             .ebx = (uint32_t)info }, err);
}
