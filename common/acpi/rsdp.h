/* Where the fields of an RSDP are (ACPI 6.5, 5.2.5.3). */
#ifndef PVHBOOT_COMMON_ACPI_RSDP_H
#define PVHBOOT_COMMON_ACPI_RSDP_H

#define RSDP_V1_SIZE        20
#define RSDP_V2_SIZE        36
#define RSDP_REVISION       15
#define RSDP_RSDT           16
#define RSDP_LENGTH         20
#define RSDP_XSDT           24

#endif
