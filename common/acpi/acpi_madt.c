#include "common/acpi/acpi_madt.h"

#include <stdbool.h>

#include "common/acpi/acpi.h"
#include "common/lib/bytes.h"
#include "common/lib/string.h"

/* MADT layout (ACPI 6.5, 5.2.12). */
#define MADT_LAPIC_ADDRESS 36   /* u32, after the common 36-byte header */
#define MADT_ENTRIES       44   /* after the address and the flags */
#define ENTRY_TYPE         0
#define ENTRY_LENGTH       1

#define TYPE_LOCAL_APIC          0  /* u8 UID, u8 APIC ID, u32 flags: 8 bytes */
#define TYPE_LAPIC_OVERRIDE      5  /* u16 reserved, u64 address: 12 bytes */
#define TYPE_LOCAL_X2APIC        9  /* u16 reserved, u32 ID, u32 flags, u32 UID: 16 bytes */
#define LOCAL_APIC_LENGTH        8
#define LAPIC_OVERRIDE_LENGTH    12
#define LOCAL_X2APIC_LENGTH      16

/* Processor flags: bit 0 enabled, bit 1 online-capable (ACPI 6.3 on):
 * either one means the CPU can run. */
#define CPU_ENABLED         0x1u
#define CPU_ONLINE_CAPABLE  0x2u

/* IDs that name no CPU: the xAPIC and x2APIC broadcast IDs. */
#define APIC_ID_BROADCAST   0xffu
#define X2APIC_ID_BROADCAST 0xffffffffu

/* IDs below this are remembered in a bitmap, so a CPU listed twice
 * counts once however many CPUs there are; past the caller's array, a
 * larger ID listed twice is counted twice (the count only feeds a
 * warning). */
#define SEEN_IDS 4096u

struct madt_walk {
    struct pvh_cpu *cpus;
    unsigned max;
    uint64_t boot_id;
    struct pvh_madt_info *info;
    bool boot_seen;
    uint8_t seen[SEEN_IDS / 8];
};

static bool listed(const struct madt_walk *w, uint64_t id)
{
    unsigned i;

    if (id < SEEN_IDS)
        return w->seen[id / 8] & (1u << (id % 8));
    for (i = 1; i < w->info->nr; i++)
        if (w->cpus[i].hwid == id)
            return true;
    return false;
}

static void add_cpu(struct madt_walk *w, uint64_t id, uint32_t uid, uint32_t flags)
{
    bool boot = id == w->boot_id;

    if (boot ? w->boot_seen : listed(w, id))
        return;
    if (!boot && !(flags & (CPU_ENABLED | CPU_ONLINE_CAPABLE)))
        return; /* the boot CPU runs, whatever the table says */
    if (id < SEEN_IDS)
        w->seen[id / 8] |= (uint8_t)(1u << (id % 8));
    w->info->found++;
    if (boot) {
        w->boot_seen = true;
        w->cpus[0] = (struct pvh_cpu){ .hwid = id, .acpi_id = uid, .flags = PVH_CPU_BOOT };
    } else if (w->info->nr < w->max) {
        w->cpus[w->info->nr++] = (struct pvh_cpu){ .hwid = id, .acpi_id = uid };
    }
}

static int short_entry(uint8_t type, uint32_t off, uint8_t len, struct pvh_error *err)
{
    return pvh_fail(err, PVH_EINVAL, "ACPI MADT: entry of type %u at offset %u: length %u "
                    "too short", type, off, len);
}

static int read_entry(struct madt_walk *w, const uint8_t *e, uint32_t off, struct pvh_error *err)
{
    uint8_t type = e[ENTRY_TYPE], len = e[ENTRY_LENGTH];

    switch (type) {
    case TYPE_LOCAL_APIC:
        if (len < LOCAL_APIC_LENGTH)
            return short_entry(type, off, len, err);
        if (e[3] != APIC_ID_BROADCAST)
            add_cpu(w, e[3], e[2], pvh_le32(e + 4));
        break;
    case TYPE_LOCAL_X2APIC:
        if (len < LOCAL_X2APIC_LENGTH)
            return short_entry(type, off, len, err);
        if (pvh_le32(e + 4) != X2APIC_ID_BROADCAST)
            add_cpu(w, pvh_le32(e + 4), pvh_le32(e + 12), pvh_le32(e + 8));
        break;
    case TYPE_LAPIC_OVERRIDE:
        if (len < LAPIC_OVERRIDE_LENGTH)
            return short_entry(type, off, len, err);
        w->info->lapic_pa = pvh_le64(e + 4);
        break;
    default:
        break; /* I/O APICs, NMI sources, ...: not ours to read */
    }
    return PVH_OK;
}

int pvh_acpi_madt_cpus(const struct pvh_phys *phys, uint64_t rsdp, uint64_t boot_id,
                       struct pvh_cpu *cpus, unsigned max, struct pvh_madt_info *info,
                       struct pvh_error *err)
{
    struct madt_walk w = { .cpus = cpus, .max = max, .boot_id = boot_id, .info = info };
    const uint8_t *t;
    uint32_t len, off;
    int rc;

    *info = (struct pvh_madt_info){ .nr = 1 }; /* cpus[0]: the boot CPU's place */
    if (!max)
        return pvh_fail(err, PVH_EINVAL, "ACPI MADT: no room for any CPU");
    t = pvh_acpi_find_table(phys, rsdp, "APIC", &len, err);
    if (!t)
        return err->code;
    if (len < MADT_ENTRIES)
        return pvh_fail(err, PVH_EINVAL, "ACPI MADT: length %u too short", len);
    info->lapic_pa = pvh_le32(t + MADT_LAPIC_ADDRESS);
    for (off = MADT_ENTRIES; off < len; off += t[off + ENTRY_LENGTH]) {
        if (len - off < 2 || t[off + ENTRY_LENGTH] < 2 || t[off + ENTRY_LENGTH] > len - off)
            return pvh_fail(err, PVH_EINVAL, "ACPI MADT: entry at offset %u runs past the "
                            "table's %u bytes (or is shorter than 2)", off, len);
        rc = read_entry(&w, t + off, off, err);
        if (rc)
            return rc;
    }
    if (!w.boot_seen)
        return pvh_fail(err, PVH_ENOENT, "ACPI MADT: the boot CPU (APIC ID 0x%llx) is not "
                        "listed", (unsigned long long)boot_id);
    return PVH_OK;
}
