/*
 * Xen hypercalls on x86_64: number in %rax, arguments in %rdi, %rsi,
 * %rdx (then %r10, %r8), result in %rax. Two ways in:
 *  - direct: VMCALL on Intel-compatible CPUs, VMMCALL on AMD-compatible
 *    ones (what current Xen and Linux use; no page to set up);
 *  - the hypercall page: Xen writes a 32-byte stub per hypercall into a
 *    page the guest names through an MSR. The page starts out filled
 *    with RET, so a call through a page Xen never wrote returns; after
 *    the MSR write we check that Xen did write it.
 * Until one is chosen every call returns -XEN_ENOSYS without trapping.
 */
#include <xen/cpuid.h>
#include <xen/xen.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/lib/string.h"
#include "common/xen/xen.h"

#define X86_OPCODE_RET 0xc3

enum call_method { CALL_NONE, CALL_VMCALL, CALL_VMMCALL, CALL_PAGE };

static enum call_method method;

/* Executable once Xen has filled it (x86_paging_seal_code).
 * Filled before use, so not zeroed. */
uint8_t x86_hypercall_page[X86_PAGE_SIZE]
    __attribute__((aligned(X86_PAGE_SIZE), section(".noinit.hypercall_page")));

/* The vendors whose CPUs have VMCALL, 12 bytes each, one after another. */
static const char intel_vendors[] = "GenuineIntel" "CentaurHauls" "  Shanghai  ";

static bool intel_like(const char *vendor)
{
    for (const char *v = intel_vendors; *v; v += 12)
        if (!memcmp(vendor, v, 12))
            return true;
    return false;
}

static int setup_page(const struct pvh_hypervisor *hv, struct pvh_error *err)
{
    uint32_t r[4];

    x86_cpuid(hv->cpuid_base + XEN_CPUID_LEAF_HYPERCALL, 0, r);
    if (r[0] < 1)
        return pvh_fail(err, PVH_ENOENT, "Xen offers no hypercall page: CPUID 0x%x EAX %u",
                        hv->cpuid_base + XEN_CPUID_LEAF_HYPERCALL, r[0]);
    memset(x86_hypercall_page, X86_OPCODE_RET, sizeof(x86_hypercall_page));
    /* The MSR takes the page's guest-physical address (identity-mapped)
     * with the page index (0) in the low bits. */
    x86_wrmsr(r[1], (uint64_t)(uintptr_t)x86_hypercall_page);
    x86_paging_seal_code((uintptr_t)x86_hypercall_page);
    if (x86_hypercall_page[__HYPERVISOR_xen_version * XEN_HYPERCALL_STUB_SIZE] == X86_OPCODE_RET)
        return pvh_fail(err, PVH_EINVAL, "Xen did not fill the hypercall page: MSR 0x%x", r[1]);
    method = CALL_PAGE;
    return PVH_OK;
}

int x86_xen_hypercall_init(struct pvh_hypervisor *hv, bool use_page, struct pvh_error *err)
{
    if (use_page) {
        int rc = setup_page(hv, err);

        if (rc)
            return rc;
        hv->xen_hypercall = "page";
        return PVH_OK;
    }
    method = intel_like(x86_cpu.vendor) ? CALL_VMCALL : CALL_VMMCALL;
    hv->xen_hypercall = method == CALL_VMCALL ? "vmcall" : "vmmcall";
    return PVH_OK;
}

long pvh_arch_hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t rdi __asm__("rdi") = a1;
    register uint64_t rsi __asm__("rsi") = a2;
    register uint64_t rdx __asm__("rdx") = a3;
    uint64_t rax = nr;

    switch (method) {
    case CALL_VMCALL:
        __asm__ volatile("vmcall" : "+a"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                         : : "memory", "rcx", "r8", "r10", "r11");
        break;
    case CALL_VMMCALL:
        __asm__ volatile("vmmcall" : "+a"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                         : : "memory", "rcx", "r8", "r10", "r11");
        break;
    case CALL_PAGE: {
        register uint64_t stub __asm__("rcx") =
            (uint64_t)(uintptr_t)(x86_hypercall_page + nr * XEN_HYPERCALL_STUB_SIZE);

        if (nr >= X86_PAGE_SIZE / XEN_HYPERCALL_STUB_SIZE)
            return -XEN_ENOSYS;
        __asm__ volatile("call *%[stub]"
                         : "+a"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), [stub] "+r"(stub)
                         : : "memory", "r8", "r10", "r11");
        break;
    }
    case CALL_NONE:
    default:
        return -XEN_ENOSYS;
    }
    return (long)rax;
}
