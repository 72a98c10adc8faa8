#include "common/acpi/acpi.h"
#include "common/acpi/rsdp.h"

#include <stddef.h>

#include "common/lib/bytes.h"
#include "common/lib/string.h"

/* Table layout facts (ACPI 6.5, chapter 5). */
#define SDT_HEADER_SIZE     36
#define SDT_LENGTH          4
#define FADT_DSDT           40
#define FADT_PM1A_CNT_BLK   64
#define FADT_PM1B_CNT_BLK   68
#define FADT_FLAGS          112
#define FADT_X_DSDT         140
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM1B_CNT_BLK 184
#define FADT_SLEEP_CONTROL  244
#define GAS_SIZE            12
#define FADT_HW_REDUCED_ACPI (1u << 20)

/* No table pvhboot reads is anywhere near this; a larger length is garbage. */
#define SDT_MAX_LENGTH (16u << 20)

/* AML opcodes used to find Name(_S5, Package(){...}). */
#define AML_NAME_OP     0x08
#define AML_PACKAGE_OP  0x12
#define AML_ZERO_OP     0x00
#define AML_ONE_OP      0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c

/* The part's marker (include/pvhboot/parts.h). On x86 it is in
 * arch/x86/acpi_poweroff.c, what acts on the tables (the registers'
 * writes, the i8042 reset), whose calls link this file; the host's builds
 * of this file (unit tests, fuzzers) have it here. */
#if !defined(__x86_64__) || __STDC_HOSTED__
const char pvh_part_acpi_poweroff = 1;
#endif

/* The table at pa, whole and checksummed; its signature must be sig
 * unless any_sig (see root_table()). */
static const uint8_t *map_table_as(const struct pvh_phys *phys, uint64_t pa, const char *sig,
                                   bool any_sig, uint32_t *len, struct pvh_error *err)
{
    const uint8_t *t;

    if (!pa)
        return pvh_fail(err, PVH_ENOENT, "ACPI %s: address 0", sig), NULL;
    t = phys->map(phys, pa, SDT_HEADER_SIZE);
    if (!t)
        return pvh_fail(err, PVH_ERANGE, "ACPI %s at 0x%llx: not accessible", sig,
                        (unsigned long long)pa), NULL;
    if (!any_sig && memcmp(t, sig, 4))
        return pvh_fail(err, PVH_EINVAL, "ACPI table at 0x%llx: signature is not %s", 
                        (unsigned long long)pa, sig), NULL;
    *len = pvh_le32(t + SDT_LENGTH);
    if (*len < SDT_HEADER_SIZE || *len > SDT_MAX_LENGTH)
        return pvh_fail(err, PVH_EINVAL, "ACPI %s at 0x%llx: length %u", sig,
                        (unsigned long long)pa, *len), NULL;
    t = phys->map(phys, pa, *len);
    if (!t)
        return pvh_fail(err, PVH_ERANGE, "ACPI %s at 0x%llx length %u: not accessible", sig,
                        (unsigned long long)pa, *len), NULL;
    if (pvh_acpi_checksum(t, *len))
        return pvh_fail(err, PVH_EINVAL, "ACPI %s at 0x%llx: bad checksum", sig,
                        (unsigned long long)pa), NULL;
    return t;
}

static const uint8_t *map_table(const struct pvh_phys *phys, uint64_t pa, const char *sig,
                                uint32_t *len, struct pvh_error *err)
{
    return map_table_as(phys, pa, sig, false, len, err);
}

/* The root table: the XSDT when the RSDP has one, else the RSDT. */
static int read_rsdp(const struct pvh_phys *phys, uint64_t pa, uint64_t *root, bool *xsdt,
                     uint64_t *rsdt, struct pvh_error *err)
{
    const uint8_t *r = pa ? phys->map(phys, pa, RSDP_V1_SIZE) : NULL;

    if (!r) /* map_table_as's message, with its string */
        return pvh_fail(err, PVH_ERANGE, "ACPI %s at 0x%llx: not accessible", "RSDP",
                        (unsigned long long)pa);
    if (memcmp(r, "RSD PTR ", 8) || pvh_acpi_checksum(r, RSDP_V1_SIZE))
        return pvh_fail(err, PVH_EINVAL, "ACPI RSDP at 0x%llx: bad signature or checksum",
                        (unsigned long long)pa);
    *xsdt = false;
    *root = *rsdt = pvh_le32(r + RSDP_RSDT);
    if (r[RSDP_REVISION] >= 2) {
        const uint8_t *r2 = phys->map(phys, pa, RSDP_V2_SIZE);

        if (r2 && pvh_le32(r2 + RSDP_LENGTH) >= RSDP_V2_SIZE && !pvh_acpi_checksum(r2, RSDP_V2_SIZE) &&
            pvh_le64(r2 + RSDP_XSDT)) {
            *root = pvh_le64(r2 + RSDP_XSDT);
            *xsdt = true;
        }
    }
    return PVH_OK;
}

/* What the specification calls the tables whose signatures differ. */
static const char *table_name(const char *sig)
{
    if (!memcmp(sig, "FACP", 4))
        return "FADT";
    if (!memcmp(sig, "APIC", 4))
        return "MADT";
    return sig;
}

/*
 * The root table. One quirk is taken: Xen 4.17 builds a PVH dom0's XSDT
 * by copying the header of the firmware's XSDT, and where the firmware
 * has only an RSDT (QEMU's SeaBIOS) it copies 36 bytes from address 0
 * instead, then writes the right length, entries and checksum; the RSDP
 * it writes names no RSDT. With no RSDT to fall back on, such an XSDT is
 * taken on its length and checksum, whatever its signature says (later
 * Xen writes "XSDT" there).
 */
static const uint8_t *root_table(const struct pvh_phys *phys, uint64_t root, bool xsdt,
                                 uint64_t rsdt, uint32_t *len, struct pvh_error *err)
{
    /* Only the signature is let go: map_table_as checks it after the
     * address and before the length and checksum, so any other fault
     * reads as it would with the signature checked. */
    return map_table_as(phys, root, xsdt ? "XSDT" : "RSDT", xsdt && !rsdt, len, err);
}

const uint8_t *pvh_acpi_find_table(const struct pvh_phys *phys, uint64_t rsdp, const char *sig,
                                   uint32_t *len, struct pvh_error *err)
{
    uint64_t root = 0, rsdt = 0;
    bool xsdt = false;
    const uint8_t *t;
    uint32_t tlen, i, entry_size;

    if (read_rsdp(phys, rsdp, &root, &xsdt, &rsdt, err))
        return NULL;
    t = root_table(phys, root, xsdt, rsdt, &tlen, err);
    if (!t)
        return NULL;
    entry_size = xsdt ? 8 : 4;
    for (i = SDT_HEADER_SIZE; i + entry_size <= tlen; i += entry_size) {
        uint64_t pa = xsdt ? pvh_le64(t + i) : pvh_le32(t + i);
        const uint8_t *h = pa ? phys->map(phys, pa, SDT_HEADER_SIZE) : NULL;

        if (h && !memcmp(h, sig, 4))
            return map_table(phys, pa, sig, len, err);
    }
    pvh_fail(err, PVH_ENOENT, "ACPI: no %s in the %s", table_name(sig), xsdt ? "XSDT" : "RSDT");
    return NULL;
}

static struct pvh_acpi_gas gas_at(const uint8_t *p)
{
    return (struct pvh_acpi_gas){ p[0], p[1], p[2], p[3], pvh_le64(p + 4) };
}

static struct pvh_acpi_gas io_port(uint32_t port)
{
    return (struct pvh_acpi_gas){ ACPI_SPACE_IO, 16, 0, 2, port };
}

/* An AML integer constant at p (limited to end); false if it is none.
 * ZeroOp and OneOp are their own value; BytePrefix, WordPrefix and
 * DWordPrefix (0x0a, 0x0b, 0x0c) are followed by 1, 2 and 4 bytes, of
 * which the first (least significant) is what a sleep type can use. */
static bool aml_integer(const uint8_t *p, const uint8_t *end, uint8_t *value, const uint8_t **next)
{
    unsigned size;

    if (p >= end)
        return false;
    if (*p == AML_ZERO_OP || *p == AML_ONE_OP) {
        *value = *p;
        *next = p + 1;
        return true;
    }
    if (*p < AML_BYTE_PREFIX || *p > AML_DWORD_PREFIX)
        return false;
    size = 1 + (1u << (*p - AML_BYTE_PREFIX));
    if (end - p < size)
        return false;
    *value = p[1];
    *next = p + size;
    return true;
}

/* Parse the Package after "_S5_" at p: PackageOp PkgLength NumElements
 * SLP_TYPa SLP_TYPb. PkgLength (ACPI 6.5, 20.2.4) counts from its own
 * first byte to the end of the package: its top two bits give the number
 * of bytes that follow; with none, the low six bits are the length, else
 * the low four bits and then the following bytes, least significant
 * first. The package's contents are read only within that length. */
static bool parse_s5_package(const uint8_t *p, const uint8_t *end, uint8_t *a, uint8_t *b)
{
    const uint8_t *len_at = p + 1, *pkg_end;
    unsigned extra, i;
    uint32_t len;

    if (end - p < 3 || p[0] != AML_PACKAGE_OP)
        return false;
    extra = len_at[0] >> 6;
    if (end - len_at < (ptrdiff_t)extra + 1)
        return false;
    len = extra ? len_at[0] & 0x0f : len_at[0] & 0x3f;
    for (i = 0; i < extra; i++)
        len |= (uint32_t)len_at[1 + i] << (4 + 8 * i);
    if (len < 1 + extra || (uint64_t)len > (uint64_t)(end - len_at))
        return false;
    pkg_end = len_at + len;
    p = len_at + 1 + extra;
    if (p >= pkg_end)
        return false;
    p++; /* NumElements */
    if (!aml_integer(p, pkg_end, a, &p))
        return false;
    if (!aml_integer(p, pkg_end, b, &p))
        *b = *a; /* a one-element package: both the same */
    return true;
}

static int find_s5(const uint8_t *dsdt, uint32_t len, uint8_t *a, uint8_t *b, struct pvh_error *err)
{
    const uint8_t *end = dsdt + len;
    const uint8_t *p;

    for (p = dsdt + SDT_HEADER_SIZE + 1; p + 4 <= end; p++) {
        if (*p != '_' || memcmp(p, "_S5_", 4))
            continue;
        /* NameOp, possibly with the root prefix '\' before the name. */
        if (p[-1] != AML_NAME_OP && !(p[-1] == '\\' && p - 2 >= dsdt && p[-2] == AML_NAME_OP))
            continue;
        if (parse_s5_package(p + 4, end, a, b))
            return PVH_OK;
    }
    return pvh_fail(err, PVH_ENOENT, "ACPI DSDT: no \\_S5 package");
}

/* The FADT, at least min bytes long, and the DSDT it names. */
static const uint8_t *fadt_and_dsdt(const struct pvh_phys *phys, uint64_t rsdp, uint32_t min,
                                    const uint8_t **fadt, uint32_t *flen, uint32_t *len,
                                    struct pvh_error *err)
{
    uint64_t pa;

    *fadt = pvh_acpi_find_table(phys, rsdp, "FACP", flen, err);
    if (!*fadt)
        return NULL;
    if (*flen < min)
        return pvh_fail(err, PVH_EINVAL, "ACPI %s: length %u too short", "FADT", *flen), NULL;
    pa = pvh_le32(*fadt + FADT_DSDT);
    if (*flen >= FADT_X_DSDT + 8 && pvh_le64(*fadt + FADT_X_DSDT))
        pa = pvh_le64(*fadt + FADT_X_DSDT);
    return map_table(phys, pa, "DSDT", len, err);
}

const uint8_t *pvh_acpi_find_dsdt(const struct pvh_phys *phys, uint64_t rsdp, uint32_t *len,
                                  struct pvh_error *err)
{
    const uint8_t *fadt;
    uint32_t flen;

    return fadt_and_dsdt(phys, rsdp, FADT_DSDT + 4, &fadt, &flen, len, err);
}

int pvh_acpi_find_poweroff(const struct pvh_phys *phys, uint64_t rsdp,
                           struct pvh_acpi_poweroff *out, struct pvh_error *err)
{
    const uint8_t *fadt, *dsdt;
    uint32_t flen, dlen;

    memset(out, 0, sizeof(*out));
    dsdt = fadt_and_dsdt(phys, rsdp, FADT_PM1B_CNT_BLK + 4, &fadt, &flen, &dlen, err);
    if (!dsdt)
        return err->code;
    if (find_s5(dsdt, dlen, &out->slp_typ_a, &out->slp_typ_b, err))
        return err->code;

    if (flen >= FADT_FLAGS + 4 && (pvh_le32(fadt + FADT_FLAGS) & FADT_HW_REDUCED_ACPI)) {
        if (flen < FADT_SLEEP_CONTROL + GAS_SIZE)
            return pvh_fail(err, PVH_EINVAL, "ACPI FADT: hardware-reduced, but length %u has "
                            "no sleep control register", flen);
        out->sleep_ctl = gas_at(fadt + FADT_SLEEP_CONTROL);
        if (!out->sleep_ctl.address)
            return pvh_fail(err, PVH_ENOENT, "ACPI FADT: hardware-reduced, sleep control register 0");
        out->kind = PVH_ACPI_OFF_SLEEP_CTL;
        return PVH_OK;
    }

    out->pm1a_cnt = io_port(pvh_le32(fadt + FADT_PM1A_CNT_BLK));
    out->pm1b_cnt = io_port(pvh_le32(fadt + FADT_PM1B_CNT_BLK));
    if (flen >= FADT_X_PM1B_CNT_BLK + GAS_SIZE) {
        struct pvh_acpi_gas xa = gas_at(fadt + FADT_X_PM1A_CNT_BLK);
        struct pvh_acpi_gas xb = gas_at(fadt + FADT_X_PM1B_CNT_BLK);

        if (xa.address)
            out->pm1a_cnt = xa;
        if (xb.address)
            out->pm1b_cnt = xb;
    }
    if (!out->pm1a_cnt.address)
        return pvh_fail(err, PVH_ENOENT, "ACPI FADT: no PM1a control block");
    out->kind = PVH_ACPI_OFF_PM1;
    return PVH_OK;
}

/* --- Finding the RSDP when the loader gives none -------------------------- */
