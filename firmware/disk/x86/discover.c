/*
 * Where an x86 machine describes its virtio-blk disks, in this order:
 *  1. the cmdline's virtio_mmio.device= words (Firecracker; QEMU's
 *     microvm with acpi=off appends them itself);
 *  2. the DSDT's LNRO0005 devices (QEMU's microvm with ACPI on);
 *  3. PCI bus 0 through the configuration ports (virtio-blk-pci on pc
 *     and q35, BARs as SeaBIOS set them; disk_arch.c).
 */
#include "arch/x86/arch.h"
#include "common/acpi/acpi.h"
#include "firmware/disk/disk.h"
#include "firmware/disk/dsdt_mmio.h"
#include "firmware/disk/pci.h"


static int dsdt_found(void *ctx, uint64_t base, uint64_t size, struct pvh_error *err)
{
    return pvh_virtio_mmio_probe(ctx, base, size, err);
}

static int discover_dsdt(const struct pvh_boot *boot, struct pvh_disk_list *list,
                         struct pvh_error *err)
{
    uint32_t len;
    const uint8_t *dsdt = boot->rsdp ? pvh_acpi_find_dsdt(&x86_phys, boot->rsdp, &len, err) : NULL;

    if (!dsdt)
        return PVH_OK; /* no ACPI, or no DSDT: nothing described there */
    return pvh_dsdt_virtio_mmio(dsdt, len, dsdt_found, list, err);
}

int pvh_disk_discover(const struct pvh_boot *boot, struct pvh_disk_list *list,
                      struct pvh_error *err)
{
    static struct pvh_pci pci;
    int rc = pvh_disk_discover_cmdline(boot->cmdline, list, err);

    /* The cmdline's devices are the DSDT's too where a VMM gives both:
     * the DSDT is read only when the cmdline named none. */
    if (!rc && !list->nr_mmio)
        rc = discover_dsdt(boot, list, err);
    return rc ? rc : pvh_virtio_pci_scan(&pci, list, err);
}
