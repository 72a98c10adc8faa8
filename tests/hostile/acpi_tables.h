/*
 * The ACPI tables poweroff reads (RSDP, XSDT, FADT, DSDT), copied from
 * QEMU's to addresses a case chooses: below or above 4 GiB, in RAM or in
 * memory the case's map reserves (see acpi_tables.c for what changes).
 */
#ifndef HOSTILE_ACPI_TABLES_H
#define HOSTILE_ACPI_TABLES_H

#include <stdint.h>

struct acpi_places {
    uint64_t rsdp, xsdt, fadt, dsdt;
};

/* Write the copies; the start info's rsdp_paddr is the case's to set. */
void acpi_tables_place(const struct acpi_places *at);

#endif
