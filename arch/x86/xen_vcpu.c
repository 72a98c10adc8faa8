/*
 * Starting another vCPU under Xen without the local APIC: VCPUOP_initialise
 * with a 64-bit register state, then VCPUOP_up. The vCPU begins at
 * x86_ap_entry_xen (ap_start.asm) on pvhboot's page tables and its own
 * stack, with no INIT, no start-up IPI and no real mode: the way into C
 * that INIT-SIPI takes through ap_start.asm's trampoline, less the
 * trampoline.
 *
 * Xen 4.17 accepts it from a PVH guest (vcpu_op is open to HVM guests;
 * arch_set_info_hvm_guest() checks the state) for a vCPU that has never
 * run. Only smp.c calls it, and only under Xen.
 */
#include <pvhboot/xen.h>
#include <xen/vcpu.h>

#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"

/* RFLAGS with interrupts off: bit 1 is reserved and reads as 1. */
#define RFLAGS_FIXED 0x2u

extern const char x86_ap_entry_xen[];

long x86_xen_vcpu_start(uint32_t vcpu, uintptr_t stack_top, unsigned cpu)
{
    struct vcpu_hvm_context ctx = { .mode = VCPU_HVM_MODE_64B };
    struct vcpu_hvm_x86_64 *r = &ctx.cpu_regs.x86_64;
    long rc;

    /* What ap_start.asm gives a CPU it starts: paging with these tables,
     * long mode (Xen wants PG, PAE and LME, and adds LMA) and NX as on
     * the boot CPU. Constants rather than this CPU's registers read
     * back: under Xen each read of CR0, CR4 or EFER is a VM exit (about
     * a millisecond nested in QEMU), and CR3 is not trapped. */
    r->cr0 = X86_CR0_AP;
    r->cr3 = x86_read_cr3();
    r->cr4 = X86_CR4_BOOT;
    r->efer = x86_ap_efer();
    r->rip = (uintptr_t)x86_ap_entry_xen;
    r->rsp = stack_top;
    r->rdi = cpu;
    r->rflags = RFLAGS_FIXED;
    rc = xen_vcpu_op(VCPUOP_initialise, vcpu, &ctx);
    return rc ? rc : xen_vcpu_op(VCPUOP_up, vcpu, NULL);
}
