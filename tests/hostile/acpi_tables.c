/*
 * Copies of QEMU's ACPI tables placed where a case wants the ones
 * poweroff reads (see acpi_tables.h). QEMU's own tables stay where they
 * are; what is written:
 *   - a revision 2 RSDP (36 bytes) with no RSDT and the XSDT's address;
 *   - an XSDT listing QEMU's RSDT entries, the FADT's replaced by the copy;
 *   - the FADT, made ACPI 2.0-long (244 bytes: QEMU's -M pc FADT is a
 *     116-byte revision 1 one, with no 64-bit DSDT field), its DSDT
 *     pointers naming the copy (the 32-bit one 0 when the copy lies above
 *     4 GiB), its FACS pointers left as QEMU's;
 *   - the DSDT, byte for byte.
 * Every write goes through poke(), so above 4 GiB as well.
 */
#include "tests/hostile/acpi_tables.h"

#include "tests/hostile/console.h"
#include "tests/hostile/machine.h"

#define RSDP_CHECKSUM 8u
#define RSDP_OEMID 9u
#define RSDP_REVISION 15u
#define RSDP_RSDT 16u
#define RSDP_LENGTH 20u
#define RSDP_XSDT 24u
#define RSDP_EXT_CHECKSUM 32u
#define RSDP_V1_SIZE 20u
#define RSDP_V2_SIZE 36u
#define HDR_LENGTH 4u
#define HDR_REVISION 8u
#define HDR_CHECKSUM 9u
#define HDR_SIZE 36u
#define FADT_DSDT 40u
#define FADT_X_DSDT 140u
#define FADT_V2_SIZE 244u
#define ENTRIES_MAX 32u
#define COPY_CHUNK 4096u
#define FOUR_GIB 0x100000000ull

static uint8_t fadt[FADT_V2_SIZE], chunk[COPY_CHUNK];
static uint8_t xsdt[HDR_SIZE + 8 * ENTRIES_MAX];

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t sum(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;

    while (len--)
        s = (uint8_t)(s + *p++);
    return s;
}

static void set_checksum(uint8_t *p, uint32_t len, uint32_t at)
{
    p[at] = 0;
    p[at] = (uint8_t)-sum(p, len);
}

/* QEMU's table at pa: its header, length checked against max. */
static uint32_t table_length(uint32_t pa, uint32_t max)
{
    uint8_t hdr[HDR_SIZE];
    uint32_t len;

    peek(pa, hdr, sizeof(hdr));
    len = le32(hdr + HDR_LENGTH);
    if (len < HDR_SIZE || len > max)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's ACPI table at 0x%x: length %u", pa, len);
    return len;
}

static void copy_bytes(uint64_t dst, uint32_t src, uint32_t len)
{
    for (uint32_t at = 0; at < len; at += COPY_CHUNK) {
        uint32_t n = len - at < COPY_CHUNK ? len - at : COPY_CHUNK;

        peek(src + at, chunk, n);
        poke(dst + at, chunk, n);
    }
}

/* The FADT copy, pointing at the DSDT copy; returns QEMU's DSDT address. */
static uint32_t write_fadt(uint32_t qemu_fadt, uint64_t fadt_at, uint64_t dsdt_at)
{
    uint32_t len = table_length(qemu_fadt, 0x10000), qemu_dsdt;

    for (unsigned i = 0; i < sizeof(fadt); i++)
        fadt[i] = 0;
    peek(qemu_fadt, fadt, len < sizeof(fadt) ? len : sizeof(fadt));
    qemu_dsdt = le32(fadt + FADT_DSDT);
    put32(fadt + HDR_LENGTH, sizeof(fadt));
    if (fadt[HDR_REVISION] < 3)
        fadt[HDR_REVISION] = 3;
    put32(fadt + FADT_DSDT, dsdt_at < FOUR_GIB ? (uint32_t)dsdt_at : 0);
    put64(fadt + FADT_X_DSDT, dsdt_at);
    set_checksum(fadt, sizeof(fadt), HDR_CHECKSUM);
    poke(fadt_at, fadt, sizeof(fadt));
    return qemu_dsdt;
}

void acpi_tables_place(const struct acpi_places *at)
{
    uint8_t qemu_rsdp[RSDP_V1_SIZE], rsdp[RSDP_V2_SIZE] = { 0 }, entry[4];
    uint32_t rsdt, n, qemu_dsdt = 0, dsdt_len;

    peek((uint32_t)M.rsdp, qemu_rsdp, sizeof(qemu_rsdp));
    rsdt = le32(qemu_rsdp + RSDP_RSDT);
    n = (table_length(rsdt, HDR_SIZE + 4 * ENTRIES_MAX) - HDR_SIZE) / 4;
    peek(rsdt, xsdt, HDR_SIZE);
    xsdt[0] = 'X';
    put32(xsdt + HDR_LENGTH, HDR_SIZE + 8 * n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t table;
        uint8_t sig[4];

        peek(rsdt + HDR_SIZE + 4 * i, entry, sizeof(entry));
        table = le32(entry);
        peek(table, sig, sizeof(sig));
        if (sig[0] == 'F' && sig[1] == 'A' && sig[2] == 'C' && sig[3] == 'P') {
            qemu_dsdt = write_fadt(table, at->fadt, at->dsdt);
            put64(xsdt + HDR_SIZE + 8 * i, at->fadt);
        } else {
            put64(xsdt + HDR_SIZE + 8 * i, table);
        }
    }
    if (!qemu_dsdt)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's RSDT lists no FADT with a DSDT");
    set_checksum(xsdt, HDR_SIZE + 8 * n, HDR_CHECKSUM);
    poke(at->xsdt, xsdt, HDR_SIZE + 8 * n);
    dsdt_len = table_length(qemu_dsdt, 0x100000);
    copy_bytes(at->dsdt, qemu_dsdt, dsdt_len);

    for (unsigned i = 0; i < 8; i++)
        rsdp[i] = qemu_rsdp[i];
    for (unsigned i = 0; i < 6; i++)
        rsdp[RSDP_OEMID + i] = qemu_rsdp[RSDP_OEMID + i];
    rsdp[RSDP_REVISION] = 2;
    put32(rsdp + RSDP_LENGTH, RSDP_V2_SIZE);
    put64(rsdp + RSDP_XSDT, at->xsdt);
    set_checksum(rsdp, RSDP_V1_SIZE, RSDP_CHECKSUM);
    set_checksum(rsdp, RSDP_V2_SIZE, RSDP_EXT_CHECKSUM);
    poke(at->rsdp, rsdp, sizeof(rsdp));
    say("hostile: acpi rsdp %llx xsdt %llx fadt %llx dsdt %llx-%llx (QEMU's, copied)\n", at->rsdp,
        at->xsdt, at->fadt, at->dsdt, at->dsdt + dsdt_len - 1);
}
