/*
 * Just enough ACPI to power off: RSDP -> RSDT/XSDT -> FADT -> the
 * PM1 control blocks (or, on hardware-reduced platforms such as QEMU's
 * microvm, the sleep control register) and the DSDT's \_S5 package.
 * The root table's lookup also serves other readers (the MADT:
 * common/acpi/acpi_madt.c). Every table is checksummed and every offset
 * bounded by the table's length.
 */
#ifndef PVH_COMMON_ACPI_H
#define PVH_COMMON_ACPI_H

#include <stdint.h>

#include "common/boot/boot_store.h"
#include "common/output/error.h"

/* ACPI Generic Address Structure, decoded. */
struct pvh_acpi_gas {
    uint8_t space;     /* ACPI_SPACE_* */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;  /* 0: absent */
};

#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO     1

enum pvh_acpi_off_kind {
    PVH_ACPI_OFF_NONE,
    PVH_ACPI_OFF_PM1,       /* write SLP_TYP|SLP_EN to PM1a (and PM1b) control */
    PVH_ACPI_OFF_SLEEP_CTL, /* hardware-reduced: the sleep control register */
};

struct pvh_acpi_poweroff {
    enum pvh_acpi_off_kind kind;
    struct pvh_acpi_gas pm1a_cnt, pm1b_cnt, sleep_ctl;
    uint8_t slp_typ_a, slp_typ_b; /* from \_S5 */
};

/* PM1 control register bits (ACPI 6.5, 4.8.3.2.1). */
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_EN        (1u << 13)
/* Sleep control register bits (ACPI 6.5, 4.8.3.7). */
#define ACPI_SLEEP_CTL_SLP_TYP_SHIFT 2
#define ACPI_SLEEP_CTL_SLP_EN        (1u << 5)

/*
 * The table with signature sig (4 characters) that the RSDP's root table
 * (the XSDT when there is one, else the RSDT) lists first: mapped whole,
 * its length in *len and its checksum verified. NULL with err set when
 * there is none or it is malformed.
 */
const uint8_t *pvh_acpi_find_table(const struct pvh_phys *phys, uint64_t rsdp, const char *sig,
                                   uint32_t *len, struct pvh_error *err);

/* The DSDT the FADT names (X_DSDT when set, else DSDT): mapped whole,
 * checksummed, its length in *len; NULL with err set when absent or bad. */
const uint8_t *pvh_acpi_find_dsdt(const struct pvh_phys *phys, uint64_t rsdp, uint32_t *len,
                                  struct pvh_error *err);

int pvh_acpi_find_poweroff(const struct pvh_phys *phys, uint64_t rsdp,
                           struct pvh_acpi_poweroff *out, struct pvh_error *err);

/*
 * The RSDP where a PC BIOS leaves it, for a loader that passes none:
 * the first KiB of the EBDA (if the BIOS data area's pointer to it is
 * sane), then the BIOS area 0xe0000-0xfffff, on 16-byte boundaries; a
 * candidate counts only with its checksum (and, from revision 2, its
 * extended checksum) right. Returns its address and says in *where which
 * area held it; 0 and PVH_RSDP_NONE when there is none.
 */
uint64_t pvh_acpi_scan_rsdp(const struct pvh_phys *phys, enum pvh_rsdp_source *where);

/* The sum of len bytes modulo 256: 0 for a table whose checksum is right. */
uint8_t pvh_acpi_checksum(const uint8_t *p, uint32_t len);

/* Defined by acpi.c: naming it (PVH_PART_ACPI_POWEROFF) links the table
 * reader and the poweroff discovery (include/pvhboot/parts.h). */
extern const char pvh_part_acpi_poweroff;

#endif
