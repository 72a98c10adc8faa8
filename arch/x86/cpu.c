/* What the CPU offers, and which hypervisor (if any) runs it. */
#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/boot/hypervisor.h"
#include "common/lib/string.h"

struct x86_cpu x86_cpu;

#define CPUID_ADDRESS_SIZES 0x80000008u
#define DEFAULT_PHYS_BITS 36u /* what a CPU without that leaf has */

void x86_cpu_probe(void)
{
    uint32_t r[4];
    unsigned bits = DEFAULT_PHYS_BITS;

    x86_cpuid(0, 0, r);
    memcpy(x86_cpu.vendor + 0, &r[1], 4);
    memcpy(x86_cpu.vendor + 4, &r[3], 4);
    memcpy(x86_cpu.vendor + 8, &r[2], 4);
    x86_cpu.vendor[12] = '\0';

    x86_cpuid(1, 0, r);
    x86_cpu.hypervisor = r[2] & X86_CPUID_1_ECX_HYPERVISOR;

    x86_cpuid(X86_CPUID_EXT_BASE, 0, r);
    if (r[0] >= CPUID_ADDRESS_SIZES) {
        x86_cpuid(CPUID_ADDRESS_SIZES, 0, r);
        bits = r[0] & 0xff;
    }
    x86_cpu.phys_limit = 1ull << (bits < 47 ? bits : 47);

    /* The entry checked that this leaf exists (long mode lives there). */
    x86_cpuid(X86_CPUID_EXT_FEATURES, 0, r);
    x86_cpu.page1gb = r[3] & X86_CPUID_EXT_EDX_PAGE1GB;
    /* The entry turned NXE on exactly when this bit is set: asking the
     * leaf, not EFER, spares a VM exit under a hypervisor that traps
     * MSR reads (Xen). */
    x86_cpu.nx = r[3] & X86_CPUID_EXT_EDX_NX;
}

/*
 * Hypervisors put a 12-byte signature at CPUID leaf 0x40000000, or at
 * a multiple of 0x100 above it when they also offer another's
 * interface there (Xen with Viridian puts Hyper-V's at 0x40000000 and
 * its own at 0x40000100). Xen wins wherever it is; otherwise the
 * lowest signature found names the hypervisor. The ranges follow one
 * another from 0x40000000 (Hyper-V's or KVM's below Xen's or KVM's), so
 * the first leaf that is not a hypervisor's ends the scan: a CPU answers
 * the 255 leaves past the last range with copies or zeroes, and asking
 * each costs a VM exit under a real hypervisor.
 */
void x86_hypervisor_probe(struct pvh_hypervisor *hv)
{
    uint32_t base, r[4], last[4] = { 0 };
    bool found = false;

    hv->kind = PVH_HV_NONE;
    hv->name = "none";
    hv->signature[0] = '\0';
    if (!x86_cpu.hypervisor)
        return;
    for (base = X86_CPUID_HV_BASE; base <= X86_CPUID_HV_LAST; base += X86_CPUID_HV_STEP) {
        struct pvh_hypervisor here = { .cpuid_base = base };
        const char *sig = (const char *)&r[1]; /* EBX, ECX, EDX: the signature's order */

        x86_cpuid(base, 0, r);
        /* A leaf the CPU lacks answers like the one before it (or all
         * zeroes): past the last range. */
        if (!memcmp(r, last, sizeof(r)))
            break;
        memcpy(last, r, sizeof(r));
        /* An unknown signature counts only where the leaf range looks
         * real: CPUs answer leaves they lack with another leaf's data. */
        if (!pvh_hypervisor_identify(&here, sig) &&
            (!sig[0] || r[0] < base || r[0] - base > 0xff))
            break;
        if (here.kind == PVH_HV_XEN) {
            x86_cpuid(base + 1, 0, r); /* version: major << 16 | minor */
            here.version_major = r[0] >> 16;
            here.version_minor = r[0] & 0xffff;
            *hv = here;
            return;
        }
        if (!found) {
            *hv = here;
            found = true;
        }
    }
}
