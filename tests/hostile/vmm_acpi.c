/*
 * ACPI for a replica: the host's tables where the VMM keeps its own.
 *
 * A VMM's guest finds the VMM's RSDP (Firecracker: at 0xe0000, by a
 * scan; Cloud Hypervisor: at 0xa0000, named in the start info). The
 * replicas put an RSDP at that address, but the tables under it are the
 * host's -- QEMU's, laid out by SeaBIOS at the top of the RAM below
 * 4 GiB -- because the guest's ACPI poweroff must reach the PIIX4 that
 * QEMU really emulates. The VMMs put their initrd at the top of that same
 * RAM, so the tables are moved first: the RSDT, every table it lists, and
 * the FADT's FACS and DSDT, each copied to the VMM's table area with its
 * pointers and checksums fixed. What the guest reads there is QEMU's
 * tables byte for byte but for those pointers and checksums; the RSDP's
 * OEM ID and revision are QEMU's too (SeaBIOS writes revision 0).
 */
#include "tests/hostile/vmm.h"

#include "tests/hostile/console.h"
#include "tests/hostile/machine.h"

#define RSDP_V1_SIZE 20u
#define RSDP_CHECKSUM 8u
#define RSDP_REVISION 15u
#define RSDP_RSDT 16u
#define HDR_LENGTH 4u
#define HDR_CHECKSUM 9u
#define HDR_SIZE 36u
#define FADT_FACS 36u
#define FADT_DSDT 40u
#define FADT_X_FACS 132u
#define FADT_X_DSDT 140u
#define FADT_X_END 148u
#define FACS_ALIGN 64u
#define TABLE_ALIGN 16u
#define TABLE_MAX 0x10000u   /* no table of QEMU's is near this */
#define AREA_END 0xe0000u    /* both VMMs' ACPI areas end here (Firecracker's RSDP) */
#define ONE_MIB 0x100000u

static uint8_t host_rsdp[RSDP_V1_SIZE];
static uint32_t next_free, area_end;

static uint32_t rd32(uint32_t pa)
{
    const volatile uint8_t *p = (const volatile uint8_t *)pa;

    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint32_t pa, uint32_t v)
{
    volatile uint8_t *p = (volatile uint8_t *)pa;

    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t sum(uint32_t pa, uint32_t len)
{
    uint8_t s = 0;

    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + ((const volatile uint8_t *)pa)[i]);
    return s;
}

static void fix_checksum(uint32_t pa, uint32_t len, uint32_t at)
{
    volatile uint8_t *c = (volatile uint8_t *)(pa + at);

    *c = 0;
    *c = (uint8_t)-sum(pa, len);
}

void acpi_take_host(void)
{
    uint32_t pa = (uint32_t)M.rsdp;

    if (!pa)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU gave no RSDP to move");
    for (unsigned i = 0; i < RSDP_V1_SIZE; i++)
        host_rsdp[i] = ((const volatile uint8_t *)pa)[i];
    if (rd32(pa) != 0x20445352u || rd32(pa + 4) != 0x20525450u || sum(pa, RSDP_V1_SIZE))
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's RSDP at %x: bad signature or checksum", pa);
    if (host_rsdp[RSDP_REVISION] >= 2)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's RSDP revision %u: the replica moves an "
                     "RSDT only", host_rsdp[RSDP_REVISION]);
}

/* Copy the table at src (length from its header, or len if non-zero)
 * to the next free place aligned to align; return where. */
static uint32_t move_table(uint32_t src, uint32_t len, uint32_t align)
{
    uint32_t dst = (next_free + align - 1) & ~(align - 1);

    if (!len)
        len = rd32(src + HDR_LENGTH);
    if (src < ONE_MIB || len < HDR_LENGTH + 4 || len > TABLE_MAX || dst + len > area_end)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's ACPI table at %x (%u bytes): cannot "
                     "move it to %x", src, len, dst);
    for (uint32_t i = 0; i < len; i++)
        ((volatile uint8_t *)dst)[i] = ((const volatile uint8_t *)src)[i];
    next_free = dst + len;
    return dst;
}

/* The FADT's FACS and DSDT, 32- and 64-bit pointers alike. */
static void move_fadt_children(uint32_t fadt)
{
    uint32_t len = rd32(fadt + HDR_LENGTH);
    uint32_t facs = rd32(fadt + FADT_FACS), dsdt = rd32(fadt + FADT_DSDT);
    uint32_t new_facs = facs ? move_table(facs, 0, FACS_ALIGN) : 0;
    uint32_t new_dsdt = dsdt ? move_table(dsdt, 0, TABLE_ALIGN) : 0;

    wr32(fadt + FADT_FACS, new_facs);
    wr32(fadt + FADT_DSDT, new_dsdt);
    if (len >= FADT_X_END) {
        if (rd32(fadt + FADT_X_FACS) == facs && rd32(fadt + FADT_X_FACS + 4) == 0)
            wr32(fadt + FADT_X_FACS, new_facs);
        if (rd32(fadt + FADT_X_DSDT) == dsdt && rd32(fadt + FADT_X_DSDT + 4) == 0)
            wr32(fadt + FADT_X_DSDT, new_dsdt);
    }
    fix_checksum(fadt, len, HDR_CHECKSUM);
}

void acpi_relocate(uint32_t rsdp_at, uint32_t tables_at, const uint8_t *madt, uint32_t madt_len)
{
    uint32_t rsdt, entries;
    bool madt_placed = false;

    next_free = tables_at;
    area_end = AREA_END;
    rsdt = move_table(rd32((uint32_t)host_rsdp + RSDP_RSDT), 0, TABLE_ALIGN);
    entries = (rd32(rsdt + HDR_LENGTH) - HDR_SIZE) / 4;
    for (uint32_t i = 0; i < entries; i++) {
        uint32_t slot = rsdt + HDR_SIZE + 4 * i, table;

        if (madt && rd32(rd32(slot)) == 0x43495041u) { /* "APIC": the VMM's own instead */
            table = move_table((uint32_t)madt, madt_len, TABLE_ALIGN);
            madt_placed = true;
        } else {
            table = move_table(rd32(slot), 0, TABLE_ALIGN);
        }
        wr32(slot, table);
        if (rd32(table) == 0x50434146u) /* "FACP" */
            move_fadt_children(table);
    }
    if (madt && !madt_placed)
        hostile_fail(HOSTILE_EXIT_BROKEN_SETUP, "QEMU's RSDT lists no MADT to replace");
    fix_checksum(rsdt, rd32(rsdt + HDR_LENGTH), HDR_CHECKSUM);
    for (unsigned i = 0; i < RSDP_V1_SIZE; i++)
        ((volatile uint8_t *)rsdp_at)[i] = host_rsdp[i];
    wr32(rsdp_at + RSDP_RSDT, rsdt);
    fix_checksum(rsdp_at, RSDP_V1_SIZE, RSDP_CHECKSUM);
    say("hostile: acpi rsdp %x rsdt %x tables %x-%x (QEMU's, moved)\n", rsdp_at, rsdt, tables_at,
        next_free - 1);
}
