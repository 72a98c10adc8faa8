/*
 * The chooser (disk.h): the disks in the order found, the first with a
 * bootable entry (or, with pvhboot.entry=, the first that has that
 * entry); its entry's kernel, initrds and devicetree (arm64: the tree the
 * kernel gets) read into free RAM below 4 GiB
 * that the memory map then flags as module memory; and a boot
 * description like a loader's handed to the firmware: the kernel as
 * module 0 and the initrds, back to back, as module 1 (cpio archives
 * concatenate, and both firmwares take one initrd), with the entry's
 * command line as module 0's and, followed by the VMM's pvhboot.* words,
 * as the boot's: the kernel gets exactly the entry's (docs/disk.md).
 */
#include <pvhboot/console.h>
#include <pvhboot/power.h>

#include "common/boot/memmap.h"
#include "common/boot/options.h"
#include "common/lib/compiler.h"
#include "common/lib/string.h"
#include "firmware/disk/disk.h"
#include "firmware/disk/disk_arch.h"
#include "firmware/disk/entries.h"

void pvh_firmware_main(const struct pvh_boot *boot);

/* Below 4 GiB: where x86 Linux reads an initrd and the trampoline reads
 * what it copies late, and RAM on every machine pvhboot-disk runs on. */
#define LOAD_LIMIT (4ull << 30)
#define LOAD_ALIGN 4096u

static struct {
    struct pvh_disk_work work;
    struct pvh_disk_boot entry;
    struct pvh_module mods[2];
    char want[PVH_BLS_TEXT_MAX + 1];
    char vmm[PVH_CMDLINE_MAX + 1];
    char handed[PVH_BLS_OPTIONS_MAX + PVH_CMDLINE_MAX + 2];
} late PVH_LATE;

/* pvhboot.entry's value, terminated; NULL without the option. */
static const char *wanted(const char *cmdline)
{
    const char *v;
    size_t len;

    if (!pvh_option(cmdline, "entry", &v, &len))
        return NULL;
    if (!len || len >= sizeof(late.want))
        pvh_panic("pvhboot.entry: %zu bytes: an id, file name or title of 1 to %zu",
                  len, sizeof(late.want) - 1);
    memcpy(late.want, v, len);
    late.want[len] = '\0';
    return late.want;
}

/* The first disk that has an entry to boot (want's, when given); its
 * choice is in late.entry. On none, the first disk's reason. */
static const struct pvh_block_dev *choose(struct pvh_block_dev *const *devs, unsigned n,
                                          const char *want)
{
    struct pvh_error err, first = { .code = PVH_OK };
    unsigned i;

    for (i = 0; i < n; i++) {
        if (!pvh_disk_scan(devs[i], &late.work, &err) &&
            !pvh_disk_select(&late.work, want, late.vmm, &late.entry, &err))
            return devs[i];
        if (first.code == PVH_OK)
            first = err;
        if (i + 1 < n)
            pvh_info("boot: %s passed over: %s", devs[i]->name, err.msg);
    }
    pvh_panic("no bootable entry on any disk: disks %u: %s", n,
              n ? first.msg : "none");
}

/* Free RAM for size bytes below 4 GiB, flagged as module memory. */
static uint64_t claim(struct pvh_memmap *map, uint64_t size, const char *what)
{
    uint64_t rounded = (size + LOAD_ALIGN - 1) & ~(uint64_t)(LOAD_ALIGN - 1);
    uint64_t base = rounded >= size ? pvh_memmap_alloc(map, rounded ? rounded : LOAD_ALIGN,
                                                       LOAD_ALIGN, LOAD_LIMIT, NULL, 0,
                                                       PVH_REGION_MODULE) : 0;

    if (!base)
        pvh_panic("boot: %s of %llu bytes: no free RAM below 4 GiB holds it", what,
                  (unsigned long long)size);
    return base;
}

static void read_file(const struct pvh_disk_file *f, uint64_t at, const char *what)
{
    struct pvh_error err;

    if (pvh_disk_read(&late.work, f, (void *)(uintptr_t)at, &err))
        pvh_panic("boot: %s %s: %s", what, f->path, err.msg);
}

/* The initrds back to back, each from a multiple of 4 bytes (where the
 * kernel looks for the next cpio archive); its size, 0 for none. */
static uint64_t load_initrds(struct pvh_memmap *map, uint64_t *base)
{
    const struct pvh_disk_boot *e = &late.entry;
    uint64_t total = 0, at;
    unsigned i;

    for (i = 0; i < e->nr_initrd; i++) {
        uint64_t padded = (e->initrd[i].size + 3) & ~3ull;

        if (padded < e->initrd[i].size || total + padded < total)
            pvh_panic("boot: initrd %s: %llu bytes", e->initrd[i].path,
                      (unsigned long long)e->initrd[i].size);
        total += padded;
    }
    if (!total)
        return 0;
    *base = at = claim(map, total, "initrds");
    for (i = 0; i < e->nr_initrd; i++) {
        read_file(&e->initrd[i], at, "initrd");
        memset((void *)(uintptr_t)(at + e->initrd[i].size), 0,
               (size_t)(((e->initrd[i].size + 3) & ~3ull) - e->initrd[i].size));
        at += (e->initrd[i].size + 3) & ~3ull;
    }
    return total;
}

/* The firmware's cmdline: the entry's, then the VMM's pvhboot.* words,
 * which the firmware applies (pvhboot.verbose, pvhboot.timing, ...) and
 * removes, with the spaces before them, from what the kernel gets. */
static const char *handed_cmdline(const char *vmm)
{
    size_t used = strlen(late.entry.cmdline), len;
    const char *word;

    memcpy(late.handed, late.entry.cmdline, used + 1);
    for (;;) {
        while (*vmm == ' ' || *vmm == '\t' || *vmm == '\n' || *vmm == '\r')
            vmm++;
        for (word = vmm; *vmm && *vmm != ' ' && *vmm != '\t' && *vmm != '\n' && *vmm != '\r';)
            vmm++;
        len = (size_t)(vmm - word);
        if (!len)
            return late.handed;
        /* Room: the entry's at most PVH_BLS_OPTIONS_MAX - 1, the VMM's
         * words and their spaces at most its PVH_CMDLINE_MAX + 1. */
        if (len > 8 && !memcmp(word, "pvhboot.", 8) && used + 1 + len < sizeof(late.handed)) {
            late.handed[used++] = ' ';
            memcpy(late.handed + used, word, len);
            used += len;
            late.handed[used] = '\0';
        }
    }
}

static void load_devicetree(struct pvh_memmap *map)
{
    const struct pvh_disk_file *f = &late.entry.devicetree;
    uint64_t at = claim(map, f->size, "devicetree");
    struct pvh_error err;

    read_file(f, at, "devicetree");
    if (pvh_disk_devicetree(at, f->size, &err))
        pvh_panic("boot: %s: %s", f->path, err.msg);
}

static void stop_devices(struct pvh_block_dev *const *devs, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (devs[i]->reset && devs[i]->reset(devs[i]))
            pvh_panic("boot: %s: not stopped before the hand-off", devs[i]->name);
}

void pvh_disk_boot(const struct pvh_boot *boot, struct pvh_block_dev *const *devs, unsigned n)
{
    struct pvh_memmap *map = pvh_disk_memmap(boot);
    const struct pvh_block_dev *dev;
    struct pvh_boot handed = *boot;
    uint64_t kernel, initrd = 0, initrd_size;

    if (pvh_cmdline_strip_options(late.vmm, sizeof(late.vmm), boot->cmdline) == (size_t)-1)
        pvh_panic("cmdline: %zu bytes, longer than %u", boot->cmdline_len, PVH_CMDLINE_MAX);
    dev = choose(devs, n, wanted(boot->cmdline));
    kernel = claim(map, late.entry.kernel.size, "kernel");
    read_file(&late.entry.kernel, kernel, "kernel");
    initrd_size = load_initrds(map, &initrd);
    if (late.entry.has_devicetree)
        load_devicetree(map);
    pvh_info("boot: %s: kernel 0x%llx size %llu, initrd 0x%llx size %llu", dev->name,
             (unsigned long long)kernel, (unsigned long long)late.entry.kernel.size,
             (unsigned long long)initrd, (unsigned long long)initrd_size);
    stop_devices(devs, n);
    late.mods[0] = (struct pvh_module){ .base = kernel, .size = late.entry.kernel.size,
                                        .cmdline = late.entry.cmdline };
    late.mods[1] = (struct pvh_module){ .base = initrd, .size = initrd_size, .cmdline = "" };
    handed.cmdline = handed_cmdline(boot->cmdline);
    handed.cmdline_len = strlen(handed.cmdline);
    handed.modules = late.mods;
    handed.nr_modules = initrd_size ? 2 : 1;
    handed.memmap = map->regions;
    handed.nr_memmap = map->nr;
    pvh_firmware_main(&handed);
    pvh_panic("boot: the firmware returned");
}
