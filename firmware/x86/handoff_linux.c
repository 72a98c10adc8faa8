/*
 * Booting a Linux bzImage through the 64-bit boot protocol (or, for a
 * kernel without that entry, the 32-bit one): the kernel's
 * protected-mode code at an address its header allows (where it already
 * lies when that will do), a zero page built from its setup header, the
 * e820 map (beyond 128 entries in SETUP_E820_EXT setup data), the
 * cmdline, the initrd within initrd_addr_max, the RSDP, and startup_64
 * entered in long mode with %rsi pointing at the zero page (startup_32
 * in protected mode, paging off, with %esi pointing at it).
 */
#include "firmware/x86/handoff.h"

#include <pvhboot/console.h>

#include "arch/x86/arch.h"
#include "arch/x86/x86.h"
#include "common/lib/bytes.h"
#include <xen/start_info.h>
#include "common/lib/string.h"
#include "firmware/linux_boot.h"

/* Where the kernel will run: where its code already lies if that is
 * aligned and free, else its preferred address, else (relocatable) the
 * highest aligned free range below 4 GiB above the preferred address;
 * with pvhboot.place=random, a relocatable kernel at a random place
 * aligned to kernel_alignment, at or above pref_address (below it Linux
 * would move itself up to its link address anyway), in RAM below 4 GiB. */
static int place_kernel(struct pvh_fw *fw, uint64_t *kaddr, struct pvh_error *err)
{
    const struct pvh_bzimage *bz = PVH_OPAQUE(&fw->bz);
    uint64_t here = fw->payload.base + bz->setup_size;
    bool random = x86_place_random(fw, bz->relocatable, "the bzImage is not relocatable",
                                   "pref_address");
    struct pvh_error why;

    if (!random && bz->relocatable && !(here % bz->kernel_alignment) &&
        here >= bz->pref_address &&
        !pvh_fw_add_dest(fw, here, bz->init_size, FOUR_GIB, "Linux kernel", &why)) {
        fw->payload_in_place = true;
        *kaddr = here;
        pvh_fw_log(fw, "linux: kernel runs where it lies, 0x%llx", (unsigned long long)here);
        return PVH_OK;
    }
    if (!random &&
        !pvh_fw_add_dest(fw, bz->pref_address, bz->init_size, FOUR_GIB, "Linux kernel", &why)) {
        *kaddr = bz->pref_address;
        return PVH_OK;
    }
    if (!bz->relocatable)
        return pvh_fail(err, why.code, "bzImage: not relocatable, and %s", why.msg);
    *kaddr = random ? x86_random_room(fw, bz->init_size, bz->kernel_alignment, bz->pref_address,
                                      FOUR_GIB)
                    : pvh_fw_alloc(fw, bz->init_size, bz->kernel_alignment, bz->pref_address,
                                   FOUR_GIB);
    if (!*kaddr)
        return pvh_fail(err, PVH_ENOMEM, "bzImage: no free RAM for init_size 0x%x aligned to "
                        "0x%x between 0x%llx and 4 GiB", bz->init_size, bz->kernel_alignment,
                        (unsigned long long)bz->pref_address);
    if (!random)
        return PVH_OK;
    pvh_fw_log(fw, "linux: pvhboot.place=random: kernel at 0x%llx (align 0x%x, init_size 0x%x)",
               (unsigned long long)*kaddr, bz->kernel_alignment, bz->init_size);
    return pvh_fw_add_dest(fw, *kaddr, bz->init_size, FOUR_GIB, "Linux kernel", err);
}

/*
 * Modules that follow each other in memory with only zero bytes between
 * them (pvhboot-pack lays packed ones out back to back) are one initrd
 * as they lie: Linux's unpacker skips zero bytes between archives, as
 * long as each archive starts at a multiple of 4 from the initrd's start.
 * No copy, and no second block of their size, which a guest with little
 * more RAM than its pieces does not have.
 */
/* Is a module's place the destination of a move (its bytes not there yet)? */
static bool moved_to(const struct pvh_fw *fw, uint64_t base)
{
    for (unsigned i = 0; i < fw->nr_moves; i++)
        if (fw->moves[i].dst == base)
            return true;
    return false;
}

static bool joined_in_place(const struct pvh_fw *fw, const struct pvh_place_rule *rule,
                            uint64_t *base, uint64_t *size)
{
    uint64_t first = fw->mods[0].base, end = first + fw->mods[0].size;

    if (!fw->mods[0].size || moved_to(fw, first))
        return false;
    /* Each gap is under a page, between two modules in RAM: its bytes lie
     * in their pages, which are mapped. */
    for (unsigned i = 1; i < fw->nr_mods; i++) {
        const struct pvh_module *m = &fw->mods[i];

        if (!m->size || moved_to(fw, m->base) || m->base < end ||
            m->base - end >= X86_PAGE_SIZE || (m->base - first) % 4)
            return false;
        for (const uint8_t *gap = (const uint8_t *)(uintptr_t)end;
             gap < (const uint8_t *)(uintptr_t)m->base; gap++)
            if (*gap)
                return false;
        end = m->base + m->size;
    }
    if (first % rule->align || end > rule->limit || end < first)
        return false;
    *base = first;
    *size = end - first;
    return true;
}

/* The initrd: the one module, or all modules one after another (cpio
 * archives concatenate), within initrd_addr_max unless the kernel takes
 * one above 4 GiB. */
static int place_initrd(struct pvh_fw *fw, uint64_t *base, uint64_t *size, struct pvh_error *err)
{
    const struct pvh_bzimage *bz = PVH_OPAQUE(&fw->bz);
    struct pvh_place_rule rule = { .align = X86_PAGE_SIZE };
    uint64_t total = 0, at;
    unsigned i;
    int rc;

    rule.limit = (bz->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) ? UINT64_MAX
                                                              : (uint64_t)bz->initrd_addr_max + 1;
    *base = *size = 0;
    if (fw->nr_mods <= 1) {
        rc = pvh_fw_relocate_movables(fw, &rule, err);
        if (rc == PVH_ENOMEM && fw->nr_mods)
            return pvh_fail(err, rc, "initrd of %llu bytes: no room below initrd_addr_max 0x%x",
                            (unsigned long long)fw->mods[0].size, bz->initrd_addr_max);
        if (rc || !fw->nr_mods)
            return rc;
        *base = fw->mods[0].base;
        *size = fw->mods[0].size;
        return PVH_OK;
    }
    rc = pvh_fw_relocate_movables(fw, NULL, err);
    if (rc)
        return rc;
    if (joined_in_place(fw, &rule, base, size)) {
        pvh_fw_log(fw, "initrd: %u modules back to back, joined where they lie", fw->nr_mods);
        return PVH_OK;
    }
    for (i = 0; i < fw->nr_mods; i++)
        total += (fw->mods[i].size + 3) & ~3ull;
    at = pvh_fw_alloc(fw, total, X86_PAGE_SIZE, 0, rule.limit);
    if (!at)
        return pvh_fail(err, PVH_ENOMEM, "initrd of %u modules, %llu bytes: no room below "
                        "initrd_addr_max 0x%x", fw->nr_mods, (unsigned long long)total,
                        bz->initrd_addr_max);
    *base = at;
    *size = total;
    /* Zeroed now, so the padding between the pieces is zero; the moves
     * (which run last) fill in the pieces. */
    memset((void *)(uintptr_t)*base, 0, (size_t)total);
    for (i = 0; i < fw->nr_mods; i++) {
        if (fw->nr_moves == PVH_MODULES_MAX + 1)
            return pvh_fail(err, PVH_E2BIG, "initrd: too many modules to join");
        fw->moves[fw->nr_moves++] = (struct pvh_copy){ at, fw->mods[i].base, fw->mods[i].size,
                                                       fw->mods[i].size };
        at += (fw->mods[i].size + 3) & ~3ull;
    }
    return PVH_OK;
}

/* e820 entries: the first 128 in the zero page, the rest in setup data. */
static int write_e820(struct pvh_fw *fw, uint8_t *zp, struct pvh_error *err)
{
    const struct pvh_region *map = fw->payload_map;
    unsigned n = pvh_fw_payload_map(fw, fw->payload_map, PVH_MEMMAP_MAX), i;
    unsigned in_zp = n < BP_E820_MAX ? n : BP_E820_MAX;
    uint8_t *sd = NULL;
    uint64_t sd_pa;

    for (i = 0; i < n; i++) {
        uint8_t *e;

        if (i == in_zp) {
            uint32_t len = (n - in_zp) * BOOT_E820_ENTRY_SIZE;

            sd_pa = pvh_fw_alloc(fw, SETUP_DATA_HEADER_SIZE + len, 8, 0, FOUR_GIB);
            if (!sd_pa)
                return pvh_fail(err, PVH_ENOMEM, "linux: no room for %u e820 entries", n);
            sd = (uint8_t *)(uintptr_t)sd_pa;
            pvh_put_le64(sd, pvh_le64(zp + HDR_SETUP_DATA)); /* keep any list already there */
            pvh_put_le32(sd + 8, SETUP_E820_EXT);
            pvh_put_le32(sd + 12, len);
            pvh_put_le64(zp + HDR_SETUP_DATA, sd_pa);
            pvh_fw_log(fw, "linux: %u e820 entries in SETUP_E820_EXT at 0x%llx", n - in_zp,
                       (unsigned long long)sd_pa);
        }
        e = i < in_zp ? zp + BP_E820_TABLE + i * BOOT_E820_ENTRY_SIZE
                      : sd + SETUP_DATA_HEADER_SIZE + (i - in_zp) * BOOT_E820_ENTRY_SIZE;
        pvh_put_le64(e, map[i].base);
        pvh_put_le64(e + 8, map[i].size);
        pvh_put_le32(e + 16, map[i].type);
    }
    zp[BP_E820_ENTRIES] = (uint8_t)in_zp;
    return PVH_OK;
}

static int write_cmdline(struct pvh_fw *fw, uint8_t *zp, struct pvh_error *err)
{
    size_t len = strlen(fw->cmdline);
    uint64_t pa;

    if (fw->bz.cmdline_size && len > fw->bz.cmdline_size)
        return pvh_fail(err, PVH_E2BIG, "cmdline of %zu bytes: the kernel takes at most %u",
                        len, fw->bz.cmdline_size);
    pa = pvh_fw_alloc(fw, len + 1, 16, 0, FOUR_GIB);
    if (!pa)
        return x86_no_room(err, FOUR_GIB, len + 1, "Linux cmdline");
    memcpy((void *)(uintptr_t)pa, fw->cmdline, len + 1);
    pvh_put_le32(zp + HDR_CMD_LINE_PTR, (uint32_t)pa);
    pvh_put_le32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(pa >> 32));
    return PVH_OK;
}

static int build_zero_page(struct pvh_fw *fw, uint64_t kaddr, uint64_t initrd,
                           uint64_t initrd_size, uint64_t *zp_pa, struct pvh_error *err)
{
    const uint8_t *img = (const uint8_t *)(uintptr_t)fw->payload_original;
    uint8_t *zp;
    int rc;

    *zp_pa = pvh_fw_alloc(fw, BP_SIZE, X86_PAGE_SIZE, 0, FOUR_GIB);
    if (!*zp_pa)
        return x86_no_room(err, FOUR_GIB, BP_SIZE, "Linux zero page");
    zp = (uint8_t *)(uintptr_t)*zp_pa;
    memset(zp, 0, BP_SIZE);
    memcpy(zp + BP_HDR, img + BP_HDR, fw->bz.header_end - BP_HDR);
    zp[HDR_TYPE_OF_LOADER] = LINUX_LOADER_UNDEFINED;
    pvh_put_le32(zp + HDR_HARDWARE_SUBARCH, 0); /* a PC */
    pvh_put_le16(zp + HDR_VID_MODE, 0xffff);    /* "normal": no mode change */
    pvh_put_le32(zp + HDR_RAMDISK_IMAGE, (uint32_t)initrd);
    pvh_put_le32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd >> 32));
    pvh_put_le32(zp + HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
    pvh_put_le32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));
    pvh_put_le64(zp + BP_ACPI_RSDP_ADDR, fw->boot->rsdp);
    pvh_put_le64(zp + HDR_SETUP_DATA, 0);
    /* Where the protected-mode code runs: startup_32's address. */
    pvh_put_le32(zp + HDR_CODE32_START, (uint32_t)kaddr);
    rc = write_cmdline(fw, zp, err);
    if (!rc)
        rc = write_e820(fw, zp, err);
    return rc;
}

int x86_boot_linux(struct pvh_fw *fw, struct pvh_error *err)
{
    uint64_t kaddr = 0, initrd, initrd_size, zp;
    int rc;

    /* Entered through startup_64, Linux never sees the start info: under
     * Xen it runs as an HVM guest and cannot be the initial domain. */
    if (fw->boot->hv.kind == PVH_HV_XEN && (fw->boot->start_flags & SIF_INITDOMAIN))
        pvh_info("warning: a bzImage under Xen boots as an HVM guest, not as PVH dom0; "
                 "boot its vmlinux instead (pvhboot-pack extract-vmlinux, or pack --pvh)");

    rc = place_kernel(fw, &kaddr, err);
    if (!rc)
        rc = pvh_fw_add_copy(fw, kaddr, fw->bz.setup_size, fw->bz.pm_size, fw->bz.pm_size, err);
    if (!rc)
        rc = place_initrd(fw, &initrd, &initrd_size, err);
    if (!rc)
        rc = build_zero_page(fw, kaddr, initrd, initrd_size, &zp, err);
    if (rc)
        return rc;
    pvh_fw_log(fw, "linux: protocol %u.%02u, kernel 0x%llx (init_size 0x%x), initrd 0x%llx+%llu, "
               "zero page 0x%llx", fw->bz.version >> 8, fw->bz.version & 0xff,
               (unsigned long long)kaddr, fw->bz.init_size, (unsigned long long)initrd,
               (unsigned long long)initrd_size, (unsigned long long)zp);
    if (fw->bz.entry64)
        return x86_enter_payload(fw, &(struct x86_entry){ .mode = X86_ENTRY_LINUX64,
                                 .entry = (uint32_t)(kaddr + LINUX_ENTRY64_OFFSET),
                                 .ebx = (uint32_t)zp }, err);
    /* No 64-bit entry (protocol 2.10/2.11, or XLF_KERNEL_64 clear): the
     * 32-bit boot protocol, startup_32 at the load address. */
    pvh_fw_log(fw, "linux: no 64-bit entry: 32-bit boot protocol, startup_32 at 0x%llx",
               (unsigned long long)kaddr);
    return x86_enter_payload(fw, &(struct x86_entry){ .mode = X86_ENTRY_LINUX32,
                             .entry = (uint32_t)kaddr, .ebx = (uint32_t)zp }, err);
}
