/*
 * The ACPI RSDP, from the EFI configuration table: the ACPI 2.0 entry
 * when there is one, else the ACPI 1.0 entry. A pointer without the
 * RSDP's signature and checksum is not passed on.
 */
#include "efi/efi.h"

#include "common/lib/string.h"

#define RSDP_V1_SIZE 20

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

static const void *find_table(const EFI_SYSTEM_TABLE *st, const EFI_GUID *guid)
{
    UINTN i;

    for (i = 0; i < st->NumberOfTableEntries; i++)
        if (!memcmp(&st->ConfigurationTable[i].VendorGuid, guid, sizeof(*guid)))
            return st->ConfigurationTable[i].VendorTable;
    return NULL;
}

static bool valid_rsdp(const uint8_t *p)
{
    uint8_t sum = 0;
    unsigned i;

    if (memcmp(p, "RSD PTR ", 8))
        return false;
    for (i = 0; i < RSDP_V1_SIZE; i++)
        sum = (uint8_t)(sum + p[i]);
    return !sum;
}

void pvh_efi_find_rsdp(struct pvh_efi *e)
{
    const uint8_t *p = find_table(e->st, &acpi20_guid);
    const char *which = "ACPI 2.0";

    if (!p) {
        p = find_table(e->st, &acpi10_guid);
        which = "ACPI 1.0";
    }
    e->rsdp = 0;
    if (!p) {
        pvh_efi_info("no ACPI table in the EFI configuration table: no RSDP");
        return;
    }
    if (!valid_rsdp(p)) {
        pvh_efi_info("%s table at 0x%llx is not an RSDP (signature or checksum): not passed "
                     "on", which, (unsigned long long)(uintptr_t)p);
        return;
    }
    e->rsdp = (uintptr_t)p;
    pvh_efi_info("rsdp 0x%llx (%s table)", (unsigned long long)e->rsdp, which);
}
