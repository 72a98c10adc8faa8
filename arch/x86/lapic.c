#include "arch/x86/lapic.h"

#include <stdbool.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/cpu/cpu_arch.h"
#include "common/boot/timing.h"

/* xAPIC register offsets (Intel SDM vol. 3, table 11-1). */
#define APIC_SVR      0xf0
#define APIC_ICR_LOW  0x300
#define APIC_ICR_HIGH 0x310
#define APIC_SVR_ENABLE 0x100u
#define APIC_ICR_PENDING 0x1000u /* delivery status: not yet accepted */
#define APIC_BASE_MASK 0x000ffffffffff000ull
/* x2APIC MSRs: register offset / 16 + 0x800; the ICR is one 64-bit MSR. */
#define MSR_X2APIC_SVR 0x80f
#define MSR_X2APIC_ICR 0x830

#define MIB2 0x200000ull
#define FOUR_GIB (4ull << 30)
/* How long the local APIC may take to accept an IPI. */
#define SEND_TIMEOUT_US 100000u

static bool x2apic;
static volatile uint32_t *mmio;
/* For the wake-up handler (ap_start.asm): the EOI register, 0 in x2APIC mode. */
uint64_t x86_lapic_eoi_mmio;

static inline uint32_t reg_read(unsigned off)
{
    return mmio[off / 4];
}

static inline void reg_write(unsigned off, uint32_t v)
{
    mmio[off / 4] = v;
}

/* The xAPIC page: MMIO, never RAM, so mapped uncached on its own. */
static int map_uncached(uint64_t base, struct pvh_error *err)
{
    const char *why = "outside 2 MiB..4 GiB";
    int code = PVH_ERANGE;

    if (base >= MIB2 && base < FOUR_GIB) {
        if (x86_paging_map(base, X86_PAGE_SIZE, X86_MAP_MMIO))
            return PVH_OK;
        why = "no page-table pages left";
        code = PVH_ENOMEM;
    }
    return pvh_fail(err, code, "local APIC at 0x%llx: %s", (unsigned long long)base, why);
}

int x86_lapic_init(struct pvh_error *err)
{
    uint64_t msr = x86_rdmsr(X86_MSR_APIC_BASE);
    uint64_t base = msr & APIC_BASE_MASK;
    int rc;

    if (!(msr & X86_APIC_BASE_ENABLE)) {
        msr |= X86_APIC_BASE_ENABLE;
        x86_wrmsr(X86_MSR_APIC_BASE, msr);
    }
    x2apic = msr & X86_APIC_BASE_EXTD;
    if (x2apic)
        return PVH_OK;
    rc = map_uncached(base, err);
    if (rc)
        return rc;
    mmio = (volatile uint32_t *)(uintptr_t)base;
    x86_lapic_eoi_mmio = base + X86_APIC_EOI;
    return PVH_OK;
}

void x86_lapic_init_here(void)
{
    uint64_t msr = x86_rdmsr(X86_MSR_APIC_BASE);

    if (x2apic) {
        /* From xAPIC to x2APIC takes two steps: enable, then EXTD. */
        x86_wrmsr(X86_MSR_APIC_BASE, msr | X86_APIC_BASE_ENABLE);
        x86_wrmsr(X86_MSR_APIC_BASE, msr | X86_APIC_BASE_ENABLE | X86_APIC_BASE_EXTD);
        x86_wrmsr(MSR_X2APIC_SVR, APIC_SVR_ENABLE | X86_VECTOR_SPURIOUS);
        return;
    }
    if (!(msr & X86_APIC_BASE_ENABLE))
        x86_wrmsr(X86_MSR_APIC_BASE, msr | X86_APIC_BASE_ENABLE);
    reg_write(APIC_SVR, APIC_SVR_ENABLE | X86_VECTOR_SPURIOUS);
}

static bool idle(uint64_t start, uint64_t limit)
{
    while (reg_read(APIC_ICR_LOW) & APIC_ICR_PENDING) {
        if (pvh_timestamp() - start > limit)
            return false;
        x86_pause();
    }
    return true;
}

/*
 * In x2APIC mode a WRMSR to the ICR is not serializing (Intel SDM vol. 3,
 * 11.12.3): the IPI can leave before this CPU's earlier stores are
 * globally visible, and the woken CPU then reads the old state and
 * sleeps again, for ever. MFENCE;LFENCE first is the sequence the SDM
 * gives for that; it is in the same asm as the WRMSR so that nothing can
 * be scheduled between them (tests/boot/test_x86_objects.py checks the
 * built object). An xAPIC ICR write is an uncached store: already ordered.
 */
static inline void x2apic_icr_write(uint64_t v)
{
    __asm__ volatile("mfence; lfence; wrmsr"
                     : : "c"(MSR_X2APIC_ICR), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
                     : "memory");
}

int x86_lapic_send(uint32_t dest, uint32_t icr, struct pvh_error *err)
{
    uint64_t limit = pvh_cpu_counter_ticks(SEND_TIMEOUT_US);

    if (x2apic) { /* no delivery status to wait for: the write is the send */
        x2apic_icr_write((uint64_t)dest << 32 | icr);
        return PVH_OK;
    }
    if (dest > 0xff)
        return pvh_fail(err, PVH_ERANGE, "APIC ID 0x%x: above 0xff in xAPIC mode", dest);
    if (!idle(pvh_timestamp(), limit))
        return pvh_fail(err, PVH_ENOENT, "local APIC: the last IPI still not sent");
    reg_write(APIC_ICR_HIGH, dest << 24);
    reg_write(APIC_ICR_LOW, icr);
    if (!idle(pvh_timestamp(), limit))
        return pvh_fail(err, PVH_ENOENT, "local APIC: IPI 0x%x to 0x%x not accepted", icr, dest);
    return PVH_OK;
}
