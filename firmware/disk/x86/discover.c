/*
 * Where an x86 machine describes its virtio-blk disks, in this order:
 *  1. the cmdline's virtio_mmio.device= words (Firecracker; QEMU's
 *     microvm with acpi=off appends them itself);
 *  2. the DSDT's LNRO0005 devices (QEMU's microvm with ACPI on);
 *  3. PCI bus 0 (virtio-blk-pci on pc and q35, BARs as SeaBIOS set
 *     them): its configuration space through the ECAM of the ACPI MCFG
 *     (q35; mcfg.c), else through the ports 0xcf8/0xcfc (pc; disk_arch.c).
 */
#include <pvhboot/console.h>

#include "arch/x86/arch.h"
#include "common/acpi/acpi.h"
#include "firmware/disk/disk.h"
#include "firmware/disk/disk_arch.h"
#include "firmware/disk/dsdt_mmio.h"
#include "firmware/disk/mcfg.h"
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

/*
 * pci->ecam set to segment 0's ECAM when the MCFG has a good one, and
 * the window's last byte returned; else 0, and the ports are used:
 * quietly where there is no MCFG (pc, microvm, Xen), after one warning
 * where it is malformed (mcfg.h) or where its ECAM reads the host bridge
 * (00:00.0) otherwise than the ports do: an MCFG naming space where no
 * ECAM is, or that cannot be mapped. A machine without the ports (all
 * ones there) has its ECAM taken as it is. Each access maps its page
 * as a device's, uncached (pci.c, pvh_disk_map_mmio): the MCFG's check
 * keeps the window clear of the memory the page tables map cached.
 */
static uint64_t find_ecam(const struct pvh_boot *boot, struct pvh_pci *pci)
{
    const struct pvh_pci_fn host = { pci, 0, 0, 0 };
    struct pvh_ecam ecam;
    struct pvh_error err;
    uint32_t port, mem;
    int rc = boot->rsdp ? pvh_mcfg_find(&x86_phys, boot->rsdp, boot->memmap, boot->nr_memmap,
                                        &ecam, &err) : PVH_ENOENT;

    if (!rc) {
        pci->ecam = ecam.base;
        port = pvh_disk_pci_port_read32(PVH_PCI_CFG_ENABLE); /* 00:00.0, dword 0 */
        mem = pvh_pci_read32(&host, 0);
        if (port == 0xffffffffu || port == mem)
            return ecam.base + ecam.size - 1;
        rc = pvh_fail(&err, PVH_EINVAL, "ACPI MCFG: ECAM 0x%llx reads 00:00.0 as 0x%08x, ports "
                      "0x%08x", (unsigned long long)ecam.base, mem, port);
    }
    pci->ecam = 0;
    if (rc != PVH_ENOENT)
        pvh_info("warning: %s; PCI through ports 0xcf8/0xcfc", err.msg);
    return 0;
}

int pvh_disk_discover(const struct pvh_boot *boot, struct pvh_disk_list *list,
                      struct pvh_error *err)
{
    static struct pvh_pci pci;
    uint64_t last;
    unsigned n;
    int rc = pvh_disk_discover_cmdline(boot->cmdline, list, err);

    /* The cmdline's devices are the DSDT's too where a VMM gives both:
     * the DSDT is read only when the cmdline named none. */
    if (!rc && !list->nr_mmio)
        rc = discover_dsdt(boot, list, err);
    if (rc)
        return rc;
    last = find_ecam(boot, &pci);
    n = list->n;
    rc = pvh_virtio_pci_scan(&pci, list, err);
    /* How the PCI disks were reached, once, when there are some: the
     * addresses of the ECAM window or of the two ports. */
    if (!rc && list->n > n)
        pvh_info("disk: pci config %s 0x%llx-0x%llx", pci.ecam ? "ecam" : "ports",
                 (unsigned long long)(pci.ecam ? pci.ecam : PVH_PCI_CONFIG_ADDRESS),
                 (unsigned long long)(pci.ecam ? last : PVH_PCI_CONFIG_DATA + 3));
    return rc;
}
