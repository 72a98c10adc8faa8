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

/* Processor flags (ACPI 6.5, 5.2.12.2): bit 0 enabled, the CPU is there
 * and can run; bit 1 online-capable (ACPI 6.3 on), which without bit 0
 * means a CPU that may be added while the OS runs (hot-plug), not one
 * that is there: Cloud Hypervisor lists every CPU up to --cpus max so.
 * Only enabled CPUs are listed; the others are counted as possible. */
#define CPU_ENABLED         0x1u
#define CPU_ONLINE_CAPABLE  0x2u

/* IDs that name no CPU: the xAPIC and x2APIC broadcast IDs. */
#define APIC_ID_BROADCAST   0xffu
#define X2APIC_ID_BROADCAST 0xffffffffu
/* ACPI keeps x2APIC entries for IDs of 255 and up. Below that, next to
 * local APIC entries, firmware has been seen to list phantom CPUs in
 * them; Linux skips them then (acpi_parse_x2apic), and so does pvhboot. */
#define X2APIC_ID_FIRST     0xffu

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
    bool lapic_cpus; /* the table has a usable local APIC (type 0) entry */
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
    /* The boot CPU runs, whatever the table says. */
    if (!boot && !(flags & CPU_ENABLED)) {
        if (flags & CPU_ONLINE_CAPABLE)
            w->info->possible++;
        return;
    }
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

/* The length each entry type read here needs; 0: a type not read. */
static const uint8_t min_length[TYPE_LOCAL_X2APIC + 1] = {
    [TYPE_LOCAL_APIC] = LOCAL_APIC_LENGTH,
    [TYPE_LAPIC_OVERRIDE] = LAPIC_OVERRIDE_LENGTH,
    [TYPE_LOCAL_X2APIC] = LOCAL_X2APIC_LENGTH,
};

static int read_entry(struct madt_walk *w, const uint8_t *e, uint32_t off, struct pvh_error *err)
{
    uint8_t type = e[ENTRY_TYPE], len = e[ENTRY_LENGTH];
    uint32_t id;

    if (type <= TYPE_LOCAL_X2APIC && len < min_length[type])
        return pvh_fail(err, PVH_EINVAL, "ACPI MADT: entry of type %u at offset %u: length %u "
                        "too short", type, off, len);
    switch (type) {
    case TYPE_LOCAL_APIC:
        if (e[3] != APIC_ID_BROADCAST)
            add_cpu(w, e[3], e[2], pvh_le32(e + 4));
        break;
    case TYPE_LOCAL_X2APIC:
        id = pvh_le32(e + 4);
        if (id != X2APIC_ID_BROADCAST &&
            (id >= X2APIC_ID_FIRST || !w->lapic_cpus || id == w->boot_id))
            add_cpu(w, id, pvh_le32(e + 12), pvh_le32(e + 8));
        break;
    case TYPE_LAPIC_OVERRIDE:
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
    if (len < MADT_ENTRIES) /* acpi.c's pattern for the FADT: one string */
        return pvh_fail(err, PVH_EINVAL, "ACPI %s: length %u too short", "MADT", len);
    info->lapic_pa = pvh_le32(t + MADT_LAPIC_ADDRESS);
    /* Every entry inside the table; and does it list a usable local APIC?
     * That decides how its x2APIC entries are read. */
    for (off = MADT_ENTRIES; off < len; off += t[off + ENTRY_LENGTH]) {
        const uint8_t *e = t + off;

        if (len - off < 2 || e[ENTRY_LENGTH] < 2 || e[ENTRY_LENGTH] > len - off)
            return pvh_fail(err, PVH_EINVAL, "ACPI MADT: entry at offset %u runs past the "
                            "table's %u bytes (or is shorter than 2)", off, len);
        if (e[ENTRY_TYPE] == TYPE_LOCAL_APIC && e[ENTRY_LENGTH] >= LOCAL_APIC_LENGTH &&
            e[3] != APIC_ID_BROADCAST && (pvh_le32(e + 4) & (CPU_ENABLED | CPU_ONLINE_CAPABLE)))
            w.lapic_cpus = true;
    }
    for (off = MADT_ENTRIES; off < len; off += t[off + ENTRY_LENGTH]) {
        rc = read_entry(&w, t + off, off, err);
        if (rc)
            return rc;
    }
    if (!w.boot_seen)
        return pvh_fail(err, PVH_ENOENT, "ACPI MADT: the boot CPU (APIC ID 0x%llx) is not "
                        "listed", (unsigned long long)boot_id);
    return PVH_OK;
}
