/*
 * The VMMs' own ACPI tables, written where each VMM writes them
 * (vmm_firecracker.c, vmm_cloud_hypervisor.c say which tables, with what
 * in them). This file has the pieces both use: a table header, a
 * Generic Address Structure, the revision-2 RSDP both write (no RSDT, an
 * XSDT), and the placing of tables one after the other, as both VMMs do
 * (no alignment between them).
 */
#include "tests/hostile/vmm.h"

#include "tests/hostile/console.h"

#define HDR_LENGTH   4u
#define HDR_CHECKSUM 9u
#define RSDP_V1_LEN  20u

void acpi_put(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_chars(uint8_t *p, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)s[i];
}

static uint8_t sum(const volatile uint8_t *p, uint32_t len)
{
    uint8_t s = 0;

    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision,
                 const struct acpi_ids *ids, const char *table_id)
{
    if (len > ACPI_TABLE_MAX)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: ACPI table %s of %u bytes", sig, len);
    for (uint32_t i = 0; i < len; i++)
        t[i] = 0;
    put_chars(t, sig, 4);
    acpi_put(t + HDR_LENGTH, len, 4);
    t[8] = revision;
    put_chars(t + 10, ids->oem_id, 6);
    put_chars(t + 16, table_id, 8);
    acpi_put(t + 24, ids->oem_revision, 4);
    put_chars(t + 28, ids->creator_id, 4);
    put_chars(t + 32, ids->creator_revision, 4);
}

void acpi_gas(uint8_t *p, uint8_t space, uint8_t bits, uint8_t access_size, uint64_t address)
{
    p[0] = space;
    p[1] = bits;
    p[2] = 0;
    p[3] = access_size;
    acpi_put(p + 4, address, 8);
}

uint32_t acpi_place(struct acpi_area *a, uint8_t *t)
{
    uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24, at = a->next;
    volatile uint8_t *dst = (volatile uint8_t *)at;

    if (at + len > a->end)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "vmm: no room for ACPI table at %x", at);
    t[HDR_CHECKSUM] = 0;
    t[HDR_CHECKSUM] = (uint8_t)-sum(t, len);
    for (uint32_t i = 0; i < len; i++)
        dst[i] = t[i];
    a->next = at + len;
    return at;
}

void acpi_rsdp(uint32_t at, const char *oem_id, uint64_t xsdt)
{
    uint8_t r[ACPI_RSDP_LEN] = { 0 };
    volatile uint8_t *dst = (volatile uint8_t *)at;

    put_chars(r, "RSD PTR ", 8);
    put_chars(r + 9, oem_id, 6);
    r[15] = 2;                     /* revision 2: the XSDT counts */
    acpi_put(r + 20, ACPI_RSDP_LEN, 4);
    acpi_put(r + 24, xsdt, 8);     /* the RSDT address (16) stays 0 */
    r[8] = (uint8_t)-sum(r, RSDP_V1_LEN);
    r[32] = (uint8_t)-sum(r, ACPI_RSDP_LEN);
    for (unsigned i = 0; i < ACPI_RSDP_LEN; i++)
        dst[i] = r[i];
    say("hostile: acpi rsdp %x xsdt %llx\n", at, xsdt);
}
